"""Order lifecycle: event-time stages, promised vs actual delivery, sequence anomalies."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.pipelines.orders.lifecycle import (
    AnomalyKind,
    OrderEvent,
    OrderPolicy,
    OrderStage,
    OrderState,
    apply_order_event,
)
from supplylake.pipelines.shipments.alerts import SEQUENCE_ANOMALY

MIN = 60_000
HOUR = 60 * MIN
T0 = 1_736_900_000_000
SKEW = 5 * MIN
ORDER = "ORD-1"

STEPS = [
    "order.placed",
    "warehouse.picking.started",
    "warehouse.picking.completed",
    "shipment.created",
    "carrier.picked_up",
    "in.transit",
    "out.for.delivery",
    "delivered",
]


def ev(event_type: str, at: int, n: int = 0, **fields) -> OrderEvent:
    return OrderEvent(event_id=f"{event_type}-{n}", event_type=event_type, event_time_ms=at, order_id=ORDER, **fields)


def lifecycle(gaps: list[int], transit_scans: int, promised: int | None = None) -> list[OrderEvent]:
    types = [*STEPS[:5], *["in.transit"] * transit_scans, *STEPS[6:]]
    events, at = [], T0
    for i, event_type in enumerate(types):
        at += gaps[i % len(gaps)]
        fields = {}
        if event_type == "order.placed":
            fields = {"promised_delivery_ms": promised or T0 + 72 * HOUR, "warehouse_id": "WH-1", "region": "EU"}
        if event_type == "shipment.created":
            fields = {"shipment_id": "SHP-1"}
        events.append(ev(event_type, at, n=i, **fields))
    return events


def apply_all(events, skew=SKEW):
    state, alerts = None, []
    for event in events:
        state, outcome = apply_order_event(state, event, OrderPolicy(allowed_skew_ms=skew))
        alerts.extend(outcome.alerts)
    return state, alerts


gaps = st.lists(st.integers(min_value=1 * MIN, max_value=12 * HOUR), min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), gaps=gaps, transit_scans=st.integers(1, 3))
def test_any_arrival_order_of_a_valid_lifecycle_ends_delivered_without_anomaly(data, gaps, transit_scans):
    events = lifecycle(gaps, transit_scans)
    shuffled = data.draw(st.permutations(events))
    state, alerts = apply_all(shuffled)
    sorted_state, _ = apply_all(events)
    assert state.stage is OrderStage.DELIVERED
    assert alerts == [] and state.anomalies == 0
    assert state == sorted_state  # arrival order does not matter
    assert state.delivered_at_ms == events[-1].event_time_ms
    assert state.stage_times["placed"] == events[0].event_time_ms


@settings(max_examples=150, deadline=None)
@given(data=st.data(), gaps=gaps, transit_scans=st.integers(1, 3))
def test_delivered_two_hours_before_pickup_gives_exactly_one_anomaly_in_any_order(data, gaps, transit_scans):
    events = lifecycle(gaps, transit_scans)
    pickup = next(e for e in events if e.event_type == "carrier.picked_up")
    events[-1] = ev("delivered", pickup.event_time_ms - 2 * HOUR, n=99)
    shuffled = data.draw(st.permutations(events))
    state, alerts = apply_all(shuffled)
    reference_state, reference_alerts = apply_all(events)
    assert [a.alert_type for a in alerts] == [SEQUENCE_ANOMALY]
    alert = alerts[0]
    assert alert.entity_type == "order" and alert.entity_id == ORDER
    assert alert.details["kind"] == AnomalyKind.DELIVERED_OUT_OF_SEQUENCE
    assert alert.alert_id == reference_alerts[0].alert_id  # same id whichever event revealed it
    # Nothing was dropped: every stage is recorded, and the same state results in any order.
    assert state == reference_state
    assert state.stage is OrderStage.DELIVERED
    assert "picked_up" in state.stage_times and "delivered" in state.stage_times
    assert "picked_up" in state.anomaly_stages


def test_skew_within_allowance_is_not_an_anomaly():
    events = [ev("order.placed", T0), ev("carrier.picked_up", T0 + HOUR), ev("delivered", T0 + HOUR - 3 * MIN)]
    state, alerts = apply_all(events)
    assert alerts == [] and state.stage is OrderStage.DELIVERED
    _, alerts = apply_all(events, skew=MIN)
    assert len(alerts) == 1


def test_delivered_before_order_placed_is_an_anomaly():
    _, alerts = apply_all([ev("delivered", T0), ev("order.placed", T0 + HOUR)])
    assert [a.alert_type for a in alerts] == [SEQUENCE_ANOMALY]
    assert alerts[0].details["conflicting_stages"] == ["placed"]


def test_events_after_delivered_are_recorded_and_alerted_once():
    state, alerts = apply_all(
        [
            ev("order.placed", T0),
            ev("delivered", T0 + 10 * HOUR),
            ev("in.transit", T0 + 11 * HOUR, n=1),
            ev("out.for.delivery", T0 + 12 * HOUR, n=2),
        ]
    )
    assert len(alerts) == 1
    assert state.stage is OrderStage.DELIVERED
    assert state.anomalies == 2 and state.anomaly_stages == ("in_transit", "out_for_delivery")
    assert state.stage_times["out_for_delivery"] == T0 + 12 * HOUR


def test_late_arrival_of_an_earlier_event_is_not_an_anomaly():
    _, alerts = apply_all([ev("order.placed", T0), ev("delivered", T0 + 10 * HOUR), ev("in.transit", T0 + 5 * HOUR)])
    assert alerts == []


def test_skipped_steps_are_accepted():
    state, alerts = apply_all([ev("order.placed", T0), ev("in.transit", T0 + HOUR), ev("delivered", T0 + 2 * HOUR)])
    assert alerts == [] and state.stage is OrderStage.DELIVERED


def test_stage_follows_event_time_not_arrival():
    state, _ = apply_all([ev("warehouse.picking.completed", T0 + 2 * HOUR), ev("warehouse.picking.started", T0 + HOUR)])
    assert state.stage is OrderStage.PICKING_COMPLETED and state.stage_time_ms == T0 + 2 * HOUR


def test_promised_versus_actual_delivery():
    promised = T0 + 48 * HOUR
    state, _ = apply_all([ev("order.placed", T0, promised_delivery_ms=promised), ev("delivered", promised + 90 * MIN)])
    assert state.delivery_delta_ms == 90 * MIN and state.late_by_ms == 90 * MIN
    # delivered arriving before order.placed still gets the comparison
    state, _ = apply_all([ev("delivered", promised - HOUR), ev("order.placed", T0, promised_delivery_ms=promised)])
    assert state.delivery_delta_ms == -HOUR and state.late_by_ms == 0


def test_state_round_trips_through_json():
    state, _ = apply_all(lifecycle([HOUR], 2))
    data = state.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert OrderState.from_dict(data) == state
    assert data["late_by_ms"] == 0 and state.shipment_id == "SHP-1"


def test_from_contract_adapts_order_and_tracking_models():
    from supplylake.contracts.orders import OrderPlaced
    from supplylake.contracts.shipments import InTransit, ShipmentTelemetry

    placed = OrderPlaced.model_validate(
        {
            "eventId": "o1",
            "eventType": "order.placed",
            "timestamp": "2025-01-15T00:00:00Z",
            "orderId": ORDER,
            "customerId": "C1",
            "region": "EU",
            "warehouseId": "WH-1",
            "promisedDelivery": "2025-01-17T00:00:00Z",
            "lines": [{"sku": "A", "quantity": 1, "unitPrice": 2.5}],
        }
    )
    event = OrderEvent.from_contract(placed)
    assert event is not None and event.promised_delivery_ms == event.event_time_ms + 48 * HOUR
    scan = InTransit.model_validate(
        {
            "eventId": "s1",
            "eventType": "in.transit",
            "timestamp": "2025-01-15T05:00:00Z",
            "shipmentId": "SHP-1",
            "orderId": ORDER,
        }
    )
    tracked = OrderEvent.from_contract(scan)
    assert tracked is not None and tracked.shipment_id == "SHP-1"
    no_order = InTransit.model_validate(
        {"eventId": "s2", "eventType": "in.transit", "timestamp": "2025-01-15T05:00:00Z", "shipmentId": "SHP-1"}
    )
    assert OrderEvent.from_contract(no_order) is None
    reading = ShipmentTelemetry.model_validate(
        {
            "eventId": "t1",
            "eventType": "shipment.telemetry",
            "timestamp": "2025-01-15T05:00:00Z",
            "shipmentId": "SHP-1",
            "orderId": ORDER,
            "lat": 1.0,
            "lon": 2.0,
        }
    )
    assert OrderEvent.from_contract(reading) is None
