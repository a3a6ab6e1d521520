"""Recording what the file intake rejected: in the `dead_letters` table and on the DLQ topic.

Rejected lines never reach a source topic, so no pipeline sees them and none can dead-letter
them (a pipeline attributes a dead letter to the offset it consumed; a rejected line has none).
So they are written here, attributed to the file (``file:<name>``, partition 0, offset = line
number) under the current broker epoch. Everything else is the pipelines' path: the same row
and header builders (supplylake/dead_letters.py), the same raw bytes on the DLQ topic, and the
same exactly-once writer and ledger in the lake (docs/architecture.md, "Dead letters").
"""

from __future__ import annotations

import hashlib
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.dead_letters import attribute_to_source, decode_raw, dlq_headers
from supplylake.lake.catalog import catalog_for
from supplylake.lake.epoch_history import dead_letter_digest, stored_dead_letters
from supplylake.lake.tables import DEAD_LETTERS
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.settings import Settings

# A rejected line too large for a Kafka record (e.g. a 10 MB line) goes to the DLQ topic as its
# first bytes, with its full length and SHA-256 in headers; the lake row keeps all of it.
DLQ_TRUNCATED_BYTES = 256 * 1024


def publish_rejects(settings: Settings, connection: BrokerConnection, rows: list[dict[str, Any]]) -> None:
    """One DLQ-topic record per rejected line: its raw bytes with the Kafka Connect error headers."""
    producer = Producer(connection.config(log_level=3))
    for row in rows:
        raw = decode_raw(row["raw_value"], row["raw_encoding"])
        headers = dlq_headers(row)
        try:
            producer.produce(settings.topics.dead_letters, value=raw, headers=headers)
        except KafkaException as exc:
            if not exc.args or exc.args[0].code() != KafkaError.MSG_SIZE_TOO_LARGE:
                raise
            producer.produce(
                settings.topics.dead_letters, value=raw[:DLQ_TRUNCATED_BYTES], headers=headers + truncation_headers(raw)
            )
    producer.flush(30)


def truncation_headers(raw: bytes) -> list[tuple[str, bytes]]:
    """Headers of a DLQ record that carries only the first DLQ_TRUNCATED_BYTES of ``raw``."""
    return [
        ("supplylake.raw_truncated", b"true"),
        ("supplylake.raw_length", str(len(raw)).encode()),
        ("supplylake.raw_sha256", hashlib.sha256(raw).hexdigest().encode()),
    ]


def commit_rejects(settings: Settings, connection: BrokerConnection, rows: list[dict[str, Any]]) -> None:
    """The rejected lines' `dead_letters` rows in one exactly-once commit (a replayed file adds none)."""
    offsets: dict[tuple[str, int], int] = {}
    for row in rows:
        attribute_to_source(row, connection.cluster_id)
        tp = (row["source_topic"], row["source_partition"])
        offsets[tp] = max(offsets.get(tp, -1), row["source_offset"])
    writer = ExactlyOnceWriter(
        catalog_for(settings), DEAD_LETTERS, cluster_id=connection.cluster_id, namespace=settings.catalog.namespace
    )
    writer.commit(rows, offsets, max_event_time_ms=None)


def not_yet_recorded(
    settings: Settings, connection: BrokerConnection, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``rows`` without the dead letters an earlier broker epoch recorded (the same file run again)."""
    recorded = stored_dead_letters(catalog_for(settings), settings.catalog.namespace, connection.cluster_id)
    return [row for row in rows if dead_letter_digest(row) not in recorded] if recorded else rows


def record_rejects(settings: Settings, connection: BrokerConnection, rows: list[dict[str, Any]]) -> None:
    """Rejected lines to the DLQ topic, then to the lake (those an earlier epoch recorded: neither)."""
    rows = not_yet_recorded(settings, connection, rows) if rows else rows
    if not rows:
        return
    publish_rejects(settings, connection, rows)
    commit_rejects(settings, connection, rows)
