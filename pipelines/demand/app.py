"""The demand pipeline: `sales-events` -> sales per SKU × region; the `inventory.shipped` of
`inventory-events` -> outbound units per warehouse × SKU, a daily forecast and DEMAND_SPIKE;
`external-signals` -> the disruption signals as received, for the disruption assessment.

Thin Quix wiring around the pure functions of ``windows``, ``forecast`` and ``spikes``. No
re-keying: each source topic's message key is already the key its state is kept by (a SKU's
regions live in the SKU's book), so each stage's partition clock is the event time of its own
partition, in the order the producer wrote it — replays are deterministic.

Stages (each stateful on its source topic, rows attributed to that topic's offsets):

1. `sales-events`: validate (bad records -> dead letters), dedupe, count each sale in its hour
   and day of its region (``windows.add_event``), a `sales_events` row (``is_late`` when its
   hour was already final), the changed `demand_hourly` / `demand_daily` rows.
2. `inventory-events`: only ``inventory.shipped`` (everything else, and whatever is invalid, is
   the inventory pipeline's business): dedupe, windows, a `consumption_events` row; while a day
   is open its units are judged against the forecast made for it (DEMAND_SPIKE within seconds).
   When a day closes it is judged again and folded into the key's forecast
   (``forecast.observe_day``, days without demand as zeros), and the horizon's
   `demand_forecast` rows are written.
3. `external-signals`: validate (bad records, wrong family, wrong key -> dead letters), dedupe
   per region, an `external_signals` row. No windows, clock or timers: control records are
   ignored and the topic gets no live ticks.

Clock and timers (stages 1 and 2). Each partition keeps a
:class:`~supplylake.pipelines.timer_service.PartitionClock` (max event time minus
``SUPPLYLAKE_DEMAND__ALLOWED_LATENESS_S``; the end-of-replay watermark and, live, wall-clock
ticks, which reach the sales and inventory topics as control records) and one timer per key at
its next window end (and, for a warehouse × SKU, the end of its next day, until it has had no
demand for ``dormant_after_days``), so windows close and forecasts move on with no further input
for that key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import orjson
from quixstreams import Application
from quixstreams.context import message_context
from quixstreams.state import State

from supplylake.broker.connection import BrokerConnection
from supplylake.contracts import InvalidEvent, parse_event
from supplylake.contracts.base import Event
from supplylake.contracts.inventory import InventoryShipped
from supplylake.contracts.parse import refuse_duplicate_keys
from supplylake.contracts.sales import SaleRecorded
from supplylake.contracts.signals import SignalEvent
from supplylake.event_time import DAY_MS, SECOND_MS
from supplylake.lake.epoch_history import EpochHistory
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import (
    ALERTS,
    CONSUMPTION_EVENTS,
    DEAD_LETTERS,
    DEMAND_DAILY,
    DEMAND_FORECAST,
    DEMAND_HOURLY,
    EXTERNAL_SIGNALS,
    SALES_EVENTS,
    payload_text,
)
from supplylake.lake.tables.demand import SALES_STREAM, SHIPPED_STREAM
from supplylake.logs import get_logger
from supplylake.pipelines.control import InvalidControlRecord, Ticker, decode_control, is_control, start_live_ticker
from supplylake.pipelines.demand.forecast import ForecastPolicy, ForecastState, observe_day, residual_scale
from supplylake.pipelines.demand.rows import WINDOW_TABLE, forecast_rows, window_row
from supplylake.pipelines.demand.spikes import SpikePolicy, SpikeState, judge_day
from supplylake.pipelines.demand.topics import PIPELINE
from supplylake.pipelines.demand.windows import (
    Change,
    DemandError,
    DemandStateError,
    KeyWindows,
    add_event,
    close_windows,
    closed_days,
)
from supplylake.pipelines.inventory.stock import SeenIds
from supplylake.pipelines.keyed_state import scoped_state
from supplylake.pipelines.outputs import WrongKey, WrongTopic, alert_row, publish_alerts, publish_dead_letters, rejected
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import build_application, drop_stale_state, json_topic, raw_topic
from supplylake.pipelines.state_codec import StoredState
from supplylake.pipelines.state_mirror import StateMirror
from supplylake.pipelines.timer_service import PartitionClock, PartitionTimers
from supplylake.settings import Settings

log = get_logger(__name__)

PARTITION_SCOPE = "\x00partition"
BOOK_SCOPE = "demand:"
BOOK_KEY = "book"
CLOSE = "close"
SHIPPED = b'"inventory.shipped"'
# Remembered event ids per book (and the event-time horizon): a repeat among them is a duplicate.
MAX_SEEN = 5_000


# -- per-key state ----------------------------------------------------------------------------


@dataclass
class SalesBook(StoredState):
    """A SKU's sales windows per region, and the sales it has seen."""

    sku: str
    regions: dict[str, KeyWindows] = field(default_factory=dict)
    seen: SeenIds = field(default_factory=SeenIds)
    max_event_ms: int | None = None

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[DemandError]] = DemandStateError

    def next_wake_ms(self, dormant_after_days: int) -> int | None:
        ends = [end for windows in self.regions.values() if (end := windows.next_close_ms()) is not None]
        return min(ends) if ends else None


@dataclass
class ConsumptionBook(StoredState):
    """A warehouse × SKU's outbound windows, forecast model and spike episode."""

    warehouse_id: str
    sku: str
    windows: KeyWindows = field(default_factory=KeyWindows)
    forecast: ForecastState | None = None
    spike: SpikeState = field(default_factory=SpikeState)
    seen: SeenIds = field(default_factory=SeenIds)
    max_event_ms: int | None = None
    last_demand_day: int | None = None

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[DemandError]] = DemandStateError

    def last_open_day(self, dormant_after_days: int) -> int | None:
        """The last day closed with no event for it (zero demand), before the key goes dormant."""
        if self.last_demand_day is None:
            return None
        return self.last_demand_day + dormant_after_days

    def next_wake_ms(self, dormant_after_days: int) -> int | None:
        wakes = [self.windows.next_close_ms()]
        if self.forecast is not None:
            next_day = self.forecast.last_day + 1
            last = self.last_open_day(dormant_after_days)
            if last is not None and next_day <= last:
                wakes.append((next_day + 1) * DAY_MS)
        present = [w for w in wakes if w is not None]
        return min(present) if present else None


@dataclass
class SignalBook(StoredState):
    """A region's recent signal ids (signals are stored as received: nothing else to keep)."""

    region: str
    seen: SeenIds = field(default_factory=SeenIds)
    max_event_ms: int | None = None

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[DemandError]] = DemandStateError

    def next_wake_ms(self, dormant_after_days: int) -> int | None:
        return None  # no windows: never woken by a timer


B = TypeVar("B", SalesBook, ConsumptionBook, SignalBook)
E = TypeVar("E", bound=Event)


@dataclass
class _Partition(Generic[B]):
    """One partition's clock, timers and the books touched since the last checkpoint."""

    base: State
    clock: PartitionClock
    timers: PartitionTimers
    decode: Callable[[Any], B]
    books: dict[str, tuple[State, B | None]] = field(default_factory=dict)

    def get(self, key: str) -> B | None:
        found = self.books.get(key)
        if found is None:
            view = scoped_state(self.base, BOOK_SCOPE + key)
            stored = view.get(BOOK_KEY)
            found = self.books[key] = (view, None if stored is None else self.decode(stored))
        return found[1]

    def put(self, key: str, book: B) -> None:
        self.get(key)
        self.books[key] = (self.books[key][0], book)

    def save(self) -> None:
        for view, book in self.books.values():
            if book is not None:
                view.set(BOOK_KEY, book.to_dict())
        self.timers.save()
        self.clock.save()


# -- the stages ------------------------------------------------------------------------------


@dataclass
class _Stage(Generic[B]):
    """What the stages share: partitions, clock, timers, control records, validation, dedupe."""

    cluster_id: str
    settings: Settings
    history: EpochHistory = field(default_factory=EpochHistory)

    decode: ClassVar[Callable[[Any], Any]]

    def __post_init__(self) -> None:
        d = self.settings.demand
        self.lateness_ms = d.allowed_lateness_s * SECOND_MS
        self.dormant_after_days = d.dormant_after_days
        self.horizon_ms = self.settings.inventory.dedupe_horizon_s * SECOND_MS
        self._open: dict[int, _Partition[B]] = {}

    def partition(self, number: int, state: State) -> _Partition[B]:
        opened = self._open.get(number)
        if opened is None:
            base = scoped_state(state, PARTITION_SCOPE)
            holdback = int(self.settings.shipments.tick_holdback_s * SECOND_MS)
            opened = self._open[number] = _Partition(
                state,
                PartitionClock(base, allowed_lateness_ms=self.lateness_ms, tick_holdback_ms=holdback),
                PartitionTimers(base),
                type(self).decode,
            )
        return opened

    def flush(self) -> None:
        """Write the partitions' books, timers and clocks back to Quix state, once per checkpoint."""
        try:
            for opened in self._open.values():
                opened.save()
        finally:
            self._open.clear()

    def control(self, opened: _Partition[B], value: bytes | None, headers: Any, rows: LakeRows, now: int) -> None:
        ctx = message_context()
        try:
            record = decode_control(headers, value or b"")
        except InvalidControlRecord as exc:
            log.warning(
                "ignored control record", topic=ctx.topic, partition=ctx.partition, offset=ctx.offset, error=str(exc)
            )
            rows.counters["invalid_control"] = 1
            return
        if record is not None:
            rows.counters["control"] = 1
            opened.clock.observe_control(record)
            self.fire_due(opened, rows, now)

    def validated(
        self, value: bytes | None, key: bytes | None, model: type[E], family: str, rule: str, now: int
    ) -> E | LakeRows:
        """The record as a ``model`` event keyed by its message key, or the LakeRows of its dead letter
        (empty when an earlier epoch already recorded it)."""
        ctx = message_context()
        try:
            event = parse_event(value if value is not None else b"null", topic=ctx.topic)
            if not isinstance(event, model):
                raise WrongTopic(event.event_type, ctx.topic, family)
            if key != event.message_key().encode():
                raise WrongKey(key, event.message_key(), rule=rule)
        except (InvalidEvent, WrongTopic, WrongKey) as exc:
            bad = rejected(
                cluster_id=self.cluster_id,
                raw=value or b"",
                key=key,
                error=exc,
                topic=ctx.topic,
                partition=ctx.partition,
                offset=ctx.offset,
                now_ms=now,
            )
            if bad.dead_letter is not None and self.history.recorded(bad.dead_letter):
                return LakeRows()
            return bad
        return event

    def duplicate(self, book: SalesBook | ConsumptionBook | SignalBook, event_id: str, event_time_ms: int) -> bool:
        """True for an event already applied; otherwise it is remembered."""
        if self.history.applied(event_id) or event_id in book.seen:
            return True
        if book.max_event_ms is None or event_time_ms > book.max_event_ms:
            book.max_event_ms = event_time_ms
        book.seen = book.seen.remember(
            event_id, event_time_ms, cutoff_ms=book.max_event_ms - self.horizon_ms, cap=MAX_SEEN
        )
        return False

    def fire_due(self, opened: _Partition[B], rows: LakeRows, now: int) -> None:
        clock = opened.clock.now_ms
        if clock is None:
            return
        for timer in opened.timers.due(clock):
            book = opened.get(timer.key)
            if book is not None:
                self.close(book, clock, rows, now)
                self.schedule(opened, timer.key, book)

    def schedule(self, opened: _Partition[B], key: str, book: B) -> None:
        wake = book.next_wake_ms(self.dormant_after_days)
        if wake is None:
            opened.timers.cancel(BOOK_SCOPE + key)
        else:
            opened.timers.register(BOOK_SCOPE + key, key, CLOSE, wake)

    def close(self, book: B, clock_ms: int, rows: LakeRows, now: int) -> None:
        raise NotImplementedError


@dataclass
class SalesProcessor(_Stage[SalesBook]):
    """Stage 1: one `sales-events` record -> a sale counted in its windows (or a dead letter)."""

    decode: ClassVar[Callable[[Any], Any]] = SalesBook.from_dict

    def __call__(self, value: bytes | None, key: bytes | None, timestamp: int, headers: Any, state: State) -> LakeRows:
        ctx = message_context()
        now = int(time.time() * 1000)
        opened = self.partition(ctx.partition, state)
        rows = LakeRows()
        if is_control(headers):
            self.control(opened, value, headers, rows, now)
            return rows
        raw = value or b""
        event = self.validated(value, key, SaleRecorded, "a sales", "producers must key sales events by sku", now)
        if isinstance(event, LakeRows):
            return event
        book = opened.get(event.sku) or SalesBook(event.sku)
        opened.put(event.sku, book)
        if self.duplicate(book, event.event_id, event.event_time_ms):
            rows.counters["duplicates"] = 1
            return rows
        opened.clock.observe_event(event.event_time_ms)
        self.fire_due(opened, rows, now)
        windows = book.regions.setdefault(event.region, KeyWindows())
        added = add_event(
            windows,
            event.event_time_ms,
            event.quantity,
            float(event.quantity) * float(event.unit_price),
            opened.clock.now_ms,
        )
        rows.max_event_time_ms = event.event_time_ms
        rows.counters["late"] = int(added.late)
        rows.add(
            SALES_EVENTS.name,
            SALES_EVENTS.row(event, is_late=added.late, payload=payload_text(raw), ingested_at=now),
        )
        self._window_rows(book, event.region, added.changes, rows, now)
        self.schedule(opened, event.sku, book)
        return rows

    def close(self, book: SalesBook, clock_ms: int, rows: LakeRows, now: int) -> None:
        for region, windows in sorted(book.regions.items()):
            self._window_rows(book, region, close_windows(windows, clock_ms), rows, now)
        # A region with nothing left open or remembered is forgotten.
        book.regions = {r: w for r, w in book.regions.items() if w.hour or w.day}

    @staticmethod
    def _window_rows(book: SalesBook, region: str, changes: Iterable[Change], rows: LakeRows, now: int) -> None:
        _add_window_rows(rows, changes, SALES_STREAM, f"{book.sku}@{region}", book.sku, region, None, now)


@dataclass
class ConsumptionProcessor(_Stage[ConsumptionBook]):
    """Stage 2: one `inventory.shipped` -> outbound windows, DEMAND_SPIKE, forecasts at day close."""

    decode: ClassVar[Callable[[Any], Any]] = ConsumptionBook.from_dict

    def __post_init__(self) -> None:
        super().__post_init__()
        d = self.settings.demand
        self.forecast_policy = ForecastPolicy(
            alpha=d.alpha,
            gamma=d.gamma,
            tsb_alpha=d.tsb_alpha,
            tsb_beta=d.tsb_beta,
            horizon_days=d.horizon_days,
            min_days=d.min_days,
        )
        self.spike_policy = SpikePolicy(z_threshold=d.spike_z, min_units=d.spike_min_units)

    def __call__(self, value: bytes | None, key: bytes | None, timestamp: int, headers: Any, state: State) -> LakeRows:
        ctx = message_context()
        now = int(time.time() * 1000)
        rows = LakeRows()
        if is_control(headers):
            self.control(self.partition(ctx.partition, state), value, headers, rows, now)
            return rows
        event = _shipped(value, key)
        if event is None:
            return rows
        opened = self.partition(ctx.partition, state)
        book_key = f"{event.warehouse_id}:{event.sku}"
        book = opened.get(book_key) or ConsumptionBook(event.warehouse_id, event.sku)
        opened.put(book_key, book)
        if self.duplicate(book, event.event_id, event.event_time_ms):
            rows.counters["duplicates"] = 1
            return rows
        opened.clock.observe_event(event.event_time_ms)
        self.fire_due(opened, rows, now)
        added = add_event(book.windows, event.event_time_ms, event.quantity, 0.0, opened.clock.now_ms)
        rows.max_event_time_ms = event.event_time_ms
        rows.counters["late"] = int(added.late)
        rows.add(CONSUMPTION_EVENTS.name, CONSUMPTION_EVENTS.row(event, is_late=added.late, ingested_at=now))
        self._window_rows(book, added.changes, rows, now)
        if not added.late:
            day = event.event_time_ms // DAY_MS
            book.last_demand_day = max(day, book.last_demand_day if book.last_demand_day is not None else day)
            self._judge_open_day(book, day, event.event_time_ms, rows)
        self.schedule(opened, book_key, book)
        return rows

    def _judge_open_day(self, book: ConsumptionBook, day: int, at_ms: int, rows: LakeRows) -> None:
        """DEMAND_SPIKE as the day's units arrive, once the model has seen the day before."""
        model = book.forecast
        if model is None or model.last_day != day - 1 or model.next_forecast is None:
            return
        window = next((w for w in book.windows.day if w.start_ms == day * DAY_MS), None)
        if window is None:
            return
        self._spike(book, day, window.units, model, final=False, at_ms=at_ms, rows=rows)

    def _spike(
        self,
        book: ConsumptionBook,
        day: int,
        units: int,
        model: ForecastState,
        *,
        final: bool,
        at_ms: int,
        rows: LakeRows,
    ) -> None:
        if model.next_forecast is None:
            return
        alert = judge_day(
            book.spike,
            warehouse_id=book.warehouse_id,
            sku=book.sku,
            day=day,
            observed=float(units),
            baseline=model.next_forecast,
            residual_scale=residual_scale(model),
            model=model.next_model,
            final=final,
            at_ms=at_ms,
            policy=self.spike_policy,
        )
        if alert is not None:
            row = alert_row(alert)
            rows.add(ALERTS.name, row)
            rows.alerts.append(row)

    def close(self, book: ConsumptionBook, clock_ms: int, rows: LakeRows, now: int) -> None:
        changes = close_windows(book.windows, clock_ms)
        self._window_rows(book, changes, rows, now)
        folded = False
        for window in closed_days(changes):
            day = window.start_ms // DAY_MS
            model = book.forecast
            if model is not None and day <= model.last_day:
                continue  # cannot happen: a day is folded only once all its hours are final
            if model is not None and day > model.last_day + 1:
                model, _ = observe_day(model, day - 1, 0.0, self.forecast_policy)  # the days in between had none
                book.spike.episode_day = None
            if model is not None:
                self._spike(book, day, window.units, model, final=True, at_ms=window.start_ms + DAY_MS, rows=rows)
            book.forecast, _ = observe_day(model, day, float(window.units), self.forecast_policy)
            folded = True
        # Days with no demand at all close too, until the key goes dormant.
        model = book.forecast
        last = book.last_open_day(self.dormant_after_days)
        if model is not None and last is not None:
            target = min(clock_ms // DAY_MS - 1, last)
            if target > model.last_day:
                book.forecast, _ = observe_day(model, target, 0.0, self.forecast_policy)
                book.spike.episode_day = None
                folded = True
        if folded and book.forecast is not None:
            for row in forecast_rows(
                book.forecast,
                warehouse_id=book.warehouse_id,
                sku=book.sku,
                policy=self.forecast_policy,
                now_ms=now,
            ):
                rows.add(DEMAND_FORECAST.name, row)

    @staticmethod
    def _window_rows(book: ConsumptionBook, changes: Iterable[Change], rows: LakeRows, now: int) -> None:
        key = f"{book.warehouse_id}:{book.sku}"
        _add_window_rows(rows, changes, SHIPPED_STREAM, key, book.sku, None, book.warehouse_id, now)


@dataclass
class SignalsProcessor(_Stage[SignalBook]):
    """Stage 3: one `external-signals` record -> an `external_signals` row (or a dead letter)."""

    decode: ClassVar[Callable[[Any], Any]] = SignalBook.from_dict

    def __call__(self, value: bytes | None, key: bytes | None, timestamp: int, headers: Any, state: State) -> LakeRows:
        if is_control(headers):
            return LakeRows()  # nothing here waits on a clock (and the topic gets no ticks)
        ctx = message_context()
        now = int(time.time() * 1000)
        event = self.validated(value, key, SignalEvent, "a signals", "producers must key signals by region", now)
        if isinstance(event, LakeRows):
            return event
        return self.accept(self.partition(ctx.partition, state), event, value or b"", now)

    def accept(self, opened: _Partition[SignalBook], event: SignalEvent, raw: bytes, now: int) -> LakeRows:
        """The row of a valid signal, unless its region's book has seen its id (a duplicate)."""
        rows = LakeRows()
        book = opened.get(event.region) or SignalBook(event.region)
        opened.put(event.region, book)
        if self.duplicate(book, event.event_id, event.event_time_ms):
            rows.counters["duplicates"] = 1
            return rows
        rows.max_event_time_ms = event.event_time_ms
        rows.add(EXTERNAL_SIGNALS.name, signal_row(event, raw, now))
        return rows

    def close(self, book: SignalBook, clock_ms: int, rows: LakeRows, now: int) -> None:
        """Never called: a signal book registers no timer."""


def signal_row(event: SignalEvent, raw: bytes, now: int) -> dict[str, Any]:
    """The `external_signals` row of a valid signal received as ``raw`` at ``now`` (epoch ms)."""
    return EXTERNAL_SIGNALS.row(event, payload=payload_text(raw), ingested_at=now)


def _add_window_rows(
    rows: LakeRows,
    changes: Iterable[Change],
    stream: str,
    key: str,
    sku: str,
    region: str | None,
    warehouse_id: str | None,
    now: int,
) -> None:
    """A demand_hourly / demand_daily row for each changed window."""
    for change in changes:
        row = window_row(
            stream=stream,
            key=key,
            sku=sku,
            region=region,
            warehouse_id=warehouse_id,
            granularity=change.granularity,
            window=change.window,
            now_ms=now,
        )
        rows.add(WINDOW_TABLE[change.granularity], row)


def _shipped(value: bytes | None, key: bytes | None) -> InventoryShipped | None:
    """The record as an ``inventory.shipped``, or None for anything else (or anything invalid:
    the inventory pipeline dead-letters it)."""
    if value is None or SHIPPED not in value:  # most of the topic is not shipments: look before parsing
        return None
    try:
        payload = orjson.loads(value)
        if not isinstance(payload, dict) or payload.get("eventType") != "inventory.shipped":
            return None
        refuse_duplicate_keys(value, payload)
        event = parse_event(payload)
    except (orjson.JSONDecodeError, InvalidEvent):
        return None
    if not isinstance(event, InventoryShipped) or key != f"{event.warehouse_id}:{event.sku}".encode():
        return None
    return event


# -- the application --------------------------------------------------------------------------


def build(settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0) -> Application:
    """The demand Quix application, ready to `run()`; in live mode it also starts the ticker."""
    drop_stale_state(settings, connection.cluster_id)
    app = build_application(PIPELINE, settings, connection, mode, instance)
    sink = LakeSink.for_tables(
        settings,
        cluster_id=connection.cluster_id,
        tables=(
            DEAD_LETTERS,
            SALES_EVENTS,
            CONSUMPTION_EVENTS,
            EXTERNAL_SIGNALS,
            DEMAND_HOURLY,
            DEMAND_DAILY,
            DEMAND_FORECAST,
            ALERTS,
        ),
    )
    mirror = StateMirror.for_sink(
        app, PIPELINE, sink, settings, applied_in=(SALES_EVENTS, CONSUMPTION_EVENTS, EXTERNAL_SIGNALS)
    )
    sales = SalesProcessor(cluster_id=connection.cluster_id, settings=settings, history=mirror.history)
    shipped = ConsumptionProcessor(cluster_id=connection.cluster_id, settings=settings, history=mirror.history)
    signals = SignalsProcessor(cluster_id=connection.cluster_id, settings=settings, history=mirror.history)
    # In this order: cached state back to Quix, then this checkpoint's state changes to the lake.
    sink.before_flush += [sales.flush, shipped.flush, signals.flush, mirror.commit]
    alerts_topic = json_topic(app, settings.topics.alerts, settings)
    dlq_topic = raw_topic(app, settings.topics.dead_letters, settings)

    sales_rows = app.dataframe(raw_topic(app, settings.topics.sales, settings))
    sales_rows = sales_rows.apply(mirror.stateful(sales), stateful=True, metadata=True)
    publish_dead_letters(sales_rows, dlq_topic)
    sales_rows.sink(sink)

    shipped_rows = app.dataframe(raw_topic(app, settings.topics.inventory, settings))
    shipped_rows = shipped_rows.apply(mirror.stateful(shipped), stateful=True, metadata=True)
    publish_alerts(shipped_rows, alerts_topic)
    shipped_rows.sink(sink)

    signal_rows = app.dataframe(raw_topic(app, settings.topics.signals, settings))
    signal_rows = signal_rows.apply(mirror.stateful(signals), stateful=True, metadata=True)
    publish_dead_letters(signal_rows, dlq_topic)
    signal_rows.sink(sink)

    if instance == 0:  # one ticker per pipeline is enough, however many instances share its partitions
        start_live_ticks(settings, connection, mode)
    return app


def start_live_ticks(settings: Settings, connection: BrokerConnection, mode: RunMode) -> Ticker | None:
    """Live only: wall-clock ticks into every partition of the sales and inventory topics (the
    signals stage has no clock)."""
    return start_live_ticker(settings, connection, mode, [settings.topics.sales, settings.topics.inventory])
