"""Event time helpers: exact integer milliseconds, no float rounding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplylake.event_time import (
    DAY_MS,
    EPOCH,
    HOUR_MS,
    MINUTE_MS,
    SECOND_MS,
    from_epoch_ms,
    parse_iso_ms,
    to_epoch_ms,
)


def test_units() -> None:
    assert (SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS) == (1_000, 60_000, 3_600_000, 86_400_000)
    assert to_epoch_ms(EPOCH) == 0


def test_exact_where_a_float_timestamp_is_one_ms_short() -> None:
    moment = datetime(2025, 1, 15, 14, 23, 45, 1000, tzinfo=UTC)  # .001 s
    assert to_epoch_ms(moment) == 1_736_951_025_001
    assert to_epoch_ms(datetime(2262, 1, 1, 0, 0, 0, 999_000, tzinfo=UTC)) % 1000 == 999


def test_offsets_are_honoured_and_sub_millisecond_floored() -> None:
    plus_two = datetime(2025, 1, 15, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    assert to_epoch_ms(plus_two) == to_epoch_ms(datetime(2025, 1, 15, 14, 0, tzinfo=UTC))
    assert to_epoch_ms(datetime(2025, 1, 15, 0, 0, 0, 999, tzinfo=UTC)) % 1000 == 0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_epoch_ms(datetime(2025, 1, 15))


@given(st.integers(min_value=-(10**13), max_value=10**14))
def test_round_trip(ms: int) -> None:
    assert to_epoch_ms(from_epoch_ms(ms)) == ms
    assert from_epoch_ms(ms).tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-15T14:23:45Z", 1_736_951_025_000),
        ("2025-01-15T14:23:45.123Z", 1_736_951_025_123),
        ("2025-01-15T16:23:45+02:00", 1_736_951_025_000),
        ("2025-01-15T14:23:45", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_iso_ms(text: str | None, expected: int | None) -> None:
    assert parse_iso_ms(text) == expected
