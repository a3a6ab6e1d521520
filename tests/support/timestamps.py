"""Wire timestamps (ISO 8601 text) as epoch milliseconds, for the reference models.

Kept apart from ``supplylake``'s own conversion on purpose: the models restate the documented
semantics independently of the code they check.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_to_ms(text: str) -> int:
    """Epoch ms of an offset-aware ISO timestamp (``Z`` or ``+hh:mm``), exact (integer arithmetic)."""
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - _EPOCH) // timedelta(milliseconds=1)
