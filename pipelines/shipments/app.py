"""The shipment pipeline: `shipment-events` (key shipmentId) -> tracking, SLA, cold chain, route,
deadlines -> alerts -> lake.

Thin Quix wiring around the pure functions in ``tracking`` (which uses ``cold_chain`` and
``route``). State layout, all in the partition's one Quix store:

- ``shipment:<id>``: per shipment, the :class:`ShipmentState` plus recent eventIds and a row
  counter (:class:`~supplylake.pipelines.entity_state.EntityRecord`). Keyed by the payload's
  shipmentId, not the message key, so a fired timer (which names its shipment) reaches the same
  state as that shipment's events do.
- ``\\x00partition``: the partition's clock and timers (:mod:`~supplylake.pipelines.timer_service`).

Per record, in this order:

1. a control record (``pipelines.control``) only moves the partition clock; an event moves the
   event-time watermark (max event time seen minus the allowed lateness);
2. every deadline of the partition due at or before the clock fires (``tracking.on_timer``),
   whichever shipment it belongs to;
3. an event's own shipment first fires its pending deadlines that are *before the event's time*:
   a `delivered` stamped after expectedDelivery + grace was late, whatever else the partition
   carried meanwhile. With (2) this makes what fires depend only on the shipment's own events in
   partition order and on the input's latest event time, not on which other shipments share the
   partition (as long as events are not later than the allowed lateness);
4. the event is applied (``tracking.apply_shipment_event``), its timer requests go to the wheel,
   and deadlines it registered already overdue fire at once.

Every lake row of a record (event row, status rows, alerts, also for other shipments whose
deadlines fired) is derived from that record and the state, so the lake sink's offset ledger can
attribute them all to the record's offset. Alerts and dead letters also go to their topics with
deterministic ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from quixstreams import Application
from quixstreams.context import message_context
from quixstreams.state import State

from supplylake.broker.connection import BrokerConnection
from supplylake.contracts import InvalidEvent, parse_event
from supplylake.contracts.shipments import ShipmentEvent as ShipmentContract
from supplylake.contracts.shipments import ShipmentTelemetry
from supplylake.lake.catalog import catalog_for
from supplylake.lake.epoch_history import EpochHistory
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import ALERTS, DEAD_LETTERS, SHIPMENT_EVENTS, SHIPMENT_STATUS, SHIPMENT_TELEMETRY
from supplylake.logs import get_logger
from supplylake.pipelines.control import InvalidControlRecord, Ticker, decode_control, start_live_ticker
from supplylake.pipelines.entity_state import RECORD_KEY, EntityRecord
from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.keyed_state import scoped_state
from supplylake.pipelines.outputs import WrongTopic, alert_row, rejected, route
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import build_application, drop_stale_state, json_topic, raw_topic
from supplylake.pipelines.shipments.alerts import Alert
from supplylake.pipelines.shipments.model_source import RiskModelSource
from supplylake.pipelines.shipments.policy import ShipmentPolicy
from supplylake.pipelines.shipments.risk import RiskModel, at_risk_alert, features, moment_of
from supplylake.pipelines.shipments.rows import event_row, status_digest, status_row, telemetry_row
from supplylake.pipelines.shipments.tracking import (
    TELEMETRY,
    ShipmentEvent,
    ShipmentState,
    apply_shipment_event,
    on_timer,
    timer_id,
)
from supplylake.pipelines.state_mirror import StateMirror
from supplylake.pipelines.timer_service import PartitionClock, PartitionTimers
from supplylake.pipelines.timers import Timer
from supplylake.settings import Settings

log = get_logger(__name__)

PARTITION_SCOPE = "\x00partition"
SHIPMENT_SCOPE = "shipment:"


@dataclass
class _Shipment:
    """One shipment's record, loaded once per source record and written back at its end."""

    view: State
    record: EntityRecord
    state: ShipmentState | None


@dataclass
class _Shipments:
    """Shipments touched since the last checkpoint (by their events, or a deadline that fired)."""

    base: State
    loaded: dict[str, _Shipment] = field(default_factory=dict)

    def get(self, shipment_id: str) -> _Shipment:
        found = self.loaded.get(shipment_id)
        if found is None:
            view = scoped_state(self.base, SHIPMENT_SCOPE + shipment_id)
            record = EntityRecord.from_dict(view.get(RECORD_KEY))
            state = None if record.state is None else ShipmentState.from_dict(record.state)
            found = self.loaded[shipment_id] = _Shipment(view, record, state)
        return found

    def save(self) -> None:
        for shipment in self.loaded.values():
            shipment.record.state = None if shipment.state is None else shipment.state.to_dict()
            shipment.view.set(RECORD_KEY, shipment.record.to_dict())


@dataclass
class _OpenPartition:
    clock: PartitionClock
    timers: PartitionTimers
    shipments: _Shipments


@dataclass
class ShipmentProcessor:
    """Turns one raw shipment-events record into lake rows, using and updating partition state."""

    cluster_id: str
    settings: Settings
    # What earlier broker epochs already stored (the state itself is seeded by the state mirror).
    history: EpochHistory = field(default_factory=EpochHistory)
    # The late-delivery risk model to score in-transit shipments with (None: none trained yet).
    risk_models: Callable[[], RiskModel | None] = lambda: None

    def __post_init__(self) -> None:
        # Per partition, the state objects opened since the last checkpoint (see flush()).
        self._open: dict[int, _OpenPartition] = {}
        self.policy = ShipmentPolicy.from_settings(self.settings.shipments)

    def __call__(self, value: bytes | None, key: bytes | None, timestamp: int, headers: Any, state: State) -> LakeRows:
        ctx = message_context()
        now_wall = int(time.time() * 1000)
        s = self.settings.shipments
        opened = self._open.get(ctx.partition)
        if opened is None:
            partition = scoped_state(state, PARTITION_SCOPE)
            opened = self._open[ctx.partition] = _OpenPartition(
                PartitionClock(
                    partition,
                    allowed_lateness_ms=s.allowed_lateness_s * 1000,
                    tick_holdback_ms=int(s.tick_holdback_s * 1000),
                ),
                PartitionTimers(partition),
                _Shipments(state),
            )
        clock, timers, shipments = opened.clock, opened.timers, opened.shipments

        try:
            control = decode_control(headers, value)
        except InvalidControlRecord as exc:
            log.warning(
                "ignored control record", topic=ctx.topic, partition=ctx.partition, offset=ctx.offset, error=str(exc)
            )
            return LakeRows(counters={"invalid_control": 1})
        if control is not None:
            rows = LakeRows(counters={"control": 1})
            self._fire_due(timers, clock.observe_control(control), shipments, rows, now_wall)
        else:
            try:
                event = parse_event(value if value is not None else b"null", topic=ctx.topic)
                if not isinstance(event, ShipmentContract):
                    raise WrongTopic(event.event_type, ctx.topic, "a shipment")
            except (InvalidEvent, WrongTopic) as exc:
                return rejected(
                    cluster_id=self.cluster_id,
                    raw=value or b"",
                    key=key,
                    error=exc,
                    topic=ctx.topic,
                    partition=ctx.partition,
                    offset=ctx.offset,
                    now_ms=now_wall,
                )
            if self.history.applied(event.event_id):
                # Already in the lake from an earlier broker epoch, and inside the seeded state.
                return LakeRows(counters={"duplicates": 1})
            rows = LakeRows(max_event_time_ms=event.event_time_ms)
            self._fire_due(timers, clock.observe_event(event.event_time_ms), shipments, rows, now_wall)
            self._apply(event, value or b"", timers, shipments, rows, now_wall)
            self._fire_due(timers, clock.now_ms, shipments, rows, now_wall)
        return rows

    def flush(self) -> None:
        """Write the partitions' clocks, timers and shipments back to Quix state, once per checkpoint.

        Called by the lake sink at the start of each checkpoint (before Quix produces the
        changelog): decoding a partition's timer slots and shipments once per checkpoint instead
        of once per record is what lets this pipeline keep up with telemetry.
        """
        try:
            for opened in self._open.values():
                opened.shipments.save()
                opened.timers.save()
                opened.clock.save()
        finally:
            self._open.clear()

    # -- events -------------------------------------------------------------------------------

    def _apply(
        self,
        event: ShipmentContract,
        raw: bytes,
        timers: PartitionTimers,
        shipments: _Shipments,
        rows: LakeRows,
        now_wall: int,
    ) -> None:
        shipment = shipments.get(event.shipment_id)
        if shipment.record.seen_before(event.event_id):
            rows.counters["duplicates"] = 1
            return
        shipment.record.remember(event.event_id, self.settings.shipments.dedupe_window)
        parsed = ShipmentEvent.from_contract(event)
        self._fire_own(shipment, parsed.event_time_ms, timers, rows, now_wall)

        before = status_digest(shipment.state)
        state, outcome = apply_shipment_event(shipment.state, parsed, self.policy)
        shipment.state = state
        outcome.apply_to(timers)
        if isinstance(event, ShipmentTelemetry):
            rows.add(SHIPMENT_TELEMETRY.name, telemetry_row(event, raw, state, now_wall))
        else:
            rows.add(SHIPMENT_EVENTS.name, event_row(event, raw, now_wall))
        self._emit_alerts(outcome.alerts, rows)
        # Every status event is worth a status row (it moves the last scan and position); a
        # reading only when it changed what the status row reports.
        if parsed.event_type != TELEMETRY or outcome.alerts or status_digest(state) != before:
            self._status_row(shipment, state, parsed.event_type, parsed.event_id, parsed.event_time_ms, rows, now_wall)

    def _fire_own(
        self, shipment: _Shipment, event_time_ms: int, timers: PartitionTimers, rows: LakeRows, now_wall: int
    ) -> None:
        """Fire this shipment's deadlines that passed before its new event's time."""
        state = shipment.state
        if state is None:
            return
        for kind, due in sorted(state.armed_timers.items(), key=lambda item: (item[1], item[0])):
            if due >= event_time_ms:
                continue
            timer = timers.get(timer_id(state.shipment_id, kind))
            if timer is None or timer.due_ms != due:
                continue  # already fired (or moved)
            timers.cancel(timer.timer_id)
            self._on_timer(shipment, timer, event_time_ms, rows, now_wall)

    # -- deadlines ----------------------------------------------------------------------------

    def _fire_due(
        self, timers: PartitionTimers, now_ms: int | None, shipments: _Shipments, rows: LakeRows, now_wall: int
    ) -> None:
        if now_ms is None:
            return
        for timer in timers.due(now_ms):
            self._on_timer(shipments.get(timer.key), timer, now_ms, rows, now_wall)

    def _on_timer(self, shipment: _Shipment, timer: Timer, now_ms: int, rows: LakeRows, now_wall: int) -> None:
        before = status_digest(shipment.state)
        state, alerts = on_timer(shipment.state, timer, now_ms)
        shipment.state = state
        self._emit_alerts(alerts, rows)
        if state is not None and (alerts or status_digest(state) != before):
            self._status_row(shipment, state, f"deadline:{timer.kind}", timer.fire_id, timer.due_ms, rows, now_wall)

    # -- rows ---------------------------------------------------------------------------------

    def _status_row(
        self,
        shipment: _Shipment,
        state: ShipmentState,
        cause: str,
        cause_id: str,
        cause_ms: int,
        rows: LakeRows,
        now_wall: int,
    ) -> None:
        late_risk = model_version = None
        model = self.risk_models()
        moment = None if model is None else moment_of(state, cause_ms)
        if model is not None and moment is not None:
            values = features(moment)
            late_risk, model_version = model.score(values), model.version
            if late_risk >= model.threshold and state.risk_alerted_ms is None:
                self._emit_alerts([at_risk_alert(state, model, values, late_risk, cause_ms)], rows)
                state = shipment.state = evolve(state, risk_alerted_ms=cause_ms)
        rows.add(
            SHIPMENT_STATUS.name,
            status_row(
                state,
                cause=cause,
                cause_id=cause_id,
                cause_time_ms=cause_ms,
                revision=shipment.record.next_revision(),
                now_ms=now_wall,
                late_risk=late_risk,
                risk_model=model_version,
            ),
        )

    @staticmethod
    def _emit_alerts(alerts: Iterable[Alert], rows: LakeRows) -> None:
        for alert in alerts:
            row = alert_row(alert)
            rows.add(ALERTS.name, row)
            rows.alerts.append(row)


def build(settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0) -> Application:
    """The shipment Quix application, ready to `run()`; in live mode it also starts the ticker.

    A bounded replay fires deadlines on event time only (its watermark), so the same input gives
    the same lake whatever the wall clock did; live, wall-clock ticks fire them on idle partitions.
    """
    drop_stale_state(settings, connection.cluster_id)
    app = build_application("shipments", settings, connection, mode, instance)
    sink = LakeSink.for_tables(
        settings,
        cluster_id=connection.cluster_id,
        tables=(DEAD_LETTERS, SHIPMENT_EVENTS, SHIPMENT_TELEMETRY, SHIPMENT_STATUS, ALERTS),
    )
    mirror = StateMirror.for_sink(app, "shipments", sink, settings, applied_in=(SHIPMENT_EVENTS, SHIPMENT_TELEMETRY))
    models = RiskModelSource(
        lambda: catalog_for(settings), settings.catalog.namespace, settings.shipments.risk_model_refresh_s
    )
    processor = ShipmentProcessor(
        cluster_id=connection.cluster_id, settings=settings, history=mirror.history, risk_models=models.current
    )
    # In this order: cached state back to Quix, then this checkpoint's state changes to the lake.
    sink.before_flush += [processor.flush, mirror.commit]
    source = raw_topic(app, settings.topics.shipments, settings)
    alerts_topic = json_topic(app, settings.topics.alerts, settings)
    dlq_topic = raw_topic(app, settings.topics.dead_letters, settings)

    sdf = app.dataframe(source)
    sdf = sdf.apply(mirror.stateful(processor), stateful=True, metadata=True)
    route(sdf, sink=sink, alerts_topic=alerts_topic, dlq_topic=dlq_topic)

    if instance == 0:  # one ticker per pipeline is enough, however many instances share its partitions
        start_live_ticks(settings, connection, mode)
    return app


def start_live_ticks(settings: Settings, connection: BrokerConnection, mode: RunMode) -> Ticker | None:
    """Live only: wall-clock ticks into every shipments partition (tick_interval_s says how often)."""
    return start_live_ticker(settings, connection, mode, [settings.topics.shipments])
