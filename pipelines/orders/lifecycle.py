"""Order state keyed by orderId: the order lifecycle joined with its shipment's tracking.

``order.placed → warehouse.picking.started → warehouse.picking.completed → shipment.created →
carrier.picked_up → in.transit → out.for.delivery → delivery.attempted → delivered``.

Event time rules the stage: it is the stage of the event with the latest event time (ties go to
the later step) and ``delivered`` is terminal. Skipped steps are normal (scans get lost) and
accepted. Every rule below depends only on the *set* of events seen, never on their arrival
order, so any permutation of the same events ends in the same state and the same alerts.

Sequence anomalies. The genuinely impossible orderings all have one shape: a non-terminal event
stamped later than delivery — delivered before pickup, delivered before the order was placed, a
scan after delivery. They are one anomaly kind, ``DELIVERED_OUT_OF_SEQUENCE``, because one wrong
``delivered`` timestamp produces several of them at once and users need one alert for one cause.
It holds when ``latest time of some non-terminal stage > earliest delivered + allowed_skew_ms``.
One ``SEQUENCE_ANOMALY`` alert is raised per (order, anomaly kind), with a deterministic id from
(order, kind); further conflicting events are still recorded (stage times, ``anomaly_stages``,
``anomalies``) but raise nothing. The event is never dropped.

Limitation: one shipment per order is assumed. Events of a second shipment of a split order are
folded into the same lifecycle; ``shipment_ids`` shows when that happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from supplylake.contracts.orders import OrderPlaced, PickingCompleted, PickingStarted
from supplylake.contracts.registry import event_type_of
from supplylake.contracts.shipments import (
    CarrierPickedUp,
    Delivered,
    DeliveryAttempted,
    InTransit,
    OutForDelivery,
    ShipmentCreated,
)
from supplylake.event_time import SECOND_MS, to_epoch_ms
from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.shipments.alerts import ENTITY_ORDER, SEQUENCE_ANOMALY, Alert
from supplylake.pipelines.shipments.errors import ShipmentError, ShipmentStateError
from supplylake.pipelines.state_codec import StoredState
from supplylake.settings import ShipmentSettings


@dataclass(frozen=True)
class OrderPolicy:
    """Thresholds of the order lifecycle, from the settings (the only home of their defaults)."""

    allowed_skew_ms: int
    """A non-terminal event may be stamped this much after delivery before it is an anomaly."""

    @classmethod
    def from_settings(cls, settings: ShipmentSettings) -> OrderPolicy:
        return cls(allowed_skew_ms=settings.allowed_skew_s * SECOND_MS)


DEFAULT_ORDER_POLICY = OrderPolicy.from_settings(ShipmentSettings())
DEFAULT_ALLOWED_SKEW_MS = DEFAULT_ORDER_POLICY.allowed_skew_ms


class OrderStage(StrEnum):
    PLACED = "placed"
    PICKING_STARTED = "picking_started"
    PICKING_COMPLETED = "picking_completed"
    SHIPMENT_CREATED = "shipment_created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    DELIVERED = "delivered"


STAGE_BY_EVENT_TYPE: Mapping[str, OrderStage] = {
    event_type_of(OrderPlaced): OrderStage.PLACED,
    event_type_of(PickingStarted): OrderStage.PICKING_STARTED,
    event_type_of(PickingCompleted): OrderStage.PICKING_COMPLETED,
    event_type_of(ShipmentCreated): OrderStage.SHIPMENT_CREATED,
    event_type_of(CarrierPickedUp): OrderStage.PICKED_UP,
    event_type_of(InTransit): OrderStage.IN_TRANSIT,
    event_type_of(OutForDelivery): OrderStage.OUT_FOR_DELIVERY,
    event_type_of(DeliveryAttempted): OrderStage.DELIVERY_ATTEMPTED,
    event_type_of(Delivered): OrderStage.DELIVERED,
}
STAGE_RANK: Mapping[OrderStage, int] = {stage: rank for rank, stage in enumerate(OrderStage)}


class AnomalyKind(StrEnum):
    DELIVERED_OUT_OF_SEQUENCE = "DELIVERED_OUT_OF_SEQUENCE"


@dataclass(frozen=True)
class OrderEvent:
    """An order-lifecycle or tracking event carrying an orderId. Times are epoch milliseconds."""

    event_id: str
    event_type: str
    event_time_ms: int
    order_id: str
    promised_delivery_ms: int | None = None
    shipment_id: str | None = None
    warehouse_id: str | None = None
    customer_id: str | None = None
    region: str | None = None

    @classmethod
    def from_contract(cls, event: Any) -> OrderEvent | None:
        """Adapt a validated order or shipment contract model (duck-typed). None when the event
        is not part of the lifecycle (telemetry) or carries no orderId."""
        order_id = getattr(event, "order_id", None)
        if event.event_type not in STAGE_BY_EVENT_TYPE or not order_id:
            return None
        promised = getattr(event, "promised_delivery", None)
        return cls(
            event_id=event.event_id,
            event_type=event.event_type,
            event_time_ms=event.event_time_ms,
            order_id=order_id,
            promised_delivery_ms=None if promised is None else to_epoch_ms(promised),
            shipment_id=getattr(event, "shipment_id", None),
            warehouse_id=getattr(event, "warehouse_id", None),
            customer_id=getattr(event, "customer_id", None),
            region=getattr(event, "region", None),
        )


@dataclass(frozen=True)
class OrderState(StoredState):
    """Everything known about one order. Stored through to_dict/from_dict (the derived codec of
    :mod:`~supplylake.pipelines.state_codec`), with ``late_by_ms`` written alongside."""

    order_id: str
    stage: OrderStage | None = None
    stage_time_ms: int | None = None
    stage_times: Mapping[str, int] = field(default_factory=dict)
    """Earliest event time per stage (when the order reached it)."""
    stage_last_ms: Mapping[str, int] = field(default_factory=dict)
    """Latest event time per stage (what sequence checks compare)."""
    promised_delivery_ms: int | None = None
    placed_details_ms: int | None = None
    """Event time of the order.placed whose details are in effect (the newest one wins)."""
    shipment_ids: tuple[str, ...] = ()
    warehouse_id: str | None = None
    customer_id: str | None = None
    region: str | None = None
    delivered_at_ms: int | None = None
    delivery_delta_ms: int | None = None
    """delivered_at - promised delivery: negative = early, positive = late."""
    anomalies: int = 0
    """Number of stages currently in conflict with the delivery time."""
    anomaly_stages: tuple[str, ...] = ()
    alerted_anomalies: tuple[str, ...] = ()
    last_event_ms: int | None = None
    events_applied: int = 0

    state_version: ClassVar[int] = 2
    state_error: ClassVar[type[ShipmentError]] = ShipmentStateError
    stored_properties: ClassVar[tuple[str, ...]] = ("late_by_ms",)

    @property
    def shipment_id(self) -> str | None:
        return self.shipment_ids[0] if self.shipment_ids else None

    @property
    def late_by_ms(self) -> int | None:
        """How late the delivery was against the promise (0 when on time or early)."""
        return None if self.delivery_delta_ms is None else max(0, self.delivery_delta_ms)


@dataclass(frozen=True)
class OrderOutcome:
    alerts: tuple[Alert, ...] = ()
    stage_changed: bool = False


def apply_order_event(
    state: OrderState | None,
    event: OrderEvent,
    policy: OrderPolicy = DEFAULT_ORDER_POLICY,
) -> tuple[OrderState, OrderOutcome]:
    """Fold one lifecycle event into the order's state; see the module docstring."""
    stage = STAGE_BY_EVENT_TYPE.get(event.event_type)
    if stage is None:
        raise ValueError(f"{event.event_type!r} is not an order lifecycle event")
    if state is None:
        state = OrderState(order_id=event.order_id)
    elif state.order_id != event.order_id:
        raise ValueError(f"event for order {event.order_id!r} applied to state of {state.order_id!r}")
    t = event.event_time_ms
    s = state

    first = dict(s.stage_times)
    last = dict(s.stage_last_ms)
    first[stage.value] = min(first.get(stage.value, t), t)
    last[stage.value] = max(last.get(stage.value, t), t)
    s = evolve(
        s,
        stage_times=first,
        stage_last_ms=last,
        last_event_ms=t if s.last_event_ms is None else max(s.last_event_ms, t),
        events_applied=s.events_applied + 1,
    )
    if event.shipment_id and event.shipment_id not in s.shipment_ids:
        s = evolve(s, shipment_ids=tuple(sorted((*s.shipment_ids, event.shipment_id))))
    if stage is OrderStage.PLACED and (s.placed_details_ms is None or t >= s.placed_details_ms):
        s = evolve(
            s,
            placed_details_ms=t,
            promised_delivery_ms=(
                event.promised_delivery_ms if event.promised_delivery_ms is not None else s.promised_delivery_ms
            ),
            customer_id=event.customer_id or s.customer_id,
            region=event.region or s.region,
        )
    if event.warehouse_id and s.warehouse_id is None:
        s = evolve(s, warehouse_id=event.warehouse_id)
    if stage is OrderStage.DELIVERED:
        s = evolve(s, delivered_at_ms=t if s.delivered_at_ms is None else min(s.delivered_at_ms, t))

    if s.delivered_at_ms is not None:
        current, current_ms = OrderStage.DELIVERED, s.delivered_at_ms
    elif s.stage is None or s.stage_time_ms is None or (t, STAGE_RANK[stage]) > (s.stage_time_ms, STAGE_RANK[s.stage]):
        current, current_ms = stage, t
    else:
        current, current_ms = s.stage, s.stage_time_ms
    delta = None
    if s.delivered_at_ms is not None and s.promised_delivery_ms is not None:
        delta = s.delivered_at_ms - s.promised_delivery_ms
    s = evolve(s, stage=current, stage_time_ms=current_ms, delivery_delta_ms=delta)

    s, alerts = _check_sequence(s, event, policy.allowed_skew_ms)
    return s, OrderOutcome(alerts=tuple(alerts), stage_changed=s.stage != state.stage)


def _check_sequence(s: OrderState, event: OrderEvent, allowed_skew_ms: int) -> tuple[OrderState, list[Alert]]:
    delivered_at = s.delivered_at_ms
    if delivered_at is None:
        return s, []
    limit = delivered_at + allowed_skew_ms
    conflicts = tuple(
        stage.value
        for stage in OrderStage
        if stage is not OrderStage.DELIVERED and s.stage_last_ms.get(stage.value, limit) > limit
    )
    s = evolve(s, anomaly_stages=conflicts, anomalies=len(conflicts))
    kind = AnomalyKind.DELIVERED_OUT_OF_SEQUENCE
    if not conflicts or kind.value in s.alerted_anomalies:
        return s, []
    latest_stage = max(conflicts, key=lambda name: s.stage_last_ms[name])
    alert = Alert.create(
        # From (order, kind), not from the event: the same anomaly gets the same id whichever
        # event happened to reveal it.
        source_id=f"order:{s.order_id}:{kind.value}",
        alert_type=SEQUENCE_ANOMALY,
        entity_type=ENTITY_ORDER,
        entity_id=s.order_id,
        raised_at_ms=event.event_time_ms,
        details={
            "kind": kind.value,
            "delivered_at_ms": delivered_at,
            "conflicting_stages": list(conflicts),
            "latest_conflict_stage": latest_stage,
            "latest_conflict_ms": s.stage_last_ms[latest_stage],
            "by_ms": s.stage_last_ms[latest_stage] - delivered_at,
            "allowed_skew_ms": allowed_skew_ms,
            "shipment_id": s.shipment_id,
            "source_event_id": event.event_id,
        },
    )
    return evolve(s, alerted_anomalies=tuple(sorted((*s.alerted_anomalies, kind.value)))), [alert]
