"""What the supplier pipeline's words mean: due, in full, OTIF, on time, fill rate, lead time, status.

Every number on a PO line fact follows from the rules below and the values of
:class:`SupplierDefinitions`, built from the settings (``SUPPLYLAKE_SUPPLIERS__*``, the only home
of their defaults). Times are event times in epoch milliseconds. For one PO line (a PO's SKU):

Due
    A line is *due* at ``promisedDate + late tolerance``.

Accepted, in full
    ``accepted = received − rejected`` (never below 0). A line is *in full* when
    ``accepted ≥ ordered × (1 − quantity tolerance)``. The line *completes* at the first event
    time, walking its receipts and rejections in event-time order (a receipt before a rejection
    stamped at the same millisecond), at which it is in full; a later rejection can take it out
    of in full again, but does not move the completion.

OTIF (on time in full)
    Decided at due, or earlier the moment the line completes: 1 when the line completed at or
    before its due time, else 0. Once decided it is frozen: receipts and rejections after due
    change the quantities, the fill rate and the status, never a decided OTIF. ``None`` until
    decided.

On time, in full (the fact's columns)
    ``None`` until OTIF is decided, then they follow the current receipts (unlike OTIF, they are
    not frozen): ``on_time`` says the receipt that completed the line — or the last receipt, if
    the line never completed — was at or before due (False with no receipt at all); ``in_full``
    is judged on the accepted quantity at the time of the row. So a line completed after due
    reads ``otif=0, on_time=False, in_full=True``, and a line in full on time that a later
    inspection rejected in part reads ``otif=1, on_time=True, in_full=False``.

Fill rate, defect rate
    ``fill_rate = min(accepted, ordered) / ordered``; ``defect_rate = rejected / received``
    (None when nothing was received).

Lead time
    ``lead_time_days = (first receipt − po.created) / 1 day``, fractional (the first receipt is
    the earliest in event time); None before the first receipt.

Status
    Evaluated on the current quantities, first match wins:

    * ``OVER`` — received > ordered × (1 + over tolerance), whatever was rejected;
    * ``RECEIVED`` — in full (and so received ≤ ordered × (1 + over tolerance));
    * ``SHORT_CLOSED`` — due + grace has passed and the line is not in full: closed short;
    * ``PARTIAL`` — something was received but the line is not in full (also when all of it was
      rejected);
    * ``OPEN`` — nothing received.

    Closing short is not final: a receipt after due + grace that puts the line in full makes it
    ``RECEIVED`` (or ``OVER``), and a rejection that takes a closed line out of in full makes it
    ``SHORT_CLOSED`` again.

Hold
    A receipt, ASN or rejection that arrives before its ``po.created`` is held for
    ``hold_ms`` of event time (see :mod:`~supplylake.pipelines.suppliers.po_lines`).

``definition_version`` names the definition values: the same values always give the same version
and any change of a value gives another one, so facts computed under different definitions
can be told apart (and are never mixed up in a metric without noticing).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from fractions import Fraction

from supplylake.errors import FatalError
from supplylake.event_time import HOUR_MS
from supplylake.settings import SupplierSettings

DEFINITION_VERSION_PREFIX = "v1-"
"""Bump the prefix when a rule above changes meaning (the values alone cannot say so)."""


class SupplierError(FatalError):
    """Base of the supplier domain's errors."""


class LineStatus(StrEnum):
    OPEN = "OPEN"
    PARTIAL = "PARTIAL"
    RECEIVED = "RECEIVED"
    OVER = "OVER"
    SHORT_CLOSED = "SHORT_CLOSED"


def exact(value: float) -> Fraction:
    """A setting's value as the exact decimal it was written as (``0.85 + 0.05`` is ``0.9``)."""
    return Fraction(repr(float(value)))


@dataclass(frozen=True)
class SupplierDefinitions:
    """The values the rules of the module docstring depend on."""

    late_tolerance_ms: int
    """A line is due at promisedDate + this."""
    quantity_tolerance: float
    """In full when accepted ≥ ordered × (1 − this)."""
    over_tolerance: float
    """OVER when received > ordered × (1 + this)."""
    po_late_grace_ms: int
    """PO_LATE and closing short at due + this."""
    hold_ms: int
    """How long (event time) an event that arrived before its po.created is held."""

    @classmethod
    def from_settings(cls, settings: SupplierSettings) -> SupplierDefinitions:
        return cls(
            late_tolerance_ms=round(settings.late_tolerance_h * HOUR_MS),
            quantity_tolerance=settings.quantity_tolerance,
            over_tolerance=settings.over_tolerance,
            po_late_grace_ms=round(settings.po_late_grace_h * HOUR_MS),
            hold_ms=round(settings.hold_h * HOUR_MS),
        )

    @property
    def definition_version(self) -> str:
        """``v1-`` and the first 8 hex digits of the sha256 of the canonical definition values
        (sorted-key JSON, floats as their shortest repr, so ``0.0`` and ``0`` are the same)."""
        values = asdict(self)
        for name in ("quantity_tolerance", "over_tolerance"):
            values[name] = float(values[name])
        canonical = json.dumps(values, sort_keys=True, separators=(",", ":"))
        return DEFINITION_VERSION_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:8]

    def due_at(self, promised_at_ms: int) -> int:
        return promised_at_ms + self.late_tolerance_ms

    def late_at(self, promised_at_ms: int) -> int:
        """Due + grace: when PO_LATE is judged and a line not in full is closed short."""
        return self.due_at(promised_at_ms) + self.po_late_grace_ms

    def in_full(self, accepted: int, ordered: int) -> bool:
        return accepted >= ordered * (1 - exact(self.quantity_tolerance))

    def over(self, received: int, ordered: int) -> bool:
        return received > ordered * (1 + exact(self.over_tolerance))

    def status(self, *, received: int, accepted: int, ordered: int, grace_expired: bool) -> LineStatus:
        """The line status of the module docstring (first match wins)."""
        if self.over(received, ordered):
            return LineStatus.OVER
        if self.in_full(accepted, ordered):
            return LineStatus.RECEIVED
        if grace_expired:
            return LineStatus.SHORT_CLOSED
        return LineStatus.PARTIAL if received > 0 else LineStatus.OPEN


DEFAULT_DEFINITIONS = SupplierDefinitions.from_settings(SupplierSettings())
"""The definitions of default settings (for callers that configure nothing, e.g. tests)."""
