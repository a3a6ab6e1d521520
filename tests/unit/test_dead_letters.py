from __future__ import annotations

import base64

from supplylake.dead_letters import dead_letter_row, dlq_headers


def row(**overrides):
    base = {
        "cluster_id": "c1",
        "source_topic": "inventory-events",
        "source_partition": 1,
        "source_offset": 7,
        "source_key": b"WH:SKU",
        "raw": b'{"bad": true}',
        "reason": "field 'sku': Field required",
        "error_code": "missing_field",
        "event_type": "inventory.received",
        "failed_at_ms": 0,
    }
    return dead_letter_row(**(base | overrides))


def test_ids_are_deterministic_per_source_record_and_epoch() -> None:
    assert row()["dead_letter_id"] == row(reason="other")["dead_letter_id"]
    ids = {
        row()["dead_letter_id"],
        row(source_offset=8)["dead_letter_id"],
        row(source_partition=0)["dead_letter_id"],
        row(cluster_id="c2")["dead_letter_id"],
    }
    assert len(ids) == 4


def test_raw_bytes_kept_as_text_or_base64() -> None:
    assert row()["raw_value"] == '{"bad": true}' and row()["raw_encoding"] == "utf-8"
    binary = row(raw=b"\xff\xfe\x00")
    assert binary["raw_encoding"] == "base64"
    assert base64.b64decode(binary["raw_value"]) == b"\xff\xfe\x00"


def test_headers_follow_kafka_connect_names() -> None:
    headers = dict(dlq_headers(row(line_number=12)))
    assert headers["__connect.errors.topic"] == b"inventory-events"
    assert headers["__connect.errors.partition"] == b"1"
    assert headers["__connect.errors.offset"] == b"7"
    assert headers["__connect.errors.exception.message"] == b"field 'sku': Field required"
    assert headers["supplylake.line_number"] == b"12"


def test_a_mis_keyed_event_is_rejected_with_the_expected_key() -> None:
    from supplylake.pipelines.outputs import WrongKey, rejected

    rows = rejected(
        cluster_id="c",
        raw=b"{}",
        key=b"WH-2:SKU-9",
        error=WrongKey(b"WH-2:SKU-9", "WH-1:SKU-1"),
        topic="inventory-events",
        partition=0,
        offset=3,
        now_ms=0,
    )
    assert rows.dead_letter["error_code"] == "wrong_key"
    assert "'WH-2:SKU-9', expected 'WH-1:SKU-1'" in rows.dead_letter["reason"]
    assert rows.tables["dead_letters"] == [rows.dead_letter]
