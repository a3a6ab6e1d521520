"""The order pipeline: `order-events` + the lifecycle events of `shipment-events`, re-keyed by
orderId -> order lifecycle, promised vs actual, sequence anomalies -> lake.

Why its own consumer of both topics and an internal topic, rather than Quix's ``group_by``:

- the order state needs every event of an order in one partition's state, but `order-events`
  is partitioned by whatever partitioner its producer used (librdkafka's default is CRC32, Java
  clients use murmur2) and `shipment-events` by shipmentId. So *both* are re-keyed into one
  internal topic, ``<group prefix>-orders-by-order``, written by this app's own producer (Quix:
  murmur2), which puts all events of an order on the same partition. One ``group_by`` per
  source would give two repartition topics, and joining them in one state needs ``concat``,
  whose timestamp alignment leans on high watermarks the embedded broker under-reports;
- lake rows are attributed to the offsets of the record they come from, per table. The shipment
  pipeline already writes `alerts` rows attributed to `shipment-events` offsets; if this app
  wrote rows attributed to the same offsets, the shared offsets ledger would take them for
  replays and drop them. Rows derived from the internal topic's offsets cannot collide.

Stages:

1. `order-events` (stateless): validate; bad records -> dead letters (attributed to their
   `order-events` offsets); valid ones are forwarded as ``{"orderId", "event": <wire text>}``.
2. `shipment-events` (state per shipmentId: its orderId, learned from ``shipment.created``):
   forward the order lifecycle events (``shipment.created`` and the carrier scans); a scan that
   names no orderId gets the one its shipment.created named. Telemetry, control records and
   invalid records are left to the shipment pipeline (which dead-letters what is invalid).
3. the internal topic (state per orderId): dedupe by eventId (the forwarding stages may repeat a
   record after a crash), ``lifecycle.apply_order_event``, then `order_events`, `order_status`
   and `alerts` rows, and alerts on the alerts topic.

The lifecycle's rules depend only on the set of events, so the arbitrary interleaving of the two
sources in the internal topic does not change the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from quixstreams import Application
from quixstreams.context import message_context
from quixstreams.state import State

from supplylake.broker.connection import BrokerConnection
from supplylake.contracts import InvalidEvent, parse_event
from supplylake.contracts.base import Event
from supplylake.contracts.orders import OrderEvent as OrderContract
from supplylake.contracts.parse import refuse_duplicate_keys
from supplylake.contracts.shipments import ShipmentCreated
from supplylake.contracts.shipments import ShipmentEvent as ShipmentContract
from supplylake.lake.epoch_history import EpochHistory
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import ALERTS, DEAD_LETTERS, ORDER_EVENTS, ORDER_STATUS
from supplylake.pipelines.control import is_control
from supplylake.pipelines.entity_state import RECORD_KEY, EntityRecord
from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.keyed_state import scoped_state
from supplylake.pipelines.orders.lifecycle import (
    STAGE_BY_EVENT_TYPE,
    OrderEvent,
    OrderPolicy,
    OrderState,
    apply_order_event,
)
from supplylake.pipelines.orders.rows import order_event_row, order_status_row
from supplylake.pipelines.orders.topics import PIPELINE, by_order_topic
from supplylake.pipelines.outputs import WrongTopic, alert_row, publish_alerts, publish_dead_letters, rejected
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import build_application, drop_stale_state, json_topic, raw_topic
from supplylake.pipelines.state_mirror import StateMirror
from supplylake.settings import Settings

SHIPMENT_SCOPE = "shipment:"


def _envelope(order_id: str, raw: bytes) -> dict[str, str]:
    # The wire text travels as is, so `order_events.payload` keeps the exact bytes received.
    return {"orderId": order_id, "event": raw.decode("utf-8")}


@dataclass(frozen=True)
class Intake:
    forward: dict[str, str] | None = None
    rejected: LakeRows | None = None


@dataclass
class OrderIntake:
    """Stage 1: validate `order-events` records; forward the good, dead-letter the bad."""

    cluster_id: str
    # What earlier broker epochs already stored: their dead letters are not recorded again.
    history: EpochHistory = field(default_factory=EpochHistory)

    def __call__(self, value: bytes | None, key: bytes | None, timestamp: int, headers: Any) -> Intake:
        ctx = message_context()
        if is_control(headers):
            return Intake()
        raw = value or b""
        try:
            event = parse_event(value if value is not None else b"null", topic=ctx.topic)
            if not isinstance(event, OrderContract):
                raise WrongTopic(event.event_type, ctx.topic, "an order")
        except (InvalidEvent, WrongTopic) as exc:
            bad = rejected(
                cluster_id=self.cluster_id,
                raw=raw,
                key=key,
                error=exc,
                topic=ctx.topic,
                partition=ctx.partition,
                offset=ctx.offset,
                now_ms=int(time.time() * 1000),
            )
            if bad.dead_letter is not None and self.history.recorded(bad.dead_letter):
                return Intake()
            return Intake(rejected=bad)
        return Intake(forward=_envelope(event.order_id, raw))


def forward_tracking(
    value: bytes | None, key: bytes | None, timestamp: int, headers: Any, state: State
) -> dict[str, str] | None:
    """Stage 2: the order lifecycle events of `shipment-events`, with their orderId."""
    if is_control(headers) or value is None:
        return None
    try:
        payload = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None  # the shipment pipeline dead-letters it
    # Most of this topic is telemetry: look at the type before paying for validation.
    kind = payload.get("eventType") if isinstance(payload, dict) else None
    if not isinstance(kind, str) or kind not in STAGE_BY_EVENT_TYPE:
        return None
    try:
        # The dict hides a key written twice; the bytes do not (stage 3 would refuse them again).
        refuse_duplicate_keys(value, payload)
        event = parse_event(payload)
    except InvalidEvent:
        return None  # the shipment pipeline dead-letters it
    if not isinstance(event, ShipmentContract) or event.event_type not in STAGE_BY_EVENT_TYPE:
        return None
    shipment = scoped_state(state, SHIPMENT_SCOPE + event.shipment_id)
    order_id = event.order_id
    if isinstance(event, ShipmentCreated):
        if shipment.get("order_id") != order_id:
            shipment.set("order_id", order_id)
    elif order_id is None:
        order_id = shipment.get("order_id")
    if order_id is None:
        return None  # a scan before its shipment.created, naming no order: not joinable
    return _envelope(order_id, value)


@dataclass
class OrderProcessor:
    """Stage 3: one re-keyed lifecycle event -> order state and lake rows."""

    cluster_id: str
    settings: Settings
    # What earlier broker epochs already stored (the state itself is seeded by the state mirror).
    history: EpochHistory = field(default_factory=EpochHistory)

    def __post_init__(self) -> None:
        self.policy = OrderPolicy.from_settings(self.settings.shipments)

    def __call__(self, value: dict[str, Any], key: str, timestamp: int, headers: Any, state: State) -> LakeRows:
        ctx = message_context()
        now_wall = int(time.time() * 1000)
        order_id = value["orderId"]
        raw = value["event"].encode("utf-8")
        try:
            event = parse_event(raw)
        except InvalidEvent as exc:  # validated before forwarding: only a bug gets here
            return rejected(
                cluster_id=self.cluster_id,
                raw=raw,
                key=None if key is None else key.encode(),
                error=exc,
                topic=ctx.topic,
                partition=ctx.partition,
                offset=ctx.offset,
                now_ms=now_wall,
            )
        if self.history.applied(event.event_id):
            # Already in the lake from an earlier broker epoch, and inside the seeded state.
            return LakeRows(counters={"duplicates": 1})
        record = EntityRecord.from_dict(state.get(RECORD_KEY))
        if record.seen_before(event.event_id):
            return LakeRows(counters={"duplicates": 1})
        record.remember(event.event_id, self.settings.shipments.dedupe_window)

        parsed = _lifecycle_event(event, order_id)
        before = None if record.state is None else OrderState.from_dict(record.state)
        after, outcome = apply_order_event(before, parsed, self.policy)
        record.state = after.to_dict()

        rows = LakeRows(max_event_time_ms=event.event_time_ms)
        if isinstance(event, OrderContract):
            rows.add(ORDER_EVENTS.name, order_event_row(event, raw, now_wall))
        rows.add(ORDER_STATUS.name, order_status_row(after, parsed, revision=record.next_revision(), now_ms=now_wall))
        for alert in outcome.alerts:
            row = alert_row(alert)
            rows.add(ALERTS.name, row)
            rows.alerts.append(row)
        state.set(RECORD_KEY, record.to_dict())
        return rows


def _lifecycle_event(event: Event, order_id: str) -> OrderEvent:
    parsed = OrderEvent.from_contract(event)
    if parsed is None:  # a scan that named no orderId: stage 2 supplied it
        parsed = OrderEvent(
            event_id=event.event_id,
            event_type=event.event_type,
            event_time_ms=event.event_time_ms,
            order_id=order_id,
            shipment_id=getattr(event, "shipment_id", None),
            warehouse_id=getattr(event, "warehouse_id", None),
        )
    return parsed if parsed.order_id == order_id else evolve(parsed, order_id=order_id)


def build(settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0) -> Application:
    """The order Quix application, ready to `run()` (the same in every run mode)."""
    drop_stale_state(settings, connection.cluster_id)
    app = build_application(PIPELINE, settings, connection, mode, instance)
    sink = LakeSink.for_tables(
        settings, cluster_id=connection.cluster_id, tables=(DEAD_LETTERS, ORDER_EVENTS, ORDER_STATUS, ALERTS)
    )
    # order_status has a row (with its event id) for every event stage 3 applied.
    mirror = StateMirror.for_sink(app, PIPELINE, sink, settings, applied_in=(ORDER_STATUS,))
    sink.before_flush.append(mirror.commit)
    by_order = json_topic(app, by_order_topic(settings), settings)
    alerts_topic = json_topic(app, settings.topics.alerts, settings)
    dlq_topic = raw_topic(app, settings.topics.dead_letters, settings)

    # Stage 1: order-events.
    intake = app.dataframe(raw_topic(app, settings.topics.orders, settings))
    intake = intake.apply(OrderIntake(cluster_id=connection.cluster_id, history=mirror.history), metadata=True)
    intake.filter(lambda i: i.forward is not None).apply(lambda i: i.forward).to_topic(
        by_order, key=lambda envelope: envelope["orderId"]
    )
    bad = intake.filter(lambda i: i.rejected is not None).apply(lambda i: i.rejected)
    bad.sink(sink)
    publish_dead_letters(bad, dlq_topic)

    # Stage 2: the lifecycle events of shipment-events.
    tracking = app.dataframe(raw_topic(app, settings.topics.shipments, settings))
    tracking = tracking.apply(mirror.stateful(forward_tracking), stateful=True, metadata=True)
    tracking.filter(lambda envelope: envelope is not None).to_topic(by_order, key=lambda envelope: envelope["orderId"])

    # Stage 3: per order.
    orders = app.dataframe(by_order)
    orders = orders.apply(
        mirror.stateful(OrderProcessor(cluster_id=connection.cluster_id, settings=settings, history=mirror.history)),
        stateful=True,
        metadata=True,
    )
    publish_alerts(orders, alerts_topic)
    orders.sink(sink)
    return app
