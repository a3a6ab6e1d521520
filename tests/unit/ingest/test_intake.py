"""Intake rejects: the same rows, headers and raw bytes as a pipeline's dead letters, written exactly once."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from confluent_kafka import KafkaError, KafkaException

from supplylake.broker.connection import BrokerConnection
from supplylake.contracts.examples import example
from supplylake.dead_letters import dead_letter_row, decode_raw, dlq_headers, encode_raw
from supplylake.ingest import intake
from supplylake.ingest.replay import replay_file
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import DEAD_LETTERS
from supplylake.settings import load_settings

CONNECTION = BrokerConnection("127.0.0.1:1", "cluster-1", True)


class RecordingProducer:
    sent: ClassVar[list[tuple[str, bytes | None, list[tuple[str, bytes]]]]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        pass

    def produce(self, topic: str, *, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        self.sent.append((topic, value, headers))

    def flush(self, timeout: float) -> int:
        return 0


def reject(line_number: int, raw: bytes) -> dict[str, Any]:
    return dead_letter_row(
        cluster_id=CONNECTION.cluster_id,
        source_topic="file:events.jsonl",
        source_partition=0,
        source_offset=line_number,
        source_key=None,
        raw=raw,
        reason=f"line {line_number}: not valid JSON",
        error_code="malformed_json",
        event_type=None,
        failed_at_ms=1_736_950_000_000,
        line_number=line_number,
    )


@pytest.mark.parametrize("raw", [b'{"a": 1}', b"\xff\xfe not utf-8", b""])
def test_raw_bytes_round_trip(raw: bytes) -> None:
    assert decode_raw(*encode_raw(raw)) == raw


def test_rejects_reach_the_topic_and_the_lake_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "Producer", RecordingProducer)
    RecordingProducer.sent = []
    settings = load_settings(data_dir=tmp_path)
    rows = [reject(3, b"{nope"), reject(9, b"\xff\xfe")]
    headers = [dlq_headers(row) for row in rows]

    intake.record_rejects(settings, CONNECTION, [dict(row) for row in rows])
    intake.record_rejects(settings, CONNECTION, [dict(row) for row in rows])  # the same file again

    # The topic gets the raw bytes, binary ones too, with the pipelines' headers.
    assert RecordingProducer.sent[:2] == [
        ("dead-letters", b"{nope", headers[0]),
        ("dead-letters", b"\xff\xfe", headers[1]),
    ]
    table = catalog_for(settings).load_table((settings.catalog.namespace, DEAD_LETTERS.name)).scan().to_arrow()
    stored = sorted(table.to_pylist(), key=lambda row: row["line_number"])
    assert [(r["_src_topic"], r["_src_partition"], r["_src_offset"], r["_src_cluster"]) for r in stored] == [
        ("file:events.jsonl", 0, 3, "cluster-1"),
        ("file:events.jsonl", 0, 9, "cluster-1"),
    ]
    assert [(r["raw_value"], r["raw_encoding"], r["line_number"]) for r in stored] == [
        (rows[0]["raw_value"], "utf-8", 3),
        (rows[1]["raw_value"], "base64", 9),
    ]


def test_no_rejects_touch_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "Producer", RecordingProducer)
    RecordingProducer.sent = []
    settings = load_settings(data_dir=tmp_path)
    intake.record_rejects(settings, CONNECTION, [])
    assert RecordingProducer.sent == []
    assert not (tmp_path / "lake").exists()


class SizeLimitedProducer(RecordingProducer):
    """Refuses values over 1 MB as librdkafka does (message.max.bytes), synchronously."""

    def produce(self, topic: str, *, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        if value is not None and len(value) > 1_000_000:
            raise KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))
        super().produce(topic, value=value, headers=headers)


def test_a_reject_too_large_for_a_record_goes_to_the_topic_truncated_and_to_the_lake_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "Producer", SizeLimitedProducer)
    RecordingProducer.sent = []
    settings = load_settings(data_dir=tmp_path)
    huge = b'{"x": "' + b"a" * 10_000_000  # a 10 MB line, not even JSON
    intake.record_rejects(settings, CONNECTION, [reject(2, huge)])

    ((topic, value, headers),) = RecordingProducer.sent
    assert topic == "dead-letters" and value == huge[: intake.DLQ_TRUNCATED_BYTES]
    extra = dict(headers[len(dlq_headers(reject(2, huge))) :])
    assert extra == {
        "supplylake.raw_truncated": b"true",
        "supplylake.raw_length": str(len(huge)).encode(),
        "supplylake.raw_sha256": hashlib.sha256(huge).hexdigest().encode(),
    }
    (stored,) = (
        catalog_for(settings).load_table((settings.catalog.namespace, DEAD_LETTERS.name)).scan().to_arrow().to_pylist()
    )
    assert decode_raw(stored["raw_value"], stored["raw_encoding"]) == huge


def test_replay_dead_letters_a_line_too_large_for_a_record(tmp_path: Path) -> None:
    """A routable line over the client's record limit cannot reach its pipeline: the intake keeps it."""
    line = orjson.dumps(example("inventory.received") | {"note": "n" * 2_000_000})
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n" + line + b"\n")
    summary = replay_file(path, CONNECTION, load_settings(data_dir=tmp_path).topics)
    (row,) = summary.rejected
    assert (row["error_code"], row["line_number"], row["source_topic"]) == ("record_too_large", 2, "file:events.jsonl")
    assert row["event_type"] == "inventory.received" and f"{len(line):,} bytes" in row["reason"]
    assert decode_raw(row["raw_value"], row["raw_encoding"]) == line
    assert summary.produced == {} and summary.end_offsets == {}
