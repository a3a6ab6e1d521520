"""Purchase order events for the supplier domain tests: one PO (two lines), its receipts, ASNs and
rejections, and a fold that collects what they raised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from supplylake.event_time import DAY_MS
from supplylake.pipelines.suppliers.alerts import Alert
from supplylake.pipelines.suppliers.definitions import SupplierDefinitions
from supplylake.pipelines.suppliers.po_lines import (
    ASN_SENT,
    PO_CREATED,
    QUALITY_REJECTED,
    RECEIVED,
    PoEvent,
    PoEventLine,
    PoOutcome,
    PoState,
    UnmatchedEvent,
    apply_po_event,
    fire_deadlines,
    line_fact,
)

PO_ID = "PO-1"
SUPPLIER = "SUPP-1"
WAREHOUSE = "WH-1"
T0 = 1_736_899_200_000  # 2025-01-15T00:00:00Z: the PO is created
PROMISED = T0 + 5 * DAY_MS
DEFINITIONS = SupplierDefinitions(
    late_tolerance_ms=0, quantity_tolerance=0.0, over_tolerance=0.0, po_late_grace_ms=DAY_MS, hold_ms=3 * DAY_MS
)
DUE = PROMISED
LATE_AT = PROMISED + DAY_MS  # due + grace
LINES = (("SKU-A", 100, 2.5), ("SKU-B", 50, 4.0))


def po_created(
    at: int = T0, *, event_id: str = "po-1", lines=LINES, promised: int = PROMISED, po_id: str = PO_ID
) -> PoEvent:
    return PoEvent(
        event_id=event_id,
        event_type=PO_CREATED,
        event_time_ms=at,
        po_id=po_id,
        supplier_id=SUPPLIER,
        warehouse_id=WAREHOUSE,
        promised_at_ms=promised,
        lines=tuple(PoEventLine(sku, quantity, cost) for sku, quantity, cost in lines),
    )


def receipt(event_id: str, at: int, quantity: int, sku: str = "SKU-A") -> PoEvent:
    return PoEvent(
        event_id=event_id,
        event_type=RECEIVED,
        event_time_ms=at,
        po_id=PO_ID,
        supplier_id=SUPPLIER,
        warehouse_id=WAREHOUSE,
        sku=sku,
        quantity=quantity,
        unit_cost=2.5,
    )


def rejection(event_id: str, at: int, quantity: int, sku: str = "SKU-A", reason: str = "damaged") -> PoEvent:
    return PoEvent(
        event_id=event_id,
        event_type=QUALITY_REJECTED,
        event_time_ms=at,
        po_id=PO_ID,
        supplier_id=SUPPLIER,
        warehouse_id=WAREHOUSE,
        sku=sku,
        quantity=quantity,
        reason=reason,
    )


def asn(event_id: str, at: int, expected: int, skus: Iterable[tuple[str, int]] = (("SKU-A", 100),)) -> PoEvent:
    return PoEvent(
        event_id=event_id,
        event_type=ASN_SENT,
        event_time_ms=at,
        po_id=PO_ID,
        supplier_id=SUPPLIER,
        asn_id=f"ASN-{event_id}",
        expected_arrival_ms=expected,
        lines=tuple(PoEventLine(sku, quantity) for sku, quantity in skus),
    )


@dataclass
class Fold:
    """A PO state and everything its events raised so far."""

    definitions: SupplierDefinitions = DEFINITIONS
    state: PoState | None = None
    alerts: list[Alert] = field(default_factory=list)
    unmatched: list[UnmatchedEvent] = field(default_factory=list)
    outcomes: list[PoOutcome] = field(default_factory=list)

    def apply(self, *events: PoEvent) -> Fold:
        for event in events:
            self.state, outcome = apply_po_event(self.state, event, self.definitions)
            self.alerts.extend(outcome.alerts)
            self.unmatched.extend(outcome.unmatched)
            self.outcomes.append(outcome)
        return self

    def fire(self, now_ms: int) -> Fold:
        """The timer service calling with no input."""
        self.state, outcome = fire_deadlines(self.po, now_ms, self.definitions)
        self.alerts.extend(outcome.alerts)
        self.unmatched.extend(outcome.unmatched)
        return self

    def fact(self, sku: str = "SKU-A") -> dict[str, Any]:
        return line_fact(self.po, sku, self.definitions)

    @property
    def po(self) -> PoState:
        assert self.state is not None
        return self.state

    def alert_types(self) -> list[str]:
        return [alert.alert_type for alert in self.alerts]
