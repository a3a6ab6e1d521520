"""Alerts raised by the supplier pipeline, as plain records.

The alert types, entity types and the id recipe live in :mod:`~supplylake.contracts.alerts`
(re-exported here). Ids are derived from what caused the alert, never from arrival order:

* ``PO_LATE``, ``PO_SHORT``, ``PO_OVER`` — once per PO line: ``po_line:<poId>:<sku>``;
* ``QUALITY_REJECT`` — once per ``quality.rejected`` event: its event id;
* ``SUPPLIER_SLIPPING`` — once per episode: ``supplier:<supplierId>@<episode start ms>``;
* ``LEAD_TIME_CHANGED`` — once per ``supplier.leadtime.changed`` event: its event id.

``severity`` says how urgently someone should look: ``critical`` for a supplier slipping,
``warning`` for a line late, closed short or rejected, ``info`` for an over-delivery or a lead
time change (``warning`` when the lead time got longer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from supplylake.contracts.alerts import (
    ENTITY_PO_LINE,
    ENTITY_SUPPLIER,
    LEAD_TIME_CHANGED,
    PO_LATE,
    PO_OVER,
    PO_SHORT,
    QUALITY_REJECT,
    SUPPLIER_SLIPPING,
    alert_id,
)

__all__ = [
    "ENTITY_PO_LINE",
    "ENTITY_SUPPLIER",
    "LEAD_TIME_CHANGED",
    "PO_LATE",
    "PO_OVER",
    "PO_SHORT",
    "QUALITY_REJECT",
    "SEVERITY",
    "SUPPLIER_ALERT_TYPES",
    "SUPPLIER_SLIPPING",
    "Alert",
    "Severity",
    "lead_time_changed_alert",
    "po_line_entity_id",
]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


SEVERITY: Mapping[str, Severity] = {
    PO_LATE: Severity.WARNING,
    PO_SHORT: Severity.WARNING,
    PO_OVER: Severity.INFO,
    QUALITY_REJECT: Severity.WARNING,
    SUPPLIER_SLIPPING: Severity.CRITICAL,
    LEAD_TIME_CHANGED: Severity.INFO,
}
"""The usual severity of each supplier alert type."""

SUPPLIER_ALERT_TYPES: tuple[str, ...] = tuple(SEVERITY)
"""Every alert type the supplier pipeline raises."""


def po_line_entity_id(po_id: str, sku: str) -> str:
    return f"{po_id}:{sku}"


@dataclass(frozen=True)
class Alert:
    """One alert. ``raised_at_ms`` is the event time at which the condition started (the
    ``alerts.raised_at`` column); ``warehouse_id`` and ``sku`` when the alert concerns them."""

    alert_id: str
    alert_type: str
    entity_type: str
    entity_id: str
    severity: str
    raised_at_ms: int
    warehouse_id: str | None = None
    sku: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        *,
        source_id: str,
        alert_type: str,
        entity_type: str,
        entity_id: str,
        raised_at_ms: int,
        details: Mapping[str, Any],
        warehouse_id: str | None = None,
        sku: str | None = None,
        severity: Severity | None = None,
    ) -> Alert:
        return cls(
            alert_id=alert_id(source_id, alert_type),
            alert_type=alert_type,
            entity_type=entity_type,
            entity_id=entity_id,
            severity=(severity or SEVERITY[alert_type]).value,
            raised_at_ms=int(raised_at_ms),
            warehouse_id=warehouse_id,
            sku=sku,
            details=dict(details),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "alert_type": self.alert_type,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "severity": self.severity,
            "raised_at_ms": self.raised_at_ms,
            "warehouse_id": self.warehouse_id,
            "sku": self.sku,
            "details": dict(self.details),
        }


def lead_time_changed_alert(
    *,
    event_id: str,
    supplier_id: str,
    event_time_ms: int,
    previous_lead_time_days: float,
    new_lead_time_days: float,
    reason: str | None = None,
    open_lines: Sequence[Mapping[str, Any]] = (),
) -> Alert:
    """``LEAD_TIME_CHANGED`` for one ``supplier.leadtime.changed`` event (warning when longer),
    listing the supplier's open PO lines (``po_id``, ``sku``, ``due_at_ms``,
    ``new_expected_at_ms``...) as the caller found them."""
    change = new_lead_time_days - previous_lead_time_days
    return Alert.create(
        source_id=event_id,
        alert_type=LEAD_TIME_CHANGED,
        entity_type=ENTITY_SUPPLIER,
        entity_id=supplier_id,
        raised_at_ms=event_time_ms,
        severity=Severity.WARNING if change > 0 else Severity.INFO,
        details={
            "previous_lead_time_days": previous_lead_time_days,
            "new_lead_time_days": new_lead_time_days,
            "change_days": change,
            "reason": reason,
            "source_event_id": event_id,
            "open_lines": [dict(line) for line in open_lines],
        },
    )
