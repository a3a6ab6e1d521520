"""Control records: recognised by header only, never confused with events."""

from __future__ import annotations

import pytest

from supplylake.pipelines.control import (
    CONTROL_HEADER,
    KIND_TICK,
    KIND_WATERMARK,
    ControlRecord,
    InvalidControlRecord,
    decode_control,
    is_control,
)
from supplylake.pipelines.entity_state import EntityRecord


def test_control_records_round_trip_and_are_told_apart_by_header() -> None:
    record = ControlRecord(KIND_WATERMARK, 1_740_816_000_000)
    assert decode_control(record.headers(), record.encode()) == record
    assert decode_control(ControlRecord(KIND_TICK, 5).headers(), ControlRecord(KIND_TICK, 5).encode()).kind == KIND_TICK
    # The same bytes without the header are an ordinary record (an event, or a dead letter).
    assert decode_control(None, record.encode()) is None
    assert decode_control([("other", b"x")], record.encode()) is None
    assert is_control([("other", b"x"), (CONTROL_HEADER, b"tick")]) and not is_control([])


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"not json",
        b'{"kind": "nap", "timeMs": 1}',
        b'{"kind": "tick", "timeMs": "1"}',
        b'{"kind": "tick"}',
        b"[1]",
    ],
)
def test_a_record_with_the_header_but_no_readable_value_is_refused(value: bytes) -> None:
    with pytest.raises(InvalidControlRecord):
        decode_control([(CONTROL_HEADER, b"tick")], value)


def test_entity_record_remembers_a_bounded_window_of_event_ids() -> None:
    record = EntityRecord()
    for n in range(5):
        record.remember(f"e{n}", window=3)
    restored = EntityRecord.from_dict(record.to_dict())
    assert [restored.seen_before(f"e{n}") for n in range(5)] == [False, False, True, True, True]
    assert (restored.next_revision(), restored.next_revision()) == (1, 2)
