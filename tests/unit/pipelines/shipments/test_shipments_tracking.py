"""Shipment tracking: status by event time, SLA states, delay and silence deadlines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.pipelines.shipments.alerts import (
    DELIVERED_LATE,
    DELIVERY_DELAYED,
    NO_TRACKING_UPDATE,
    ROUTE_DEVIATION,
    TEMPERATURE_BREACH,
    Alert,
)
from supplylake.pipelines.shipments.errors import ShipmentStateError
from supplylake.pipelines.shipments.policy import DEFAULT_SHIPMENT_POLICY
from supplylake.pipelines.shipments.tracking import (
    STATUS_RANK,
    ShipmentEvent,
    ShipmentState,
    ShipmentStatus,
    SlaState,
    apply_shipment_event,
    on_timer,
    timer_id,
)
from supplylake.pipelines.timers import Timer, TimerWheel, Watermark

MIN = 60_000
HOUR = 60 * MIN
T0 = 1_736_900_000_000  # 2025-01-15
EXPECTED = T0 + 48 * HOUR
GRACE = 30 * MIN
SILENCE = 6 * HOUR
WINDOW = 4 * HOUR
SHP = "SHP-1"


def ev(event_type: str, at: int, n: int | str = 0, **fields) -> ShipmentEvent:
    return ShipmentEvent(
        event_id=f"{event_type}-{n}-{at}", event_type=event_type, event_time_ms=at, shipment_id=SHP, **fields
    )


def created(at: int = T0, expected: int = EXPECTED, **fields) -> ShipmentEvent:
    fields.setdefault("order_id", "ORD-1")
    fields.setdefault("carrier", "DHL")
    fields.setdefault("category", "GENERAL")
    return ev("shipment.created", at, expected_delivery_ms=expected, **fields)


@dataclass
class Harness:
    """What the lead will wire: one wheel per partition, advanced by the event-time watermark
    and by wall-clock ticks; state round-trips through JSON between every step."""

    state: dict | None = None
    wheel: dict | None = None
    watermark: Watermark = field(default_factory=Watermark)
    alerts: list[Alert] = field(default_factory=list)

    def _load(self) -> tuple[ShipmentState | None, TimerWheel]:
        state = None if self.state is None else ShipmentState.from_dict(json.loads(json.dumps(self.state)))
        return state, TimerWheel.from_dict(json.loads(json.dumps(self.wheel)) if self.wheel else None)

    def _save(self, state: ShipmentState | None, wheel: TimerWheel) -> None:
        self.state = None if state is None else state.to_dict()
        self.wheel = wheel.to_dict()

    def send(self, event: ShipmentEvent) -> ShipmentState:
        state, wheel = self._load()
        state, outcome = apply_shipment_event(
            state,
            event,
            replace(DEFAULT_SHIPMENT_POLICY, grace_ms=GRACE, no_update_threshold_ms=SILENCE, at_risk_window_ms=WINDOW),
        )
        outcome.apply_to(wheel)
        self.alerts.extend(outcome.alerts)
        self._save(state, wheel)
        return self.tick(self.watermark.advance(event.event_time_ms))

    def tick(self, now_ms: int) -> ShipmentState:
        state, wheel = self._load()
        for timer in wheel.due(now_ms):
            assert timer.key == SHP
            state, alerts = on_timer(state, timer, now_ms)
            self.alerts.extend(alerts)
        self._save(state, wheel)
        assert state is not None
        return state

    def types(self) -> list[str]:
        return [a.alert_type for a in self.alerts]


# -- status -----------------------------------------------------------------------------------

LIFECYCLE = ["shipment.created", "carrier.picked_up", "in.transit", "in.transit", "out.for.delivery", "delivered"]


@settings(max_examples=150, deadline=None)
@given(st.permutations(list(range(len(LIFECYCLE)))))
def test_status_never_goes_backwards_by_arrival_order(order):
    events = [ev(t, T0 + i * HOUR, n=i) for i, t in enumerate(LIFECYCLE)]
    state = None
    seen_delivered = False
    last_time = None
    for i in order:
        state, _ = apply_shipment_event(state, events[i])
        if last_time is not None:
            assert state.status_time_ms >= last_time
        last_time = state.status_time_ms
        seen_delivered |= events[i].event_type == "delivered"
        if seen_delivered:
            assert state.status is ShipmentStatus.DELIVERED
        latest = max((events[j] for j in order[: order.index(i) + 1]), key=lambda e: e.event_time_ms)
        assert state.status_time_ms == latest.event_time_ms
    assert state.status is ShipmentStatus.DELIVERED
    assert state.delivered_at_ms == T0 + 5 * HOUR
    assert state.dwell_ms == {"created": HOUR, "picked_up": HOUR, "in_transit": 2 * HOUR, "out_for_delivery": HOUR}


def test_in_transit_after_delivered_does_not_move_status_back():
    state, _ = apply_shipment_event(None, ev("delivered", T0 + 10 * HOUR))
    state, _ = apply_shipment_event(state, ev("in.transit", T0 + 12 * HOUR))
    assert state.status is ShipmentStatus.DELIVERED
    assert state.events_after_delivery == 1
    state, _ = apply_shipment_event(state, ev("in.transit", T0 + 2 * HOUR))
    assert state.status is ShipmentStatus.DELIVERED and state.events_after_delivery == 1


def test_second_delivery_round_is_allowed_by_event_time():
    state = None
    for i, t in enumerate(["out.for.delivery", "delivery.attempted", "out.for.delivery"]):
        state, _ = apply_shipment_event(state, ev(t, T0 + i * HOUR, n=i))
    assert state.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert STATUS_RANK[ShipmentStatus.OUT_FOR_DELIVERY] < STATUS_RANK[ShipmentStatus.DELIVERY_ATTEMPTED]


def test_position_comes_from_the_latest_located_event():
    state, _ = apply_shipment_event(None, ev("in.transit", T0 + 2 * HOUR, lat=50.0, lon=8.0))
    state, _ = apply_shipment_event(state, ev("carrier.picked_up", T0 + HOUR, lat=52.0, lon=4.0))
    assert (state.last_lat, state.last_lon, state.last_position_ms) == (50.0, 8.0, T0 + 2 * HOUR)


# -- SLA --------------------------------------------------------------------------------------


def test_sla_on_track_then_at_risk_then_late_by_timers_alone():
    h = Harness()
    assert h.send(created()).sla is SlaState.ON_TRACK
    assert h.send(ev("carrier.picked_up", T0 + HOUR)).sla is SlaState.ON_TRACK
    assert h.tick(EXPECTED - WINDOW - 1).sla is SlaState.ON_TRACK
    assert h.tick(EXPECTED - WINDOW).sla is SlaState.AT_RISK  # no event needed
    assert h.tick(EXPECTED + GRACE).sla is SlaState.LATE


def test_out_for_delivery_inside_the_window_is_on_track():
    h = Harness()
    h.send(created())
    assert h.send(ev("out.for.delivery", EXPECTED - HOUR)).sla is SlaState.ON_TRACK
    assert h.send(ev("delivery.attempted", EXPECTED - 30 * MIN)).sla is SlaState.AT_RISK


def test_late_scan_does_not_turn_a_late_shipment_back_on_track():
    h = Harness()
    h.send(created())
    assert h.tick(EXPECTED + GRACE).sla is SlaState.LATE
    assert h.send(ev("in.transit", T0 + 5 * HOUR)).sla is SlaState.LATE


def test_delivered_on_time_and_delivered_late_without_alert():
    h = Harness()
    h.send(created())
    assert h.send(ev("delivered", EXPECTED - MIN)).sla is SlaState.DELIVERED_ON_TIME
    h = Harness()
    h.send(created())
    state = h.send(ev("delivered", EXPECTED + 10 * MIN))  # late, but inside the grace period
    assert state.sla is SlaState.DELIVERED_LATE
    assert state.late_by_ms == 10 * MIN
    assert h.alerts == []


# -- DELIVERY_DELAYED / DELIVERED_LATE --------------------------------------------------------


def test_delivery_delayed_fires_exactly_once_with_no_further_input():
    h = Harness()
    h.send(created())
    h.send(ev("carrier.picked_up", T0 + HOUR))
    h.tick(EXPECTED + GRACE - 1)
    assert DELIVERY_DELAYED not in h.types()
    h.tick(EXPECTED + GRACE)
    h.tick(EXPECTED + GRACE + HOUR)
    h.tick(EXPECTED + 10 * HOUR)
    delayed = [a for a in h.alerts if a.alert_type == DELIVERY_DELAYED]
    assert len(delayed) == 1
    assert delayed[0].raised_at_ms == EXPECTED + GRACE
    assert delayed[0].details["expected_delivery_ms"] == EXPECTED
    assert delayed[0].entity_type == "shipment" and delayed[0].entity_id == SHP


def test_delivery_delayed_never_fires_when_delivered_in_time():
    h = Harness()
    h.send(created())
    h.send(ev("carrier.picked_up", T0 + HOUR))
    h.send(ev("delivered", EXPECTED - HOUR))
    h.tick(EXPECTED + 100 * HOUR)
    assert h.alerts == []
    assert TimerWheel.from_dict(h.wheel).pending() == []  # delivered cancelled every deadline


def test_delivered_after_the_delay_alert_raises_delivered_late_resolving_it():
    h = Harness()
    h.send(created())
    h.tick(EXPECTED + GRACE)
    state = h.send(ev("delivered", EXPECTED + 3 * HOUR))
    h.send(ev("delivered", EXPECTED + 4 * HOUR, n="dup"))  # a second delivered scan
    assert h.types() == [DELIVERY_DELAYED, DELIVERED_LATE]
    delayed, late = h.alerts
    assert late.details["resolves_alert_id"] == delayed.alert_id
    assert late.details["late_by_ms"] == 3 * HOUR
    assert state.sla is SlaState.DELIVERED_LATE


def test_changed_expected_delivery_rearms_the_deadline():
    h = Harness()
    h.send(created())
    h.send(created(at=T0 + HOUR, expected=EXPECTED + 24 * HOUR))  # re-promised later
    h.tick(EXPECTED + GRACE + HOUR)
    assert h.alerts == []
    h.tick(EXPECTED + 24 * HOUR + GRACE)
    assert h.types() == [DELIVERY_DELAYED]
    assert h.alerts[0].details["expected_delivery_ms"] == EXPECTED + 24 * HOUR


def test_older_shipment_created_does_not_override_newer_expected_delivery():
    state, _ = apply_shipment_event(None, created(at=T0 + HOUR, expected=EXPECTED + HOUR))
    state, outcome = apply_shipment_event(state, created(at=T0, expected=EXPECTED))
    assert state.expected_delivery_ms == EXPECTED + HOUR
    assert outcome.register == () and outcome.cancel == ()


def test_stale_or_repeated_timer_raises_nothing():
    state, outcome = apply_shipment_event(None, created(), replace(DEFAULT_SHIPMENT_POLICY, grace_ms=GRACE))
    (delay,) = [t for t in outcome.register if t.kind == DELIVERY_DELAYED]
    stale = Timer(delay.timer_id, SHP, DELIVERY_DELAYED, delay.due_ms - 1, {})
    assert on_timer(state, stale, delay.due_ms)[1] == []
    state, alerts = on_timer(state, delay, delay.due_ms)
    assert [a.alert_type for a in alerts] == [DELIVERY_DELAYED]
    assert on_timer(state, delay, delay.due_ms + 1)[1] == []  # fired again: still one alert
    assert on_timer(None, delay, delay.due_ms) == (None, [])


def test_timer_alert_ids_are_deterministic_per_deadline():
    state, outcome = apply_shipment_event(None, created(), replace(DEFAULT_SHIPMENT_POLICY, grace_ms=GRACE))
    (delay,) = [t for t in outcome.register if t.kind == DELIVERY_DELAYED]
    _, a1 = on_timer(state, delay, delay.due_ms)
    _, a2 = on_timer(state, delay, delay.due_ms + 999)
    assert a1[0].alert_id == a2[0].alert_id
    assert delay.timer_id == timer_id(SHP, DELIVERY_DELAYED)


# -- NO_TRACKING_UPDATE -----------------------------------------------------------------------


def test_no_tracking_update_fires_when_silent_and_rearms_on_every_scan():
    h = Harness()
    h.send(created(expected=T0 + 100 * HOUR))
    h.tick(T0 + SILENCE + HOUR)
    assert h.alerts == []  # not picked up yet: silence is not watched
    h.send(ev("carrier.picked_up", T0 + 2 * HOUR))
    h.send(ev("in.transit", T0 + 7 * HOUR))
    h.tick(T0 + 2 * HOUR + SILENCE)  # the first deadline was moved by the in.transit scan
    assert h.alerts == []
    h.tick(T0 + 7 * HOUR + SILENCE)
    assert h.types() == [NO_TRACKING_UPDATE]
    assert h.alerts[0].details["last_tracking_ms"] == T0 + 7 * HOUR
    assert h.alerts[0].details["silent_for_ms"] == SILENCE
    h.tick(T0 + 7 * HOUR + 3 * SILENCE)
    assert h.types() == [NO_TRACKING_UPDATE]  # once per silence
    h.send(ev("in.transit", T0 + 30 * HOUR, n=2))  # carrier reports again; a new silence follows
    h.tick(T0 + 30 * HOUR + SILENCE)
    assert h.types() == [NO_TRACKING_UPDATE, NO_TRACKING_UPDATE]
    assert h.alerts[0].alert_id != h.alerts[1].alert_id


def test_telemetry_does_not_count_as_a_tracking_update():
    h = Harness()
    h.send(created(expected=T0 + 100 * HOUR))
    h.send(ev("carrier.picked_up", T0 + HOUR))
    h.send(ev("shipment.telemetry", T0 + 5 * HOUR, lat=50.0, lon=8.0))
    h.tick(T0 + HOUR + SILENCE)
    assert h.types() == [NO_TRACKING_UPDATE]


def test_no_tracking_update_cancelled_by_delivery():
    h = Harness()
    h.send(created(expected=T0 + 100 * HOUR))
    h.send(ev("carrier.picked_up", T0 + HOUR))
    h.send(ev("delivered", T0 + 3 * HOUR))
    h.tick(T0 + 200 * HOUR)
    assert h.alerts == []


# -- telemetry, ETA, state --------------------------------------------------------------------

ROUTE = ((50.0, 4.0), (50.0, 8.0))  # ~286 km due east


def test_pharma_telemetry_breach_and_route_deviation_through_the_shipment():
    h = Harness()
    h.send(created(category="PHARMA", planned_route=ROUTE))
    h.send(ev("shipment.telemetry", T0 + HOUR, lat=50.0, lon=5.0, temperature=5.0))
    h.send(ev("shipment.telemetry", T0 + 2 * HOUR, lat=51.0, lon=6.0, temperature=9.5))
    assert sorted(h.types()) == [ROUTE_DEVIATION, TEMPERATURE_BREACH]
    state = ShipmentState.from_dict(h.state)
    assert state.temperature_range is not None and state.temperature_range.max_c == 8.0
    assert state.cold_chain.in_breach and state.route.deviating


def test_telemetry_before_created_is_not_checked_for_cold_chain():
    state, outcome = apply_shipment_event(None, ev("shipment.telemetry", T0, lat=50.0, lon=5.0, temperature=30.0))
    assert outcome.alerts == ()
    assert state.status is None and state.last_lat == 50.0


def test_eta_from_progress_along_the_route():
    state, _ = apply_shipment_event(None, created(planned_route=ROUTE))
    state, _ = apply_shipment_event(state, ev("carrier.picked_up", T0))
    state, _ = apply_shipment_event(state, ev("shipment.telemetry", T0 + 2 * HOUR, lat=50.0, lon=6.0))
    # Halfway after 2 h → 2 more hours.
    assert state.eta_ms == pytest.approx(T0 + 4 * HOUR, abs=5 * MIN)
    slow, _ = apply_shipment_event(
        state.__class__.from_dict(state.to_dict()), ev("shipment.telemetry", T0 + 40 * HOUR, lat=50.0, lon=6.5)
    )
    assert slow.eta_ms > EXPECTED and slow.sla is SlaState.AT_RISK


def test_eta_of_an_undelivered_shipment_is_never_before_its_clock():
    state, _ = apply_shipment_event(None, created(expected=T0 + 5 * HOUR, planned_route=ROUTE))
    state, _ = apply_shipment_event(state, ev("carrier.picked_up", T0))
    state, _ = apply_shipment_event(state, ev("shipment.telemetry", T0 + 2 * HOUR, lat=50.0, lon=6.0))
    assert state.eta_ms == pytest.approx(T0 + 4 * HOUR, abs=5 * MIN)
    # Silent since; the delay deadline fires at T0 + 5.5 h: the old estimate (T0 + 4 h) is past.
    state, alerts = on_timer(
        state, Timer(timer_id(SHP, DELIVERY_DELAYED), SHP, DELIVERY_DELAYED, T0 + 5 * HOUR + GRACE), T0 + 6 * HOUR
    )
    assert [a.alert_type for a in alerts] == [DELIVERY_DELAYED]
    assert state.eta_ms == T0 + 5 * HOUR + GRACE and state.sla is SlaState.LATE


def test_state_round_trips_through_json():
    h = Harness()
    h.send(created(category="PHARMA", planned_route=ROUTE))
    h.send(ev("carrier.picked_up", T0 + HOUR, lat=50.0, lon=4.1))
    h.send(ev("shipment.telemetry", T0 + 2 * HOUR, lat=50.0, lon=5.0, temperature=9.0))
    state = ShipmentState.from_dict(h.state)
    data = state.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert ShipmentState.from_dict(data) == state


def test_from_contract_adapts_validated_models():
    from supplylake.contracts.shipments import ShipmentCreated, ShipmentTelemetry

    model = ShipmentCreated.model_validate(
        {
            "eventId": "e1",
            "eventType": "shipment.created",
            "timestamp": "2025-01-15T00:00:00Z",
            "shipmentId": SHP,
            "orderId": "ORD-1",
            "carrier": "DHL",
            "warehouseId": "WH-1",
            "expectedDelivery": "2025-01-17T00:00:00Z",
            "category": "PHARMA",
            "origin": {"lat": 50.0, "lon": 4.0},
            "destination": {"lat": 50.0, "lon": 8.0},
            "plannedRoute": [{"lat": 50.0, "lon": 4.0}, {"lat": 50.0, "lon": 8.0}],
        }
    )
    event = ShipmentEvent.from_contract(model)
    assert event.expected_delivery_ms == event.event_time_ms + 48 * HOUR
    assert event.planned_route == ROUTE and event.order_id == "ORD-1"
    state, _ = apply_shipment_event(None, event)
    assert state.temperature_range.min_c == 2.0
    reading = ShipmentTelemetry.model_validate(
        {
            "eventId": "e2",
            "eventType": "shipment.telemetry",
            "timestamp": "2025-01-15T01:00:00Z",
            "shipmentId": SHP,
            "lat": 50.1,
            "lon": 5.0,
            "temperature": 4.2,
        }
    )
    tele = ShipmentEvent.from_contract(reading)
    assert (tele.lat, tele.lon, tele.temperature) == (50.1, 5.0, 4.2)


def test_reapplying_the_same_event_changes_nothing_but_the_counter():
    state, _ = apply_shipment_event(None, created())
    state, _ = apply_shipment_event(state, ev("delivered", T0 + 10 * HOUR))
    once, _ = apply_shipment_event(state, ev("in.transit", T0 + 12 * HOUR))
    twice, outcome = apply_shipment_event(once, ev("in.transit", T0 + 12 * HOUR))
    assert outcome.alerts == () and outcome.register == () and outcome.cancel == ()
    assert twice.events_after_delivery == 1
    assert twice.transitions == once.transitions and twice.dwell_ms == once.dwell_ms


def test_a_stored_v2_shipment_is_upgraded_to_v3_and_anything_older_is_refused() -> None:
    state = replace(ShipmentState.new("SHP-9"), carrier="UPS", origin=(32.8, -96.8), destination=(33.9, -118.2))
    stored = state.to_dict()
    assert stored["v"] == 3
    v2 = {k: v for k, v in stored.items() if k not in ("origin", "destination", "risk_alerted_ms")} | {"v": 2}
    assert ShipmentState.from_dict(v2) == replace(state, origin=None, destination=None)
    with pytest.raises(ShipmentStateError, match="format version 1 is not 3"):
        ShipmentState.from_dict(v2 | {"v": 1})
