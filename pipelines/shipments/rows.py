"""Lake rows of the shipment pipeline: events and telemetry (derived from the contracts), status history."""

from __future__ import annotations

from typing import Any

import orjson

from supplylake.contracts.shipments import ShipmentEvent, ShipmentTelemetry
from supplylake.lake.tables import SHIPMENT_EVENTS, SHIPMENT_TELEMETRY, payload_text
from supplylake.pipelines.shipments.tracking import ShipmentState


def event_row(event: ShipmentEvent, raw: bytes, now_ms: int) -> dict[str, Any]:
    """A ``shipment_events`` row (status events; telemetry goes to :func:`telemetry_row`)."""
    return SHIPMENT_EVENTS.row(event, payload=payload_text(raw), ingested_at=now_ms)


def telemetry_row(event: ShipmentTelemetry, raw: bytes, state: ShipmentState, now_ms: int) -> dict[str, Any]:
    """A ``shipment_telemetry`` row, with what the state (after applying it) made of the reading."""
    in_range = None
    if event.temperature is not None and state.temperature_range is not None:
        in_range = state.temperature_range.contains(event.temperature)
    distance = None
    route = state.route
    if route is not None and route.last_event_id == event.event_id and route.last_distance_km is not None:
        distance = round(route.last_distance_km, 3)
    return SHIPMENT_TELEMETRY.row(
        event,
        temperature_in_range=in_range,
        route_distance_km=distance,
        payload=payload_text(raw),
        ingested_at=now_ms,
    )


def status_row(
    state: ShipmentState,
    *,
    cause: str,
    cause_id: str,
    cause_time_ms: int,
    revision: int,
    now_ms: int,
    late_risk: float | None = None,
    risk_model: str | None = None,
) -> dict[str, Any]:
    """A ``shipment_status`` row: the shipment as it stands after ``cause`` (and its late-delivery
    risk score, when a model scored it)."""
    cold, route = state.cold_chain, state.route
    return {
        "shipment_id": state.shipment_id,
        "order_id": state.order_id,
        "carrier": state.carrier,
        "category": state.category,
        "status": None if state.status is None else state.status.value,
        "status_time": state.status_time_ms,
        "sla_state": state.sla.value,
        "expected_delivery": state.expected_delivery_ms,
        "eta": state.eta_ms,
        "delivered_at": state.delivered_at_ms,
        "late_by_ms": state.late_by_ms,
        "last_lat": state.last_lat,
        "last_lon": state.last_lon,
        "position_at": state.last_position_ms,
        "last_scan_at": state.last_tracking_ms,
        "dwell_ms": orjson.dumps(dict(state.dwell_ms)).decode(),
        "temperature_breach": cold is not None and cold.in_breach,
        "off_route": route is not None and route.deviating,
        "cause": cause,
        "cause_id": cause_id,
        "event_time": cause_time_ms,
        "revision": revision,
        "ingested_at": now_ms,
        "late_risk": late_risk,
        "risk_model": risk_model,
    }


def status_digest(state: ShipmentState | None) -> tuple[Any, ...]:
    """What a ``shipment_status`` row is written for when it changes. Position and ETA move with
    every reading and are carried along, not triggers (shipment_telemetry has every position)."""
    if state is None:
        return ()
    cold, route = state.cold_chain, state.route
    return (
        state.status,
        state.status_time_ms,
        state.sla,
        state.expected_delivery_ms,
        state.delivered_at_ms,
        state.carrier,
        state.order_id,
        state.category,
        cold is not None and cold.in_breach,
        route is not None and route.deviating,
    )
