"""Shipment pipeline logic (keyed by shipmentId): tracking and SLA, cold chain, route deviation."""

from supplylake.pipelines.shipments.alerts import Alert, alert_id_for
from supplylake.pipelines.shipments.cold_chain import (
    PHARMA_RANGE,
    ColdChainState,
    TemperatureRange,
    apply_telemetry,
    effective_range,
)
from supplylake.pipelines.shipments.route import (
    RouteDeviationState,
    apply_route_position,
    haversine_km,
    route_deviation_km,
)
from supplylake.pipelines.shipments.tracking import (
    ShipmentEvent,
    ShipmentOutcome,
    ShipmentState,
    ShipmentStatus,
    SlaState,
    apply_shipment_event,
    on_timer,
)

__all__ = [
    "PHARMA_RANGE",
    "Alert",
    "ColdChainState",
    "RouteDeviationState",
    "ShipmentEvent",
    "ShipmentOutcome",
    "ShipmentState",
    "ShipmentStatus",
    "SlaState",
    "TemperatureRange",
    "alert_id_for",
    "apply_route_position",
    "apply_shipment_event",
    "apply_telemetry",
    "effective_range",
    "haversine_km",
    "on_timer",
    "route_deviation_km",
]
