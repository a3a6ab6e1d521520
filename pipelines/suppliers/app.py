"""The supplier pipeline: `supplier-events` + the PO receipts of `inventory-events`, re-keyed by
poId -> PO line facts, PO alerts -> re-keyed by supplierId -> supplier metrics -> lake.

Thin Quix wiring around the pure functions of ``po_lines`` and ``metrics``. Why two internal
topics, as the orders pipeline does with one (see pipelines/orders/app.py for the reasons):
`supplier-events` is keyed by supplierId and `inventory-events` by warehouse×SKU, but a PO
needs all its events in one partition's state, and a supplier's metrics need all its lines in
one. Rows are attributed to the offsets of the topic each stage reads, so no two stages (nor the
inventory pipeline, which also reads `inventory-events`) can claim the same offsets.

Stages:

1. `supplier-events` (stateless): validate; bad records -> dead letters (attributed to their
   `supplier-events` offsets). PO events go to ``<group>-suppliers-by-po`` keyed by poId,
   ``supplier.leadtime.changed`` to ``<group>-suppliers-by-supplier`` keyed by supplierId.
2. `inventory-events` (stateless): the receipts naming a poId go to the by-po topic. Everything
   else, and invalid records, is the inventory pipeline's (which dead-letters what is invalid).
3. by-po (state per poId, plus the partition's clock and timers): ``apply_po_event``; a row of
   `supplier_events` per supplier event applied, of `po_lines` per line it changed, of
   `unmatched_receipts` per event matching no line; alerts. Each changed line fact also goes on
   to the by-supplier topic. Each PO keeps one timer, at its next deadline
   (``po_lines.due_deadlines``); when it fires, ``fire_deadlines`` decides OTIF, PO_LATE, closing
   short and the hold's expiry with no further input.
4. by-supplier (state per supplier: the latest fact of each of its lines): after each fact, the
   supplier's metrics at its cut-off (``metrics.changed_metrics``: only the groups that can have
   changed are computed), a `supplier_metrics` row for each supplier × window (and
   supplier × SKU × window) whose figures changed, and the
   SUPPLIER_SLIPPING episode; a lead time change gives its `supplier_events` row and
   LEAD_TIME_CHANGED listing the supplier's open lines.

Time. Events reach a PO partition from two topics in whatever interleaving the broker and the
two forwarding stages produce, so the event times seen there say little about how far the
input has got. The partition clock therefore moves only with control records written into the
by-po topic itself: the end-of-replay watermark, which a bounded replay writes once every
pipeline has committed its sources (so every forwarded event is ahead of it; see
``orchestration.progress``), and, live, wall-clock ticks. Replays are deterministic: every
deadline of a replayed history fires at its end, judged in event time (a PO_LATE carries its
due + grace time, a receipt stamped before due counts as on time whenever it arrived).

The cut-off of a supplier's metrics (``as_of``) is the latest time any of its line facts was
judged at (the event time of the event that changed it, or the clock when a deadline fired),
so the latest `supplier_current` row equals a batch recomputation over `po_line_current` at that
``as_of`` (tests/integration/test_suppliers_pipeline.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson
from quixstreams import Application
from quixstreams.context import message_context
from quixstreams.state import State

from supplylake.broker.connection import BrokerConnection
from supplylake.contracts import InvalidEvent, parse_event
from supplylake.contracts.inventory import InventoryReceived
from supplylake.contracts.parse import refuse_duplicate_keys
from supplylake.contracts.suppliers import SupplierEvent, SupplierLeadTimeChanged
from supplylake.event_time import DAY_MS
from supplylake.lake.epoch_history import EpochHistory
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import (
    ALERTS,
    DEAD_LETTERS,
    PO_LINES,
    SUPPLIER_EVENTS,
    SUPPLIER_METRICS,
    UNMATCHED_RECEIPTS,
)
from supplylake.logs import get_logger
from supplylake.pipelines.control import InvalidControlRecord, Ticker, decode_control, is_control, start_live_ticker
from supplylake.pipelines.entity_state import RECORD_KEY, EntityRecord
from supplylake.pipelines.keyed_state import scoped_state
from supplylake.pipelines.outputs import WrongTopic, alert_row, publish_alerts, publish_dead_letters, rejected
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import build_application, drop_stale_state, json_topic, raw_topic
from supplylake.pipelines.state_cache import CheckpointStateCache
from supplylake.pipelines.state_codec import StoredState
from supplylake.pipelines.state_mirror import StateMirror
from supplylake.pipelines.suppliers.alerts import Alert, lead_time_changed_alert
from supplylake.pipelines.suppliers.definitions import LineStatus, SupplierDefinitions, SupplierError
from supplylake.pipelines.suppliers.metrics import MetricsPolicy, SlippingState, changed_metrics, slipping
from supplylake.pipelines.suppliers.po_lines import (
    RECEIVED,
    PoEvent,
    PoState,
    UnmatchedEvent,
    apply_po_event,
    due_deadlines,
    fire_deadlines,
    line_fact,
)
from supplylake.pipelines.suppliers.rows import metrics_row, po_line_row, supplier_event_row, unmatched_row
from supplylake.pipelines.suppliers.topics import PIPELINE, by_po_topic, by_supplier_topic
from supplylake.pipelines.timer_service import PartitionClock, PartitionTimers
from supplylake.pipelines.timers import Timer
from supplylake.settings import Settings

log = get_logger(__name__)

PARTITION_SCOPE = "\x00partition"
PO_SCOPE = "po:"
BOOK_KEY = "book"
DEADLINE = "deadline"
# Lines still waiting for goods: what a lead time change moves.
WAITING_STATUSES = frozenset({LineStatus.OPEN.value, LineStatus.PARTIAL.value})
# The measures of a metrics row, compared to tell whether its figures changed.
FIGURES = (
    "lines_due",
    "otif_rate",
    "on_time_rate",
    "in_full_rate",
    "fill_rate",
    "defect_rate",
    "lead_time_mean_days",
    "lead_time_p90_days",
    "lead_time_stddev_days",
    "open_lines",
    "late_open_lines",
    "spend",
)


def _text(raw: bytes) -> str:
    # The wire text travels as is, so `supplier_events.payload` keeps the exact bytes received.
    return raw.decode("utf-8")


# -- stages 1 and 2: forwarding ---------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    by_po: dict[str, str] | None = None
    by_supplier: dict[str, str] | None = None
    rejected: LakeRows | None = None


@dataclass
class SupplierIntake:
    """Stage 1: validate `supplier-events` records; route the good, dead-letter the bad."""

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
            if not isinstance(event, SupplierEvent):
                raise WrongTopic(event.event_type, ctx.topic, "a supplier")
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
        if isinstance(event, SupplierLeadTimeChanged):
            return Intake(by_supplier={"kind": "event", "supplierId": event.supplier_id, "event": _text(raw)})
        return Intake(by_po={"poId": event.po_id, "event": _text(raw)})  # type: ignore[attr-defined]


def forward_receipt(value: bytes | None, key: bytes | None, timestamp: int, headers: Any) -> dict[str, str] | None:
    """Stage 2: a receipt against a PO, from `inventory-events`, with its poId."""
    if value is None or is_control(headers):
        return None
    try:
        payload = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None  # the inventory pipeline dead-letters it
    # Most of this topic is not about POs: look before paying for validation.
    if not isinstance(payload, dict) or payload.get("eventType") != RECEIVED or not payload.get("poId"):
        return None
    try:
        refuse_duplicate_keys(value, payload)
        event = parse_event(payload)
    except InvalidEvent:
        return None  # the inventory pipeline dead-letters it
    if not isinstance(event, InventoryReceived) or event.po_id is None:
        return None
    return {"poId": event.po_id, "event": _text(value)}


# -- stage 3: per PO --------------------------------------------------------------------------


@dataclass
class _Po:
    view: State
    record: EntityRecord
    state: PoState | None


@dataclass
class _Pos:
    """POs touched since the last checkpoint (by their events, or a deadline that fired)."""

    base: State
    loaded: dict[str, _Po] = field(default_factory=dict)

    def get(self, po_id: str) -> _Po:
        found = self.loaded.get(po_id)
        if found is None:
            view = scoped_state(self.base, PO_SCOPE + po_id)
            record = EntityRecord.from_dict(view.get(RECORD_KEY))
            state = None if record.state is None else PoState.from_dict(record.state)
            found = self.loaded[po_id] = _Po(view, record, state)
        return found

    def save(self) -> None:
        for po in self.loaded.values():
            po.record.state = None if po.state is None else po.state.to_dict()
            po.view.set(RECORD_KEY, po.record.to_dict())


@dataclass
class _OpenPartition:
    clock: PartitionClock
    timers: PartitionTimers
    pos: _Pos


@dataclass
class PoResult:
    """What one by-po record gives: lake rows, and the line facts for the supplier stage."""

    rows: LakeRows
    facts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PoProcessor:
    """Stage 3: one re-keyed PO event (or a control record) -> PO state, lake rows, line facts."""

    cluster_id: str
    settings: Settings
    # What earlier broker epochs already stored (the state itself is seeded by the state mirror).
    history: EpochHistory = field(default_factory=EpochHistory)

    def __post_init__(self) -> None:
        self.definitions = SupplierDefinitions.from_settings(self.settings.suppliers)
        self._open: dict[int, _OpenPartition] = {}

    def __call__(self, value: Any, key: Any, timestamp: int, headers: Any, state: State) -> PoResult:
        ctx = message_context()
        now_wall = int(time.time() * 1000)
        opened = self._open.get(ctx.partition)
        if opened is None:
            partition = scoped_state(state, PARTITION_SCOPE)
            s = self.settings.shipments  # the live ticks' hold-back is shared with the shipments pipeline
            opened = self._open[ctx.partition] = _OpenPartition(
                PartitionClock(partition, allowed_lateness_ms=0, tick_holdback_ms=int(s.tick_holdback_s * 1000)),
                PartitionTimers(partition),
                _Pos(state),
            )
        result = PoResult(LakeRows())
        if is_control(headers):
            try:
                control = decode_control(headers, orjson.dumps(value))
            except InvalidControlRecord as exc:
                log.warning(
                    "ignored control record",
                    topic=ctx.topic,
                    partition=ctx.partition,
                    offset=ctx.offset,
                    error=str(exc),
                )
                result.rows.counters["invalid_control"] = 1
                return result
            if control is not None:
                result.rows.counters["control"] = 1
                self._fire_due(opened, opened.clock.observe_control(control), result, now_wall)
            return result

        raw = value["event"].encode("utf-8")
        try:
            event = parse_event(raw)
            parsed = PoEvent.from_contract(event)
            if parsed is None:
                raise WrongTopic(event.event_type, ctx.topic, "a purchase order")
        except (InvalidEvent, WrongTopic) as exc:  # validated before forwarding: only a bug gets here
            result.rows = rejected(
                cluster_id=self.cluster_id,
                raw=raw,
                key=None if key is None else str(key).encode(),
                error=exc,
                topic=ctx.topic,
                partition=ctx.partition,
                offset=ctx.offset,
                now_ms=now_wall,
            )
            return result
        if self.history.applied(event.event_id):
            # Already in the lake from an earlier broker epoch, and inside the seeded state.
            result.rows.counters["duplicates"] = 1
            return result
        po = opened.pos.get(parsed.po_id)
        after, outcome = apply_po_event(po.state, parsed, self.definitions)
        po.state = after
        if outcome.duplicate:
            result.rows.counters["duplicates"] = 1
            return result
        rows = result.rows
        rows.max_event_time_ms = parsed.event_time_ms
        if isinstance(event, SupplierEvent):
            rows.add(SUPPLIER_EVENTS.name, supplier_event_row(event, raw, now_wall))
        self._changed(
            po, outcome.changed_skus, parsed.event_type, parsed.event_id, parsed.event_time_ms, result, now_wall
        )
        self._emit(outcome.alerts, outcome.unmatched, rows, now_wall)
        self._schedule(po, opened.timers)
        self._fire_due(opened, opened.clock.now_ms, result, now_wall)
        return result

    def flush(self) -> None:
        """Write the partitions' clocks, timers and POs back to Quix state, once per checkpoint."""
        try:
            for opened in self._open.values():
                opened.pos.save()
                opened.timers.save()
                opened.clock.save()
        finally:
            self._open.clear()

    # -- deadlines ----------------------------------------------------------------------------

    def _schedule(self, po: _Po, timers: PartitionTimers) -> None:
        """Keep the PO's one timer at its next deadline (or none). Firing decides everything due
        by the clock, so what is left is later than the clock; a deadline already overdue when
        an event sets it (a PO promised for the past) fires with the next clock reading."""
        if po.state is None:
            return
        deadlines = due_deadlines(po.state, self.definitions)
        timer_id = PO_SCOPE + po.state.po_id
        if deadlines:
            timers.register(timer_id, po.state.po_id, DEADLINE, deadlines[0])
        else:
            timers.cancel(timer_id)

    def _fire_due(self, opened: _OpenPartition, now_ms: int | None, result: PoResult, now_wall: int) -> None:
        if now_ms is None:
            return
        for timer in opened.timers.due(now_ms):
            self._on_timer(opened, timer, now_ms, result, now_wall)

    def _on_timer(self, opened: _OpenPartition, timer: Timer, now_ms: int, result: PoResult, now_wall: int) -> None:
        """Decide the PO's deadlines up to ``now_ms`` one deadline at a time, each at its own time:
        what a deadline decides and the row it gives do not depend on how far the clock jumped
        (one watermark at the end of a history, or a tick every few seconds)."""
        po = opened.pos.get(timer.key)
        while po.state is not None:
            due = next(iter(due_deadlines(po.state, self.definitions)), None)
            if due is None or due > now_ms:
                break
            po.state, outcome = fire_deadlines(po.state, due, self.definitions)
            cause_id = f"{timer.timer_id}@{due}"
            self._changed(po, outcome.changed_skus, DEADLINE, cause_id, due, result, now_wall)
            self._emit(outcome.alerts, outcome.unmatched, result.rows, now_wall)
        self._schedule(po, opened.timers)

    # -- rows ---------------------------------------------------------------------------------

    def _changed(
        self,
        po: _Po,
        skus: Iterable[str],
        cause: str,
        cause_id: str,
        cause_ms: int,
        result: PoResult,
        now_wall: int,
    ) -> None:
        state = po.state
        if state is None:
            return
        for sku in skus:
            fact = line_fact(state, sku, self.definitions)
            result.rows.add(
                PO_LINES.name,
                po_line_row(
                    fact,
                    cause=cause,
                    cause_id=cause_id,
                    changed_at_ms=cause_ms,
                    revision=po.record.next_revision(),
                    now_ms=now_wall,
                ),
            )
            if fact["supplier_id"] is not None:
                result.facts.append({"kind": "fact", "supplierId": fact["supplier_id"], "at": cause_ms, "fact": fact})

    @staticmethod
    def _emit(alerts: Iterable[Alert], unmatched: Iterable[UnmatchedEvent], rows: LakeRows, now_wall: int) -> None:
        for alert in alerts:
            row = alert_row(alert)
            rows.add(ALERTS.name, row)
            rows.alerts.append(row)
        for event in unmatched:
            rows.add(UNMATCHED_RECEIPTS.name, unmatched_row(event, now_wall))


# -- stage 4: per supplier --------------------------------------------------------------------


class SupplierBookError(SupplierError):
    """A stored supplier book cannot be read back."""


@dataclass
class SupplierBook(StoredState):
    """What stage 4 keeps per supplier: the latest fact of each line, the figures last published."""

    supplier_id: str
    as_of_ms: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    """``<poId>|<sku>`` -> the line's latest fact."""
    published: dict[str, Any] = field(default_factory=dict)
    """``<sku or ''>|<window>`` -> the figures of the last row written."""
    slipping: SlippingState | None = None
    seen: list[str] = field(default_factory=list)
    """Recent lead time change event ids (duplicates)."""
    revision: int = 0
    next_change: dict[str, int | None] = field(default_factory=dict)
    """Group (SKU, ``''`` for the supplier) -> when its figures can next change with no new fact
    (``metrics.changed_metrics``); empty in a new book: every group is evaluated."""

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[SupplierError]] = SupplierBookError


@dataclass
class SupplierProcessor:
    """Stage 4: a line fact or a lead time change of one supplier -> metrics rows and alerts."""

    settings: Settings
    history: EpochHistory = field(default_factory=EpochHistory)

    def __post_init__(self) -> None:
        self.policy = MetricsPolicy.from_settings(self.settings.suppliers)
        self._books = CheckpointStateCache()

    def __call__(self, value: Any, key: Any, timestamp: int, headers: Any, state: State) -> LakeRows:
        ctx = message_context()
        now_wall = int(time.time() * 1000)
        supplier_id = value["supplierId"]
        book = self._book(ctx.partition, supplier_id, state)
        if value["kind"] == "fact":
            return self._fact(book, value["fact"], int(value["at"]), now_wall)
        raw = value["event"].encode("utf-8")
        event = parse_event(raw)
        if not isinstance(event, SupplierLeadTimeChanged):  # validated before forwarding: only a bug
            raise SupplierError(f"{event.event_type} reached the supplier stage")
        if self.history.applied(event.event_id) or event.event_id in book.seen:
            return LakeRows(counters={"duplicates": 1})
        book.seen = [*book.seen, event.event_id][-self.settings.shipments.dedupe_window :]
        rows = LakeRows(max_event_time_ms=event.event_time_ms)
        rows.add(SUPPLIER_EVENTS.name, supplier_event_row(event, raw, now_wall))
        alert = lead_time_changed_alert(
            event_id=event.event_id,
            supplier_id=supplier_id,
            event_time_ms=event.event_time_ms,
            previous_lead_time_days=float(event.previous_lead_time_days),
            new_lead_time_days=float(event.new_lead_time_days),
            reason=event.reason,
            open_lines=_waiting_lines(book, float(event.new_lead_time_days)),
        )
        row = alert_row(alert)
        rows.add(ALERTS.name, row)
        rows.alerts.append(row)
        return rows

    def flush(self) -> None:
        """Write the books changed since the last checkpoint back to Quix state."""
        self._books.flush()

    def _book(self, partition: int, supplier_id: str, state: State) -> SupplierBook:
        """The supplier's book, marked changed (every record of this stage changes it)."""
        book = self._books.get(partition, supplier_id, state, BOOK_KEY, SupplierBook.from_dict)
        if book is None:
            book = SupplierBook(supplier_id)
        self._books.set(partition, supplier_id, state, BOOK_KEY, book)
        return book

    def _fact(self, book: SupplierBook, fact: dict[str, Any], at_ms: int, now_wall: int) -> LakeRows:
        book.facts[f"{fact['po_id']}|{fact['sku']}"] = fact
        if book.as_of_ms is None or at_ms > book.as_of_ms:
            book.as_of_ms = at_ms
        rows = LakeRows(max_event_time_ms=book.as_of_ms)
        changed = changed_metrics(
            book.supplier_id, book.facts.values(), book.as_of_ms, (fact["sku"],), book.next_change, self.policy
        )
        for metrics in changed:
            figures = [getattr(metrics, name) for name in FIGURES]
            where = f"{metrics.sku or ''}|{metrics.period}"
            if book.published.get(where) != figures:
                book.published[where] = figures
                book.revision += 1
                rows.add(SUPPLIER_METRICS.name, metrics_row(metrics, revision=book.revision, now_ms=now_wall))
            if metrics.sku is None and metrics.period == self.policy.window_period:
                book.slipping, alert = slipping(book.slipping, metrics, self.policy)
                if alert is not None:
                    row = alert_row(alert)
                    rows.add(ALERTS.name, row)
                    rows.alerts.append(row)
        return rows


def _waiting_lines(book: SupplierBook, new_lead_time_days: float) -> list[dict[str, Any]]:
    """The supplier's lines still waiting for goods, with the arrival the new lead time implies."""
    return [
        {
            "po_id": fact["po_id"],
            "sku": fact["sku"],
            "status": fact["status"],
            "due_at_ms": fact["due_at"],
            "asn_expected_at_ms": fact["asn_expected_at"],
            "new_expected_at_ms": fact["po_created_at"] + round(new_lead_time_days * DAY_MS),
        }
        for _, fact in sorted(book.facts.items())
        if fact["status"] in WAITING_STATUSES and fact["po_created_at"] is not None
    ]


# -- the application --------------------------------------------------------------------------


def build(settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0) -> Application:
    """The supplier Quix application, ready to `run()`; in live mode it also starts the ticker."""
    drop_stale_state(settings, connection.cluster_id)
    app = build_application(PIPELINE, settings, connection, mode, instance)
    sink = LakeSink.for_tables(
        settings,
        cluster_id=connection.cluster_id,
        tables=(DEAD_LETTERS, SUPPLIER_EVENTS, PO_LINES, UNMATCHED_RECEIPTS, SUPPLIER_METRICS, ALERTS),
    )
    mirror = StateMirror.for_sink(app, PIPELINE, sink, settings, applied_in=(SUPPLIER_EVENTS,))
    pos = PoProcessor(cluster_id=connection.cluster_id, settings=settings, history=mirror.history)
    suppliers = SupplierProcessor(settings=settings, history=mirror.history)
    # In this order: cached state back to Quix, then this checkpoint's state changes to the lake.
    sink.before_flush += [pos.flush, suppliers.flush, mirror.commit]
    by_po = json_topic(app, by_po_topic(settings), settings)
    by_supplier = json_topic(app, by_supplier_topic(settings), settings)
    alerts_topic = json_topic(app, settings.topics.alerts, settings)
    dlq_topic = raw_topic(app, settings.topics.dead_letters, settings)

    # Stage 1: supplier-events.
    intake = app.dataframe(raw_topic(app, settings.topics.suppliers, settings))
    intake = intake.apply(SupplierIntake(cluster_id=connection.cluster_id, history=mirror.history), metadata=True)
    intake.filter(lambda i: i.by_po is not None).apply(lambda i: i.by_po).to_topic(
        by_po, key=lambda envelope: envelope["poId"]
    )
    intake.filter(lambda i: i.by_supplier is not None).apply(lambda i: i.by_supplier).to_topic(
        by_supplier, key=lambda envelope: envelope["supplierId"]
    )
    bad = intake.filter(lambda i: i.rejected is not None).apply(lambda i: i.rejected)
    bad.sink(sink)
    publish_dead_letters(bad, dlq_topic)

    # Stage 2: the PO receipts of inventory-events.
    receipts = app.dataframe(raw_topic(app, settings.topics.inventory, settings))
    receipts = receipts.apply(forward_receipt, metadata=True)
    receipts.filter(lambda envelope: envelope is not None).to_topic(by_po, key=lambda envelope: envelope["poId"])

    # Stage 3: per PO.
    lines = app.dataframe(by_po).apply(mirror.stateful(pos), stateful=True, metadata=True)
    lines.apply(lambda result: result.facts, expand=True).to_topic(
        by_supplier, key=lambda envelope: envelope["supplierId"]
    )
    po_rows = lines.apply(lambda result: mirror.replayed(result.rows))
    publish_alerts(po_rows, alerts_topic)
    publish_dead_letters(po_rows, dlq_topic)
    po_rows.sink(sink)

    # Stage 4: per supplier.
    metrics = app.dataframe(by_supplier).apply(mirror.stateful(suppliers), stateful=True, metadata=True)
    publish_alerts(metrics, alerts_topic)
    metrics.sink(sink)

    if instance == 0:  # one ticker per pipeline is enough, however many instances share its partitions
        start_live_ticks(settings, connection, mode)
    return app


def start_live_ticks(settings: Settings, connection: BrokerConnection, mode: RunMode) -> Ticker | None:
    """Live only: wall-clock ticks into every by-po partition (tick_interval_s says how often)."""
    return start_live_ticker(settings, connection, mode, [by_po_topic(settings)])
