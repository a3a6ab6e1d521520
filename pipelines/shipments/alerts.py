"""Alerts raised by the shipment and order pipelines.

Every alert id is derived from what caused it (a source event id or a timer firing) and the
alert type, so a replay after a crash re-creates the same id and any consumer can dedupe. The
alert types, entity types and the id recipe live in :mod:`~supplylake.contracts.alerts`
(re-exported here for the pipelines' own imports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from supplylake.contracts.alerts import (
    ALERT_ID_NAMESPACE,
    DELIVERED_LATE,
    DELIVERY_DELAYED,
    ENTITY_ORDER,
    ENTITY_SHIPMENT,
    NO_TRACKING_UPDATE,
    ROUTE_DEVIATION,
    SEQUENCE_ANOMALY,
    SHIPMENT_AT_RISK,
    TEMPERATURE_BREACH,
    TEMPERATURE_RECOVERED,
)
from supplylake.contracts.alerts import alert_id as alert_id_for

__all__ = [
    "ALERT_ID_NAMESPACE",
    "DELIVERED_LATE",
    "DELIVERY_DELAYED",
    "ENTITY_ORDER",
    "ENTITY_SHIPMENT",
    "NO_TRACKING_UPDATE",
    "ROUTE_DEVIATION",
    "SEQUENCE_ANOMALY",
    "SHIPMENT_AT_RISK",
    "TEMPERATURE_BREACH",
    "TEMPERATURE_RECOVERED",
    "Alert",
    "alert_id_for",
]


@dataclass(frozen=True)
class Alert:
    alert_id: str
    alert_type: str
    entity_type: str
    entity_id: str
    raised_at_ms: int
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
    ) -> Alert:
        return cls(
            alert_id=alert_id_for(source_id, alert_type),
            alert_type=alert_type,
            entity_type=entity_type,
            entity_id=entity_id,
            raised_at_ms=int(raised_at_ms),
            details=dict(details),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "alert_type": self.alert_type,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "raised_at_ms": self.raised_at_ms,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        return cls(
            alert_id=data["alert_id"],
            alert_type=data["alert_type"],
            entity_type=data["entity_type"],
            entity_id=data["entity_id"],
            raised_at_ms=int(data["raised_at_ms"]),
            details=dict(data.get("details") or {}),
        )
