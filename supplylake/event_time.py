"""Event time as integer epoch milliseconds: the one place that converts to and from datetimes.

Everything that orders, windows or compares events works on integer milliseconds since the Unix
epoch (UTC): exact and cheap. The conversions are integer arithmetic on ``timedelta``, never
``datetime.timestamp() * 1000``, whose float can land 1 ms short and put an event on the wrong
side of a deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""The Unix epoch as an aware UTC datetime."""

SECOND_MS: Final = 1_000
MINUTE_MS: Final = 60 * SECOND_MS
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS

_ONE_MS: Final = timedelta(milliseconds=1)


def to_epoch_ms(moment: datetime) -> int:
    """Exact epoch milliseconds of an aware datetime (sub-millisecond parts are floored)."""
    try:
        return (moment - EPOCH) // _ONE_MS  # on the hot path: no check before, only on failure
    except TypeError:
        raise ValueError(f"naive datetime {moment.isoformat()}: event times must carry a time zone (UTC)") from None


def from_epoch_ms(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds."""
    return EPOCH + timedelta(milliseconds=ms)


def parse_iso_ms(text: str | None) -> int | None:
    """Epoch milliseconds of an ISO 8601 time with a zone (``Z`` or an offset); None when the
    text is empty, not ISO 8601, or has no zone (callers that must refuse such input validate
    it through the contracts, which say why)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return to_epoch_ms(moment)
