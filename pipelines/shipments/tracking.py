"""Shipment state keyed by shipmentId: status, position, ETA, SLA, dwell times, deadlines.

Event time rules: the status is that of the status event with the latest event time (ties go to
the later lifecycle step), and ``delivered`` is terminal, so an event arriving late can never
move a shipment back. Everything here is a pure function of (state, input); the caller owns the
:class:`~supplylake.pipelines.timers.TimerWheel` and applies the timer requests in
:class:`ShipmentOutcome`.

Deadlines (timer kinds; timer ids are ``shipment:<id>:<kind>``, stable per shipment, so
re-registering moves a deadline):

- ``DELIVERY_DELAYED`` at expectedDelivery + grace while not delivered; moves when
  expectedDelivery changes. Fires ``DELIVERY_DELAYED`` once per deadline.
- ``NO_TRACKING_UPDATE`` at last carrier scan + threshold while picked up and not delivered;
  moves with every newer scan. Telemetry does not count as a tracking update: the question is
  whether the *carrier* still reports, a device pinging from a lost parcel is not an answer.
- ``SLA_AT_RISK_CHECK`` at expectedDelivery - at-risk window: no alert, only re-evaluates the
  SLA state so AT_RISK shows up without further input.

All are cancelled by ``delivered``. :func:`on_timer` re-checks the state, so a stale or
duplicated firing raises nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any, ClassVar

from supplylake.contracts.registry import event_type_of
from supplylake.contracts.shipments import (
    CarrierPickedUp,
    Delivered,
    DeliveryAttempted,
    InTransit,
    OutForDelivery,
    ShipmentCreated,
    ShipmentTelemetry,
)
from supplylake.event_time import to_epoch_ms
from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.shipments.alerts import (
    DELIVERED_LATE,
    DELIVERY_DELAYED,
    ENTITY_SHIPMENT,
    NO_TRACKING_UPDATE,
    Alert,
)
from supplylake.pipelines.shipments.cold_chain import (
    ColdChainState,
    TemperatureRange,
    apply_telemetry,
    effective_range,
)
from supplylake.pipelines.shipments.errors import ShipmentError, ShipmentStateError
from supplylake.pipelines.shipments.policy import DEFAULT_SHIPMENT_POLICY, ShipmentPolicy
from supplylake.pipelines.shipments.route import (
    Point,
    RouteDeviationState,
    apply_route_position,
    remaining_route_km,
    route_length_km,
)
from supplylake.pipelines.state_codec import StoredState
from supplylake.pipelines.timers import Timer, TimerWheel

MAX_TRANSITIONS = 64
"""Status events kept per shipment for dwell times; the oldest are dropped beyond this."""

MIN_PROGRESS_KM = 1.0
"""Below this distance covered, speed (and so a position-based ETA) is noise."""

SLA_AT_RISK_CHECK = "SLA_AT_RISK_CHECK"
TIMER_KINDS = (DELIVERY_DELAYED, NO_TRACKING_UPDATE, SLA_AT_RISK_CHECK)

TELEMETRY = event_type_of(ShipmentTelemetry)
CREATED = event_type_of(ShipmentCreated)


class ShipmentStatus(StrEnum):
    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    DELIVERED = "delivered"


STATUS_BY_EVENT_TYPE: Mapping[str, ShipmentStatus] = {
    CREATED: ShipmentStatus.CREATED,
    event_type_of(CarrierPickedUp): ShipmentStatus.PICKED_UP,
    event_type_of(InTransit): ShipmentStatus.IN_TRANSIT,
    event_type_of(OutForDelivery): ShipmentStatus.OUT_FOR_DELIVERY,
    event_type_of(DeliveryAttempted): ShipmentStatus.DELIVERY_ATTEMPTED,
    event_type_of(Delivered): ShipmentStatus.DELIVERED,
}
STATUS_RANK: Mapping[ShipmentStatus, int] = {status: rank for rank, status in enumerate(ShipmentStatus)}

CARRIER_SCANS = frozenset(
    {
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERY_ATTEMPTED,
    }
)
"""Statuses that count as tracking updates, and the ones during which silence is watched."""


class SlaState(StrEnum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    LATE = "LATE"
    DELIVERED_ON_TIME = "DELIVERED_ON_TIME"
    DELIVERED_LATE = "DELIVERED_LATE"


@dataclass(frozen=True)
class ShipmentEvent:
    """A shipment-events record, already validated. Times are epoch milliseconds."""

    event_id: str
    event_type: str
    event_time_ms: int
    shipment_id: str
    order_id: str | None = None
    carrier: str | None = None
    expected_delivery_ms: int | None = None
    category: str | None = None
    temperature_range: TemperatureRange | None = None
    lat: float | None = None
    lon: float | None = None
    temperature: float | None = None
    planned_route: tuple[Point, ...] | None = None
    origin: Point | None = None
    """shipment.created."""
    destination: Point | None = None
    """shipment.created."""

    @classmethod
    def from_contract(cls, event: Any) -> ShipmentEvent:
        """Adapt a validated ``supplylake.contracts.shipments`` model (duck-typed)."""
        lat = lon = None
        location = getattr(event, "location", None)
        if location is not None:
            lat, lon = location.lat, location.lon
        elif getattr(event, "lat", None) is not None:
            lat, lon = event.lat, event.lon
        expected = getattr(event, "expected_delivery", None)
        rng = getattr(event, "temperature_range", None)
        route = getattr(event, "planned_route", None)
        origin, destination = getattr(event, "origin", None), getattr(event, "destination", None)
        return cls(
            event_id=event.event_id,
            event_type=event.event_type,
            event_time_ms=event.event_time_ms,
            shipment_id=event.shipment_id,
            order_id=getattr(event, "order_id", None),
            carrier=getattr(event, "carrier", None),
            expected_delivery_ms=None if expected is None else to_epoch_ms(expected),
            category=getattr(event, "category", None),
            temperature_range=None if rng is None else TemperatureRange(rng.min, rng.max),
            lat=lat,
            lon=lon,
            temperature=getattr(event, "temperature", None),
            planned_route=None if route is None else tuple((p.lat, p.lon) for p in route),
            origin=None if origin is None else (origin.lat, origin.lon),
            destination=None if destination is None else (destination.lat, destination.lon),
        )


@dataclass(frozen=True)
class Transition:
    time_ms: int
    status: ShipmentStatus
    event_id: str

    def sort_key(self) -> tuple[int, int, str]:
        return (self.time_ms, STATUS_RANK[self.status], self.event_id)


@dataclass(frozen=True)
class ShipmentState(StoredState):
    """Everything known about one shipment. Stored through to_dict/from_dict, which the
    derived codec (:mod:`~supplylake.pipelines.state_codec`) provides from these fields."""

    shipment_id: str
    order_id: str | None = None
    carrier: str | None = None
    category: str | None = None
    temperature_range: TemperatureRange | None = None
    """Explicit range, else the category default (PHARMA 2–8 °C); None = no cold chain."""
    planned_route: tuple[Point, ...] | None = None
    origin: Point | None = None
    destination: Point | None = None
    details_ms: int | None = None
    """Event time of the shipment.created whose details are in effect (the newest one wins)."""

    status: ShipmentStatus | None = None
    status_time_ms: int | None = None
    transitions: tuple[Transition, ...] = ()
    dwell_ms: Mapping[str, int] = field(default_factory=dict)
    """Time spent in each status, between consecutive status events up to delivery. The current
    status's open dwell is not included (it is ``now - status_time_ms``)."""

    picked_up_ms: int | None = None
    delivered_at_ms: int | None = None
    last_tracking_ms: int | None = None
    """Latest carrier scan (picked up … delivery attempted), by event time."""
    last_event_ms: int | None = None
    """Latest event time seen for this shipment."""
    clock_ms: int | None = None
    """The shipment's own clock for the SLA state: latest event time or fired deadline. It never
    goes back, so a late scan cannot turn a LATE shipment back to ON_TRACK."""
    events_applied: int = 0
    events_after_delivery: int = 0
    """Status events stamped after delivery: recorded in transitions, status stays delivered."""

    last_lat: float | None = None
    last_lon: float | None = None
    last_position_ms: int | None = None

    expected_delivery_ms: int | None = None
    at_risk_from_ms: int | None = None
    eta_ms: int | None = None
    sla: SlaState = SlaState.ON_TRACK
    late_by_ms: int | None = None
    """delivered_at - expected_delivery once delivered (negative = early)."""

    armed_timers: Mapping[str, int] = field(default_factory=dict)
    """Deadline scheduled per timer kind (kept after it fires, so it is not scheduled again)."""
    delay_alert_id: str | None = None
    delay_alerted_deadline_ms: int | None = None
    no_update_alerted_deadline_ms: int | None = None
    delivered_late_alert_id: str | None = None

    cold_chain: ColdChainState | None = None
    route: RouteDeviationState | None = None
    risk_alerted_ms: int | None = None
    """When SHIPMENT_AT_RISK was raised (once per shipment), event time."""

    state_version: ClassVar[int] = 3
    state_error: ClassVar[type[ShipmentError]] = ShipmentStateError
    # v2 had no origin, destination (the late-delivery model's lane) or risk_alerted_ms.
    state_upgrades: ClassVar[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {
        2: lambda stored: {**stored, "origin": None, "destination": None, "risk_alerted_ms": None}
    }

    @classmethod
    def new(cls, shipment_id: str) -> ShipmentState:
        return cls(
            shipment_id=shipment_id,
            cold_chain=ColdChainState(shipment_id),
            route=RouteDeviationState(shipment_id),
        )

    @property
    def delivered(self) -> bool:
        return self.delivered_at_ms is not None


@dataclass(frozen=True)
class ShipmentOutcome:
    """What the caller must do after one event: timers to (re)arm or drop, alerts to emit."""

    register: tuple[Timer, ...] = ()
    cancel: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = ()
    status_changed: bool = False
    sla_changed: bool = False

    def apply_to(self, wheel: TimerWheel) -> None:
        for timer_id in self.cancel:
            wheel.cancel(timer_id)
        for timer in self.register:
            wheel.register_timer(timer)


def timer_id(shipment_id: str, kind: str) -> str:
    return f"shipment:{shipment_id}:{kind}"


# -- event application ------------------------------------------------------------------------


def apply_shipment_event(
    state: ShipmentState | None,
    event: ShipmentEvent,
    policy: ShipmentPolicy = DEFAULT_SHIPMENT_POLICY,
) -> tuple[ShipmentState, ShipmentOutcome]:
    """Fold one shipment event (status or telemetry) into the shipment's state."""
    if state is None:
        state = ShipmentState.new(event.shipment_id)
    elif state.shipment_id != event.shipment_id:
        raise ValueError(f"event for shipment {event.shipment_id!r} applied to state of {state.shipment_id!r}")
    before = state
    t = event.event_time_ms
    newest = state.last_event_ms is None or t >= state.last_event_ms
    alerts: list[Alert] = []
    s = evolve(
        state,
        last_event_ms=t if newest else state.last_event_ms,
        clock_ms=t if state.clock_ms is None else max(state.clock_ms, t),
        events_applied=state.events_applied + 1,
        order_id=state.order_id or event.order_id,
        carrier=event.carrier if event.carrier and (state.carrier is None or newest) else state.carrier,
    )

    if event.event_type == CREATED and (s.details_ms is None or t >= s.details_ms):
        category = event.category or s.category
        s = evolve(
            s,
            details_ms=t,
            category=category,
            temperature_range=effective_range(category, event.temperature_range),
            planned_route=event.planned_route if event.planned_route is not None else s.planned_route,
            origin=event.origin if event.origin is not None else s.origin,
            destination=event.destination if event.destination is not None else s.destination,
            expected_delivery_ms=(
                event.expected_delivery_ms if event.expected_delivery_ms is not None else s.expected_delivery_ms
            ),
        )

    status = STATUS_BY_EVENT_TYPE.get(event.event_type)
    if status is not None:
        s = _apply_status(s, event, status)
        if status is ShipmentStatus.DELIVERED and s.delay_alert_id is not None and s.delivered_late_alert_id is None:
            late = _delivered_late_alert(s, event)
            alerts.append(late)
            s = evolve(s, delivered_late_alert_id=late.alert_id)

    if event.lat is not None and event.lon is not None and (s.last_position_ms is None or t >= s.last_position_ms):
        s = evolve(s, last_lat=event.lat, last_lon=event.lon, last_position_ms=t)

    if event.event_type == TELEMETRY:
        s, telemetry_alerts = _apply_telemetry(s, event, policy.route_threshold_km, policy.min_breach_duration_ms)
        alerts.extend(telemetry_alerts)

    expected = s.expected_delivery_ms
    s = evolve(
        s,
        at_risk_from_ms=None if expected is None else expected - policy.at_risk_window_ms,
        late_by_ms=None if expected is None or s.delivered_at_ms is None else s.delivered_at_ms - expected,
    )
    s = evolve(s, eta_ms=_estimate_eta(s))
    s = evolve(s, sla=_sla(s, s.clock_ms))

    s, register, cancel = _reconcile_timers(s, policy)
    outcome = ShipmentOutcome(
        register=register,
        cancel=cancel,
        alerts=tuple(alerts),
        status_changed=s.status != before.status,
        sla_changed=s.sla != before.sla,
    )
    return s, outcome


def _apply_status(s: ShipmentState, event: ShipmentEvent, status: ShipmentStatus) -> ShipmentState:
    t = event.event_time_ms
    transitions = s.transitions
    is_new = all(tr.event_id != event.event_id for tr in transitions)
    if is_new:
        transitions = tuple(sorted((*transitions, Transition(t, status, event.event_id)), key=Transition.sort_key))
        transitions = transitions[-MAX_TRANSITIONS:]
    delivered_at = s.delivered_at_ms
    after_delivery = s.events_after_delivery
    if status is ShipmentStatus.DELIVERED:
        delivered_at = t if delivered_at is None else min(delivered_at, t)
    elif is_new and delivered_at is not None and t > delivered_at:
        after_delivery += 1
    picked_up = s.picked_up_ms
    if status is ShipmentStatus.PICKED_UP:
        picked_up = t if picked_up is None else min(picked_up, t)
    last_tracking = s.last_tracking_ms
    if status in CARRIER_SCANS:
        last_tracking = t if last_tracking is None else max(last_tracking, t)
    if delivered_at is not None:
        current, current_ms = ShipmentStatus.DELIVERED, delivered_at
    else:
        # Sorted by (time, rank): the last transition is the latest, ties to the later step.
        current, current_ms = transitions[-1].status, transitions[-1].time_ms
    return evolve(
        s,
        transitions=transitions,
        dwell_ms=_dwell(transitions, delivered_at),
        delivered_at_ms=delivered_at,
        events_after_delivery=after_delivery,
        picked_up_ms=picked_up,
        last_tracking_ms=last_tracking,
        status=current,
        status_time_ms=current_ms,
    )


def _dwell(transitions: Sequence[Transition], delivered_at: int | None) -> dict[str, int]:
    dwell: dict[str, int] = {}
    for current, following in pairwise(transitions):
        if current.status is ShipmentStatus.DELIVERED:
            break
        if delivered_at is not None and following.time_ms > delivered_at:
            break  # stamped after delivery: not part of the journey
        dwell[current.status.value] = dwell.get(current.status.value, 0) + following.time_ms - current.time_ms
    return dwell


def _apply_telemetry(
    s: ShipmentState, event: ShipmentEvent, route_threshold_km: float, min_breach_duration_ms: int
) -> tuple[ShipmentState, list[Alert]]:
    alerts: list[Alert] = []
    # Readings before shipment.created (range and route unknown yet) are not checked.
    if event.temperature is not None and s.temperature_range is not None:
        cold, cold_alerts = apply_telemetry(
            s.cold_chain or ColdChainState(s.shipment_id),
            event_id=event.event_id,
            event_time_ms=event.event_time_ms,
            temperature=event.temperature,
            lat=event.lat,
            lon=event.lon,
            range=s.temperature_range,
            min_breach_duration_ms=min_breach_duration_ms,
        )
        s = evolve(s, cold_chain=cold)
        alerts.extend(cold_alerts)
    if s.planned_route and event.lat is not None and event.lon is not None:
        route, route_alerts = apply_route_position(
            s.route or RouteDeviationState(s.shipment_id),
            event_id=event.event_id,
            event_time_ms=event.event_time_ms,
            lat=event.lat,
            lon=event.lon,
            route=s.planned_route,
            threshold_km=route_threshold_km,
        )
        s = evolve(s, route=route)
        alerts.extend(route_alerts)
    return s, alerts


def _delivered_late_alert(s: ShipmentState, event: ShipmentEvent) -> Alert:
    expected = s.expected_delivery_ms
    delivered_at = s.delivered_at_ms
    late_by = None if expected is None or delivered_at is None else delivered_at - expected
    return Alert.create(
        source_id=event.event_id,
        alert_type=DELIVERED_LATE,
        entity_type=ENTITY_SHIPMENT,
        entity_id=s.shipment_id,
        raised_at_ms=event.event_time_ms,
        details={
            "order_id": s.order_id,
            "expected_delivery_ms": expected,
            "delivered_at_ms": delivered_at,
            "late_by_ms": late_by,
            "resolves_alert_id": s.delay_alert_id,
            "source_event_id": event.event_id,
        },
    )


# -- derived values ---------------------------------------------------------------------------


def _estimate_eta(s: ShipmentState) -> int | None:
    """Delivery time if delivered; else progress along the planned route at the average speed
    since pickup; else the carrier's expected delivery. Never earlier than the shipment's clock
    while undelivered: a parcel still on the road cannot arrive in the past."""
    if s.delivered_at_ms is not None:
        return s.delivered_at_ms
    estimate = _estimate_undelivered_eta(s)
    if estimate is None or s.clock_ms is None:
        return estimate
    return max(estimate, s.clock_ms)


def _estimate_undelivered_eta(s: ShipmentState) -> int | None:
    route = s.planned_route
    if (
        route
        and len(route) >= 2
        and s.last_lat is not None
        and s.last_lon is not None
        and s.last_position_ms is not None
        and s.picked_up_ms is not None
        and s.last_position_ms > s.picked_up_ms
    ):
        remaining = remaining_route_km(s.last_lat, s.last_lon, route)
        covered = route_length_km(route) - remaining
        if covered >= MIN_PROGRESS_KM:
            km_per_ms = covered / (s.last_position_ms - s.picked_up_ms)
            return s.last_position_ms + round(remaining / km_per_ms)
    return s.expected_delivery_ms


def _sla(s: ShipmentState, clock_ms: int | None) -> SlaState:
    expected = s.expected_delivery_ms
    if s.delivered_at_ms is not None:
        # On time means by expectedDelivery itself; the grace period only delays the alert.
        late = expected is not None and s.delivered_at_ms > expected
        return SlaState.DELIVERED_LATE if late else SlaState.DELIVERED_ON_TIME
    if expected is None or clock_ms is None:
        return SlaState.ON_TRACK
    if clock_ms > expected:
        return SlaState.LATE
    if s.eta_ms is not None and s.eta_ms > expected:
        return SlaState.AT_RISK
    if s.status is ShipmentStatus.DELIVERY_ATTEMPTED:
        return SlaState.AT_RISK
    not_out_yet = s.status is None or STATUS_RANK[s.status] < STATUS_RANK[ShipmentStatus.OUT_FOR_DELIVERY]
    if s.at_risk_from_ms is not None and clock_ms >= s.at_risk_from_ms and not_out_yet:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def _reconcile_timers(
    s: ShipmentState, policy: ShipmentPolicy
) -> tuple[ShipmentState, tuple[Timer, ...], tuple[str, ...]]:
    """Diff the deadlines the state calls for against the ones already armed."""
    wanted: dict[str, int] = {}
    if s.delivered_at_ms is None:
        if s.expected_delivery_ms is not None:
            wanted[DELIVERY_DELAYED] = s.expected_delivery_ms + policy.grace_ms
            if policy.at_risk_window_ms > 0:
                wanted[SLA_AT_RISK_CHECK] = s.expected_delivery_ms - policy.at_risk_window_ms
        if s.status in CARRIER_SCANS and s.last_tracking_ms is not None:
            wanted[NO_TRACKING_UPDATE] = s.last_tracking_ms + policy.no_update_threshold_ms
    register: list[Timer] = []
    cancel: list[str] = []
    for kind in TIMER_KINDS:
        due = wanted.get(kind)
        if due == s.armed_timers.get(kind):
            continue
        if due is None:
            cancel.append(timer_id(s.shipment_id, kind))
        else:
            register.append(
                Timer(timer_id(s.shipment_id, kind), s.shipment_id, kind, due, {"shipment_id": s.shipment_id})
            )
    if register or cancel:
        s = evolve(s, armed_timers=wanted)
    return s, tuple(register), tuple(cancel)


# -- timers -----------------------------------------------------------------------------------


def on_timer(state: ShipmentState | None, timer: Timer, now_ms: int) -> tuple[ShipmentState | None, list[Alert]]:
    """Handle a fired timer for this shipment. Stale firings (moved, cancelled, already alerted,
    delivered meanwhile) change nothing; the SLA is re-evaluated at the deadline's time."""
    if state is None or timer.key != state.shipment_id:
        return state, []
    if state.armed_timers.get(timer.kind) != timer.due_ms:
        return state, []
    alerts: list[Alert] = []
    s = state
    if timer.kind == DELIVERY_DELAYED:
        if not s.delivered and s.delay_alerted_deadline_ms != timer.due_ms:
            alert = Alert.create(
                source_id=timer.fire_id,
                alert_type=DELIVERY_DELAYED,
                entity_type=ENTITY_SHIPMENT,
                entity_id=s.shipment_id,
                raised_at_ms=timer.due_ms,
                details={
                    "order_id": s.order_id,
                    "carrier": s.carrier,
                    "expected_delivery_ms": s.expected_delivery_ms,
                    "deadline_ms": timer.due_ms,
                    "status": None if s.status is None else s.status.value,
                    "last_lat": s.last_lat,
                    "last_lon": s.last_lon,
                    "eta_ms": s.eta_ms,
                    "detected_at_ms": now_ms,
                },
            )
            alerts.append(alert)
            s = evolve(s, delay_alert_id=alert.alert_id, delay_alerted_deadline_ms=timer.due_ms)
    elif timer.kind == NO_TRACKING_UPDATE:
        silent = not s.delivered and s.status in CARRIER_SCANS
        if silent and s.no_update_alerted_deadline_ms != timer.due_ms:
            alerts.append(
                Alert.create(
                    source_id=timer.fire_id,
                    alert_type=NO_TRACKING_UPDATE,
                    entity_type=ENTITY_SHIPMENT,
                    entity_id=s.shipment_id,
                    raised_at_ms=timer.due_ms,
                    details={
                        "order_id": s.order_id,
                        "carrier": s.carrier,
                        "status": None if s.status is None else s.status.value,
                        "last_tracking_ms": s.last_tracking_ms,
                        "silent_for_ms": None if s.last_tracking_ms is None else timer.due_ms - s.last_tracking_ms,
                        "last_lat": s.last_lat,
                        "last_lon": s.last_lon,
                        "detected_at_ms": now_ms,
                    },
                )
            )
            s = evolve(s, no_update_alerted_deadline_ms=timer.due_ms)
    # Evaluate at the deadline (event time), not at now_ms, so a replay reproduces the state.
    clock = timer.due_ms if s.clock_ms is None else max(s.clock_ms, timer.due_ms)
    s = evolve(s, clock_ms=clock)
    s = evolve(s, eta_ms=_estimate_eta(s))
    s = evolve(s, sla=_sla(s, clock))
    return s, alerts
