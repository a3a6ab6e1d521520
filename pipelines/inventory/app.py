"""The inventory pipeline: `inventory-events` -> per warehouse×SKU stock -> alerts -> lake.

Thin Quix wiring around the pure functions in ``stock`` and ``alerts``. Every source record
becomes one :class:`~supplylake.lake.sink.LakeRows` value (rows per lake table) that the
exactly-once lake sink commits against the record's own offset; alerts and dead letters are also
published to their topics with deterministic ids, so a replay is recognisable downstream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from quixstreams import Application
from quixstreams.context import message_context
from quixstreams.state import State

from supplylake.broker.connection import BrokerConnection
from supplylake.contracts import InvalidEvent, parse_event
from supplylake.contracts.inventory import InventoryEvent
from supplylake.lake.epoch_history import EpochHistory
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import ALERTS, DEAD_LETTERS, INVENTORY_EVENTS, INVENTORY_LEVELS, payload_text
from supplylake.pipelines.control import is_control
from supplylake.pipelines.inventory.alerts import Alert, AlertState, evaluate_alerts
from supplylake.pipelines.inventory.policy import InventoryPolicy
from supplylake.pipelines.inventory.reference import ReorderPoints
from supplylake.pipelines.inventory.stock import LevelChange, StockEvent, StockState, apply_event
from supplylake.pipelines.ledger_guard import guard_ledgers
from supplylake.pipelines.outputs import WrongKey, WrongTopic, alert_row, rejected, route
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import build_application, drop_stale_state, json_topic, raw_topic
from supplylake.pipelines.state_cache import CheckpointStateCache
from supplylake.pipelines.state_mirror import StateMirror
from supplylake.settings import Settings

STOCK_KEY = "stock"
ALERTS_KEY = "alerts"


@dataclass
class InventoryProcessor:
    """Turns one raw inventory record into lake rows, using and updating per-key state."""

    cluster_id: str
    settings: Settings
    reorder_points: ReorderPoints
    # What earlier broker epochs already stored (the state itself is seeded by the state mirror).
    history: EpochHistory = field(default_factory=EpochHistory)
    # Written back by the lake sink at each checkpoint (see state_cache).
    cache: CheckpointStateCache = field(default_factory=CheckpointStateCache)

    def __post_init__(self) -> None:
        self.policy = InventoryPolicy.from_settings(self.settings.inventory)

    def __call__(self, value: bytes | None, key: bytes | None, timestamp: int, headers: Any, state: State) -> LakeRows:
        ctx = message_context()
        now_ms = int(time.time() * 1000)
        if is_control(headers):
            return LakeRows()  # the demand pipeline's clock (end-of-replay watermark, live ticks)
        try:
            event = parse_event(value if value is not None else b"null", topic=ctx.topic)
            if not isinstance(event, InventoryEvent):
                raise WrongTopic(event.event_type, ctx.topic, "an inventory")
            if key != f"{event.warehouse_id}:{event.sku}".encode():
                # State is kept per message key: a mis-keyed event would corrupt another stock.
                raise WrongKey(key, f"{event.warehouse_id}:{event.sku}")
        except (InvalidEvent, WrongTopic, WrongKey) as exc:
            return rejected(
                cluster_id=self.cluster_id,
                raw=value or b"",
                key=key,
                error=exc,
                topic=ctx.topic,
                partition=ctx.partition,
                offset=ctx.offset,
                now_ms=now_ms,
            )

        stock_event = StockEvent(
            event_id=event.event_id,
            event_type=event.event_type,
            event_time_ms=event.event_time_ms,
            warehouse_id=event.warehouse_id,
            sku=event.sku,
            quantity=event.quantity,
        )
        if self.history.applied(event.event_id):
            # Already in the lake from an earlier broker epoch, and inside the seeded state.
            return LakeRows(counters={"duplicates": 1})
        stock, alert_state = self._load(state, ctx.partition, key)

        stock, outcome = apply_event(
            stock,
            stock_event,
            allowed_lateness_ms=self.policy.allowed_lateness_ms,
            dedupe_horizon_ms=self.policy.dedupe_horizon_ms,
        )
        self.cache.set(ctx.partition, key, state, STOCK_KEY, stock)
        if outcome.duplicate:
            return LakeRows(counters={"duplicates": 1})

        alerts: tuple[Alert, ...] = ()
        if outcome.current is not None:
            new_alert_state, alerts = evaluate_alerts(
                alert_state,
                level=outcome.current,
                reorder_point=self.reorder_points.for_sku(event.sku),
                resolve_margin=self.policy.resolve_margin,
                source_event_id=event.event_id,
            )
            # Episodes can also end silently (negative stock back to zero): store every change.
            if new_alert_state != alert_state:
                self.cache.set(ctx.partition, key, state, ALERTS_KEY, new_alert_state)

        rows = LakeRows(max_event_time_ms=event.event_time_ms, counters={"late": int(outcome.late)})
        rows.add(INVENTORY_EVENTS.name, _event_row(event, value or b"", outcome.late, now_ms))
        for change in outcome.level_changes:
            # is_current marks the level the key now stands at (what inventory_current shows).
            rows.add(INVENTORY_LEVELS.name, _level_row(change, is_current=change == outcome.current, now_ms=now_ms))
        for alert in alerts:
            row = alert_row(alert)
            rows.add(ALERTS.name, row)
            rows.alerts.append(row)
        return rows

    def _load(self, state: State, partition: int, key: Any) -> tuple[StockState, AlertState]:
        stock = self.cache.get(partition, key, state, STOCK_KEY, StockState.from_dict)
        if stock is None:
            return StockState.empty(), AlertState.empty()
        alerts = self.cache.get(partition, key, state, ALERTS_KEY, AlertState.from_dict)
        return stock, alerts if alerts is not None else AlertState.empty()


def _event_row(event: InventoryEvent, raw: bytes, is_late: bool, now_ms: int) -> dict[str, Any]:
    """The event's ``inventory_events`` row: the columns derived from the contract plus what only the pipeline knows."""
    return INVENTORY_EVENTS.row(event, is_late=is_late, payload=payload_text(raw), ingested_at=now_ms)


def _level_row(change: LevelChange, *, is_current: bool, now_ms: int) -> dict[str, Any]:
    return {
        "warehouse_id": change.warehouse_id,
        "sku": change.sku,
        "on_hand": change.on_hand,
        "reserved": change.reserved,
        "available": change.available,
        "event_id": change.event_id,
        "event_time": change.event_time_ms,
        "is_late": change.is_late,
        "revision": change.revision,
        "is_current": is_current,
        "ingested_at": now_ms,
    }


def build(settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0) -> Application:
    """The inventory Quix application, ready to `run()` (the same in every run mode)."""
    drop_stale_state(settings, connection.cluster_id)
    app = build_application("inventory", settings, connection, mode, instance)
    sink = LakeSink.for_tables(
        settings,
        cluster_id=connection.cluster_id,
        tables=(DEAD_LETTERS, INVENTORY_EVENTS, INVENTORY_LEVELS, ALERTS),
    )
    guard_ledgers(connection, sink)
    mirror = StateMirror.for_sink(app, "inventory", sink, settings, applied_in=(INVENTORY_EVENTS,))
    processor = InventoryProcessor(
        cluster_id=connection.cluster_id,
        settings=settings,
        reorder_points=ReorderPoints.from_settings(settings.inventory),
        history=mirror.history,
    )
    # In this order: cached state back to Quix, then this checkpoint's state changes to the lake.
    sink.before_flush += [processor.cache.flush, mirror.commit]
    source = raw_topic(app, settings.topics.inventory, settings)
    alerts_topic = json_topic(app, settings.topics.alerts, settings)
    dlq_topic = raw_topic(app, settings.topics.dead_letters, settings)

    sdf = app.dataframe(source)
    sdf = sdf.apply(mirror.stateful(processor), stateful=True, metadata=True)
    # Alerts and dead letters also go to their topics (ids are deterministic, so a replayed
    # record is recognisable); everything goes to the lake.
    route(sdf, sink=sink, alerts_topic=alerts_topic, dlq_topic=dlq_topic)
    return app
