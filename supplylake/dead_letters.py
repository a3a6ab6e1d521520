"""Dead letters: what a pipeline (or the file intake) could not accept, with why and where from.

The record keeps the raw bytes (UTF-8 text, or base64 when they are not UTF-8), the source
topic/partition/offset and a deterministic id, so a replayed rejection is recognisable and the
lake's offset ledger keeps it from being stored twice. Kafka headers follow Kafka Connect's
``__connect.errors.*`` names so existing DLQ tooling can read them.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from supplylake.lake.tables import SRC_CLUSTER, SRC_OFFSET, SRC_PARTITION, SRC_TOPIC

DEAD_LETTER_NAMESPACE = uuid.UUID("5b0c1f4e-6f1b-4d3a-9a57-1c2f0d3e8b41")


def encode_raw(raw: bytes) -> tuple[str, str]:
    """(text, encoding): the bytes as UTF-8 text when they are, else base64."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), "base64"


def decode_raw(text: str, encoding: str) -> bytes:
    """The original bytes of a dead letter's ``raw_value`` (inverse of :func:`encode_raw`)."""
    return text.encode("utf-8") if encoding == "utf-8" else base64.b64decode(text)


def dead_letter_row(
    *,
    cluster_id: str,
    source_topic: str,
    source_partition: int,
    source_offset: int,
    source_key: bytes | None,
    raw: bytes,
    reason: str,
    error_code: str,
    event_type: str | None,
    failed_at_ms: int,
    line_number: int | None = None,
) -> dict[str, Any]:
    """One row of the `dead_letters` lake table (and the payload of its DLQ topic headers)."""
    raw_value, raw_encoding = encode_raw(raw)
    key_text = None if source_key is None else encode_raw(source_key)[0]
    identity = f"{cluster_id}/{source_topic}/{source_partition}/{source_offset}"
    return {
        "dead_letter_id": str(uuid.uuid5(DEAD_LETTER_NAMESPACE, identity)),
        "reason": reason,
        "error_code": error_code,
        "event_type": event_type,
        "source_topic": source_topic,
        "source_partition": source_partition,
        "source_offset": source_offset,
        "source_key": key_text,
        "raw_value": raw_value,
        "raw_encoding": raw_encoding,
        "failed_at": failed_at_ms,
        "line_number": line_number,
    }


def attribute_to_source(row: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    """The row with the ``_src_*`` columns every lake row carries, taken from its own source fields.

    Pipelines get these from the record being processed (LakeSink); the file intake, whose
    rejects never reach a topic, attributes them to the file position (``file:<name>``, 0, line).
    """
    row[SRC_CLUSTER] = cluster_id
    row[SRC_TOPIC] = row["source_topic"]
    row[SRC_PARTITION] = row["source_partition"]
    row[SRC_OFFSET] = row["source_offset"]
    return row


def dlq_headers(row: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Kafka headers for the `dead-letters` topic record of a dead-letter row."""
    headers = [
        ("__connect.errors.topic", row["source_topic"].encode()),
        ("__connect.errors.partition", str(row["source_partition"]).encode()),
        ("__connect.errors.offset", str(row["source_offset"]).encode()),
        ("__connect.errors.exception.class.name", row["error_code"].encode()),
        ("__connect.errors.exception.message", row["reason"].encode()),
        ("supplylake.dead_letter_id", row["dead_letter_id"].encode()),
    ]
    if row.get("line_number") is not None:
        headers.append(("supplylake.line_number", str(row["line_number"]).encode()))
    return headers
