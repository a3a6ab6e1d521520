"""Alerts raised by the shipment and order pipelines.

Every alert id is derived from what caused it (a source event id or a timer firing) and the
alert type, so a replay after a crash re-creates the same id and any consumer can dedupe.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALERT_NAMESPACE = uuid.UUID("5b0c8f3e-6a7d-5e0f-9c1a-2d4b6e8f0a13")
"""uuid5 namespace of alert ids, the same as the inventory pipeline's ``ALERT_ID_NAMESPACE`` so
every pipeline derives ids one way. Never change it: alert ids already in the lake depend on it."""

# Alert types of these pipelines.
DELIVERY_DELAYED = "DELIVERY_DELAYED"
DELIVERED_LATE = "DELIVERED_LATE"
NO_TRACKING_UPDATE = "NO_TRACKING_UPDATE"
TEMPERATURE_BREACH = "TEMPERATURE_BREACH"
TEMPERATURE_RECOVERED = "TEMPERATURE_RECOVERED"
ROUTE_DEVIATION = "ROUTE_DEVIATION"
SEQUENCE_ANOMALY = "SEQUENCE_ANOMALY"

ENTITY_SHIPMENT = "shipment"
ENTITY_ORDER = "order"


def alert_id_for(source_id: str, alert_type: str) -> str:
    """Deterministic alert id: uuid5(ALERT_NAMESPACE, source_id + "\\x1f" + alert_type) (inventory's recipe)."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{source_id}\x1f{alert_type}"))


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
