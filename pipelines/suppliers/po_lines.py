"""Purchase order state keyed by poId: its lines (by SKU) matched with receipts, ASNs and rejections.

Pure functions over plain data; the rules (due, in full, OTIF, status …) are those of
:mod:`~supplylake.pipelines.suppliers.definitions`. Everything is in event time (epoch ms).

Events
    ``po.created`` creates the PO's lines (two lines of the same SKU are one line: quantities
    added, unit cost quantity-weighted). ``inventory.received`` with a ``poId`` is a receipt,
    matched by poId + SKU; ``quality.rejected`` adds a rejected quantity and raises
    ``QUALITY_REJECT``; ``asn.sent`` sets ``asn_expected_at`` on every line it lists (when several
    ASNs list a line, the one with the latest event time wins, ties by asnId). A receipt,
    rejection or ASN line whose SKU is not on the PO is an :class:`UnmatchedEvent` with reason
    ``sku_not_on_po``; nothing is dropped silently.

Duplicates
    ``eventId`` is the idempotency key: the last :data:`MAX_SEEN_EVENT_IDS` event ids of a PO are
    remembered and a repeat among them changes nothing (``duplicates`` counts it). A second
    ``po.created`` with another event id is ignored (``ignored_po_created`` counts it): the
    first one to arrive defines the PO.

Events before their PO
    Receipts, rejections and ASNs arrive on other topics than ``po.created`` and may come first.
    They are held in the PO's state, at most :data:`MAX_HELD_EVENTS` (the earliest in event time
    is let go first, as an unmatched event with reason ``hold_full``), and applied in event-time
    order when the ``po.created`` arrives. :func:`expire_held` lets go of the ones held for
    ``hold_ms`` of event time without a PO: each becomes an unmatched event with reason
    ``no_po_within_hold`` (an ASN one per line it lists).

Deadlines
    :func:`due_deadlines` says when something must be decided without any input: OTIF at due, the
    due + grace deadline of each line, the expiry of held events. :func:`fire_deadlines` (which
    the timer service calls with no event) decides them:

    * OTIF at due, if the line had not completed earlier (completion decides it at once);
    * at due + grace, ``PO_LATE`` once per line that had not completed by due + grace, judged in
      event time: a line completed only after due + grace (even by a receipt that arrived before
      the deadline fired) still gets its ``PO_LATE``;
    * at due + grace the line is closed: a line not in full becomes ``SHORT_CLOSED`` and raises
      ``PO_SHORT`` (accepted < ordered); so does a closed line a later rejection takes out of in
      full, once per line.

    ``PO_OVER`` fires once per line, when a receipt makes received > ordered × (1 + over
    tolerance), at the event time at which the received quantity crossed that limit.

Order independence
    Quantities, first and last receipt, completion, status, lead time, the ASN in effect and
    which alerts fire depend only on the set of events seen (and on which deadlines fired), not
    on the order they arrived in: receipts and rejections are kept per line in event-time order
    and every judgement walks them in that order. Where a decision has been published it cannot
    follow an event that arrives after it, and the order matters:

    * a decided OTIF is frozen: a receipt stamped before due that arrives after OTIF was decided
      0, or a rejection stamped before the completion that arrives after OTIF was decided 1,
      changes quantities and status but not the OTIF;
    * a ``PO_LATE`` that fired stays fired when a receipt stamped before due + grace arrives
      after it, and ``PO_SHORT`` is judged on the receipts seen when the deadline fires (a
      receipt stamped after due + grace that arrives before the deadline fires prevents it);
    * the raised-at time of ``PO_OVER`` is the crossing among the receipts seen when it fired;
    * a held event is matched only if its ``po.created`` arrives before the hold expires;
    * the first ``po.created`` to arrive wins;
    * a copy of an event arriving after :data:`MAX_SEEN_EVENT_IDS` newer events of its PO is
      applied again, and a line with more than :data:`MAX_LINE_MOVEMENTS` receipts (or
      rejections) merges its second and third oldest (keeping the totals and the first receipt;
      the completion can only move later, to the merged entry's time).

Stored form
    :class:`PoState` ``to_dict()``/``from_dict()`` through the derived codec
    (:mod:`~supplylake.pipelines.state_codec`). A PO with a few lines and receipts stores a few
    hundred bytes plus its remembered event ids.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any, ClassVar

from supplylake.contracts.inventory import InventoryReceived
from supplylake.contracts.registry import event_type_of
from supplylake.contracts.suppliers import AsnSent, PoCreated, QualityRejected
from supplylake.event_time import DAY_MS, to_epoch_ms
from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.state_codec import StoredState
from supplylake.pipelines.suppliers.alerts import (
    ENTITY_PO_LINE,
    PO_LATE,
    PO_OVER,
    PO_SHORT,
    QUALITY_REJECT,
    Alert,
    po_line_entity_id,
)
from supplylake.pipelines.suppliers.definitions import (
    DEFAULT_DEFINITIONS,
    LineStatus,
    SupplierDefinitions,
    SupplierError,
)

PO_CREATED = event_type_of(PoCreated)
ASN_SENT = event_type_of(AsnSent)
QUALITY_REJECTED = event_type_of(QualityRejected)
RECEIVED = event_type_of(InventoryReceived)
PO_EVENT_TYPES: frozenset[str] = frozenset({PO_CREATED, ASN_SENT, QUALITY_REJECTED, RECEIVED})

MAX_SEEN_EVENT_IDS = 64
"""Event ids remembered per PO to recognise duplicates."""
MAX_HELD_EVENTS = 64
"""Events held per PO while its po.created has not arrived."""
MAX_LINE_MOVEMENTS = 100
"""Receipts (and, separately, rejections) kept per line before the oldest are merged."""

LINE_FACT_COLUMNS: tuple[str, ...] = (
    "po_id",
    "sku",
    "supplier_id",
    "warehouse_id",
    "ordered_qty",
    "unit_cost",
    "po_created_at",
    "promised_at",
    "due_at",
    "asn_expected_at",
    "received_qty",
    "rejected_qty",
    "accepted_qty",
    "first_receipt_at",
    "last_receipt_at",
    "status",
    "on_time",
    "in_full",
    "otif",
    "lead_time_days",
    "fill_rate",
    "definition_version",
)
"""The keys of :func:`line_fact`, in order (times are epoch ms)."""

# (event_time_ms, quantity) of one receipt or rejection.
Movement = tuple[int, int]


class PoStateError(SupplierError):
    """A stored PO state cannot be read back."""


class UnmatchedReason(StrEnum):
    SKU_NOT_ON_PO = "sku_not_on_po"
    NO_PO_WITHIN_HOLD = "no_po_within_hold"
    HOLD_FULL = "hold_full"


@dataclass(frozen=True)
class PoEventLine:
    """A line of a po.created (with its unit cost) or of an asn.sent."""

    sku: str
    quantity: int
    unit_cost: float | None = None


@dataclass(frozen=True)
class PoEvent:
    """A po.created, asn.sent, quality.rejected or PO receipt, reduced to what PO lines depend on."""

    event_id: str
    event_type: str
    event_time_ms: int
    po_id: str
    supplier_id: str | None = None
    warehouse_id: str | None = None
    sku: str | None = None
    """Receipts and rejections."""
    quantity: int = 0
    """Receipts and rejections."""
    unit_cost: float | None = None
    """Receipts (informational: the PO's unit cost is the line's)."""
    reason: str | None = None
    """Rejections."""
    promised_at_ms: int | None = None
    """po.created."""
    expected_arrival_ms: int | None = None
    """asn.sent."""
    asn_id: str | None = None
    lines: tuple[PoEventLine, ...] = ()
    """po.created and asn.sent."""

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.event_time_ms, self.event_id)

    @classmethod
    def from_contract(cls, event: Any) -> PoEvent | None:
        """Adapt a validated supplier or inventory contract model (duck-typed). None when the
        event is not about a PO (a lead time change, a receipt without poId, other inventory)."""
        event_type = event.event_type
        po_id = getattr(event, "po_id", None)
        if event_type not in PO_EVENT_TYPES or not po_id:
            return None
        common: dict[str, Any] = {
            "event_id": event.event_id,
            "event_type": event_type,
            "event_time_ms": event.event_time_ms,
            "po_id": po_id,
            "supplier_id": getattr(event, "supplier_id", None),
            "warehouse_id": getattr(event, "warehouse_id", None),
        }
        if event_type == PO_CREATED:
            return cls(
                **common,
                promised_at_ms=to_epoch_ms(event.promised_date),
                lines=tuple(PoEventLine(line.sku, line.quantity, float(line.unit_cost)) for line in event.lines),
            )
        if event_type == ASN_SENT:
            return cls(
                **common,
                asn_id=event.asn_id,
                expected_arrival_ms=to_epoch_ms(event.expected_arrival),
                lines=tuple(PoEventLine(line.sku, line.quantity) for line in event.lines),
            )
        unit_cost = getattr(event, "unit_cost", None)
        return cls(
            **common,
            sku=event.sku,
            quantity=event.quantity,
            unit_cost=None if unit_cost is None else float(unit_cost),
            reason=getattr(event, "reason", None),
        )


@dataclass(frozen=True)
class UnmatchedEvent:
    """A receipt, rejection or ASN line that belongs to no PO line (see :class:`UnmatchedReason`)."""

    event_id: str
    event_type: str
    event_time_ms: int
    po_id: str
    sku: str | None
    quantity: int
    reason: str
    supplier_id: str | None = None
    warehouse_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PoLineState:
    """One line of a PO: what was ordered, and every receipt and rejection in event-time order."""

    sku: str
    ordered_qty: int
    unit_cost: float
    receipts: tuple[Movement, ...] = ()
    """(event_time_ms, quantity), sorted."""
    rejections: tuple[Movement, ...] = ()
    """(event_time_ms, quantity), sorted."""
    asn_expected_at_ms: int | None = None
    asn_sent_at_ms: int | None = None
    """Event time of the ASN in effect."""
    asn_id: str | None = None
    otif: int | None = None
    """1 or 0 once decided, then frozen."""
    otif_decided_at_ms: int | None = None
    grace_expired: bool = False
    """The due + grace deadline fired: a line not in full is closed short."""
    late_alerted: bool = False
    short_alerted: bool = False
    over_alerted: bool = False

    @property
    def received_qty(self) -> int:
        return sum(quantity for _, quantity in self.receipts)

    @property
    def rejected_qty(self) -> int:
        return sum(quantity for _, quantity in self.rejections)

    @property
    def accepted_qty(self) -> int:
        return max(0, self.received_qty - self.rejected_qty)

    @property
    def first_receipt_at_ms(self) -> int | None:
        return self.receipts[0][0] if self.receipts else None

    @property
    def last_receipt_at_ms(self) -> int | None:
        return self.receipts[-1][0] if self.receipts else None

    def completed_at_ms(self, definitions: SupplierDefinitions) -> int | None:
        """The first event time at which the line was in full (receipts before rejections at the
        same millisecond); None when it never was."""
        walk = sorted(
            [(at, 0, quantity) for at, quantity in self.receipts]
            + [(at, 1, -quantity) for at, quantity in self.rejections]
        )
        accepted = 0
        for at, _, change in walk:
            accepted += change
            if change > 0 and definitions.in_full(accepted, self.ordered_qty):
                return at
        return None

    def over_at_ms(self, definitions: SupplierDefinitions) -> int | None:
        """The event time of the receipt that took received over the over limit, or None."""
        received = 0
        for at, quantity in self.receipts:
            received += quantity
            if definitions.over(received, self.ordered_qty):
                return at
        return None

    def status(self, definitions: SupplierDefinitions) -> LineStatus:
        received = self.received_qty
        return definitions.status(
            received=received,
            accepted=max(0, received - self.rejected_qty),
            ordered=self.ordered_qty,
            grace_expired=self.grace_expired,
        )


@dataclass(frozen=True)
class PoState(StoredState):
    """Everything known about one PO. Its lines exist once its po.created arrived; before that it
    only holds the events that came first."""

    po_id: str
    created_event_id: str | None = None
    created_at_ms: int | None = None
    """Event time of the po.created."""
    supplier_id: str | None = None
    warehouse_id: str | None = None
    promised_at_ms: int | None = None
    lines: Mapping[str, PoLineState] = field(default_factory=dict)
    """By SKU, in SKU order."""
    held: tuple[PoEvent, ...] = ()
    """Events waiting for the po.created, in (event time, event id) order."""
    seen_event_ids: tuple[str, ...] = ()
    """The most recent event ids, oldest first."""
    duplicates: int = 0
    ignored_po_created: int = 0

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[SupplierError]] = PoStateError

    @property
    def created(self) -> bool:
        return self.created_at_ms is not None

    def check_stored(self) -> None:
        if self.held and self.created:
            raise PoStateError(f"stored PO {self.po_id!r} holds events although its po.created was applied")
        if any(a.sort_key >= b.sort_key for a, b in pairwise(self.held)):
            raise PoStateError(f"stored PO {self.po_id!r} holds events out of event-time order")
        for sku, line in self.lines.items():
            if line.sku != sku:
                raise PoStateError(f"stored PO {self.po_id!r} keeps line {line.sku!r} under {sku!r}")
            for movements in (line.receipts, line.rejections):
                if any(quantity <= 0 for _, quantity in movements) or list(movements) != sorted(movements):
                    raise PoStateError(f"stored PO line {self.po_id}:{sku} has unsorted or empty movements")


@dataclass(frozen=True)
class PoOutcome:
    """What one event did. ``changed_skus``: the lines whose fact changed."""

    duplicate: bool = False
    held: bool = False
    ignored: bool = False
    """A second po.created."""
    changed_skus: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = ()
    unmatched: tuple[UnmatchedEvent, ...] = ()


def apply_po_event(
    state: PoState | None,
    event: PoEvent,
    definitions: SupplierDefinitions = DEFAULT_DEFINITIONS,
    *,
    max_seen_event_ids: int = MAX_SEEN_EVENT_IDS,
    max_held_events: int = MAX_HELD_EVENTS,
) -> tuple[PoState, PoOutcome]:
    """Fold one event into its PO's state; never mutates ``state``. See the module docstring."""
    if event.event_type not in PO_EVENT_TYPES:
        raise ValueError(f"{event.event_type!r} is not a purchase order event")
    if state is None:
        state = PoState(po_id=event.po_id)
    elif state.po_id != event.po_id:
        raise ValueError(f"event for PO {event.po_id!r} applied to the state of {state.po_id!r}")
    if event.event_id in state.seen_event_ids:
        return evolve(state, duplicates=state.duplicates + 1), PoOutcome(duplicate=True)
    s = evolve(state, seen_event_ids=(*state.seen_event_ids, event.event_id)[-max_seen_event_ids:])

    if event.event_type == PO_CREATED:
        if s.created:
            return evolve(s, ignored_po_created=s.ignored_po_created + 1), PoOutcome(ignored=True)
        held = s.held
        s = _create(evolve(s, held=()), event)
        alerts: list[Alert] = []
        unmatched: list[UnmatchedEvent] = []
        for waiting in held:
            s = _apply_to_lines(s, waiting, definitions, alerts, unmatched)
        return s, PoOutcome(changed_skus=tuple(s.lines), alerts=tuple(alerts), unmatched=tuple(unmatched))

    if not s.created:
        held_list = list(s.held)
        insort(held_list, event, key=_sort_key)
        released: tuple[UnmatchedEvent, ...] = ()
        if len(held_list) > max_held_events:
            released = _unmatched(held_list.pop(0), UnmatchedReason.HOLD_FULL)
        s = evolve(s, held=tuple(held_list))
        return s, PoOutcome(held=event in s.held, unmatched=released)

    alerts = []
    unmatched = []
    new = _apply_to_lines(s, event, definitions, alerts, unmatched)
    return new, PoOutcome(changed_skus=_changed(s, new), alerts=tuple(alerts), unmatched=tuple(unmatched))


@dataclass(frozen=True)
class DeadlineOutcome:
    """What firing the deadlines up to some time did."""

    changed_skus: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = ()
    unmatched: tuple[UnmatchedEvent, ...] = ()


def due_deadlines(state: PoState, definitions: SupplierDefinitions = DEFAULT_DEFINITIONS) -> tuple[int, ...]:
    """The event times, ascending, at which :func:`fire_deadlines` has something to decide:
    OTIF at due (lines not decided yet), due + grace (lines not closed yet), held events' expiry."""
    times = {event.event_time_ms + definitions.hold_ms for event in state.held}
    if state.promised_at_ms is not None:
        for line in state.lines.values():
            if line.otif is None:
                times.add(definitions.due_at(state.promised_at_ms))
            if not line.grace_expired:
                times.add(definitions.late_at(state.promised_at_ms))
    return tuple(sorted(times))


def fire_deadlines(
    state: PoState, now_ms: int, definitions: SupplierDefinitions = DEFAULT_DEFINITIONS
) -> tuple[PoState, DeadlineOutcome]:
    """Decide everything due at or before ``now_ms`` (event time), with no input: expire held
    events, decide OTIF at due, raise PO_LATE / close short (PO_SHORT) at due + grace."""
    s, unmatched = expire_held(state, now_ms, definitions)
    if not s.created or s.promised_at_ms is None:
        return s, DeadlineOutcome(unmatched=unmatched)
    due = definitions.due_at(s.promised_at_ms)
    late_at = definitions.late_at(s.promised_at_ms)
    alerts: list[Alert] = []
    lines = dict(s.lines)
    for sku, line in s.lines.items():
        if line.otif is None and now_ms >= due:
            completed = line.completed_at_ms(definitions)
            line = evolve(line, otif=int(completed is not None and completed <= due), otif_decided_at_ms=due)
        if not line.grace_expired and now_ms >= late_at:
            line = evolve(line, grace_expired=True)
            completed = line.completed_at_ms(definitions)
            if not line.late_alerted and (completed is None or completed > late_at):
                alerts.append(_line_alert(s, line, PO_LATE, late_at, definitions, completed_at_ms=completed))
                line = evolve(line, late_alerted=True)
            line = _evaluate(s, line, late_at, definitions, alerts)
        lines[sku] = line
    new = evolve(s, lines=lines)
    return new, DeadlineOutcome(changed_skus=_changed(s, new), alerts=tuple(alerts), unmatched=unmatched)


def expire_held(
    state: PoState, now_ms: int, definitions: SupplierDefinitions = DEFAULT_DEFINITIONS
) -> tuple[PoState, tuple[UnmatchedEvent, ...]]:
    """Let go of the events held for ``hold_ms`` (event time) without their po.created: each is
    unmatched with reason ``no_po_within_hold``."""
    expired = [event for event in state.held if event.event_time_ms + definitions.hold_ms <= now_ms]
    if not expired:
        return state, ()
    kept = tuple(event for event in state.held if event.event_time_ms + definitions.hold_ms > now_ms)
    unmatched = tuple(u for event in expired for u in _unmatched(event, UnmatchedReason.NO_PO_WITHIN_HOLD))
    return evolve(state, held=kept), unmatched


def line_fact(state: PoState, sku: str, definitions: SupplierDefinitions = DEFAULT_DEFINITIONS) -> dict[str, Any]:
    """The PO line fact (keys :data:`LINE_FACT_COLUMNS`) of one line, as of the events seen."""
    line = state.lines[sku]
    promised = state.promised_at_ms
    due = None if promised is None else definitions.due_at(promised)
    received = line.received_qty
    rejected = line.rejected_qty
    accepted = max(0, received - rejected)
    first_receipt = line.first_receipt_at_ms
    on_time: bool | None = None
    in_full: bool | None = None
    if line.otif is not None and due is not None:
        completed = line.completed_at_ms(definitions)
        deciding_receipt = completed if completed is not None else line.last_receipt_at_ms
        on_time = deciding_receipt is not None and deciding_receipt <= due
        in_full = definitions.in_full(accepted, line.ordered_qty)
    lead_time_days = None
    if first_receipt is not None and state.created_at_ms is not None:
        lead_time_days = (first_receipt - state.created_at_ms) / DAY_MS
    fact = {
        "po_id": state.po_id,
        "sku": sku,
        "supplier_id": state.supplier_id,
        "warehouse_id": state.warehouse_id,
        "ordered_qty": line.ordered_qty,
        "unit_cost": line.unit_cost,
        "po_created_at": state.created_at_ms,
        "promised_at": promised,
        "due_at": due,
        "asn_expected_at": line.asn_expected_at_ms,
        "received_qty": received,
        "rejected_qty": rejected,
        "accepted_qty": accepted,
        "first_receipt_at": first_receipt,
        "last_receipt_at": line.last_receipt_at_ms,
        "status": line.status(definitions).value,
        "on_time": on_time,
        "in_full": in_full,
        "otif": line.otif,
        "lead_time_days": lead_time_days,
        "fill_rate": min(accepted, line.ordered_qty) / line.ordered_qty,
        "definition_version": definitions.definition_version,
    }
    return fact


def line_facts(state: PoState, definitions: SupplierDefinitions = DEFAULT_DEFINITIONS) -> list[dict[str, Any]]:
    """The facts of every line of the PO, in SKU order."""
    return [line_fact(state, sku, definitions) for sku in state.lines]


# -- transitions ------------------------------------------------------------------------------


def _create(s: PoState, event: PoEvent) -> PoState:
    ordered: dict[str, int] = {}
    cost: dict[str, float] = {}
    for po_line in event.lines:
        ordered[po_line.sku] = ordered.get(po_line.sku, 0) + po_line.quantity
        cost[po_line.sku] = cost.get(po_line.sku, 0.0) + po_line.quantity * (po_line.unit_cost or 0.0)
    lines = {
        sku: PoLineState(sku=sku, ordered_qty=quantity, unit_cost=cost[sku] / quantity)
        for sku, quantity in sorted(ordered.items())
    }
    return evolve(
        s,
        created_event_id=event.event_id,
        created_at_ms=event.event_time_ms,
        supplier_id=event.supplier_id,
        warehouse_id=event.warehouse_id,
        promised_at_ms=event.promised_at_ms,
        lines=lines,
    )


def _apply_to_lines(
    s: PoState,
    event: PoEvent,
    definitions: SupplierDefinitions,
    alerts: list[Alert],
    unmatched: list[UnmatchedEvent],
) -> PoState:
    """Apply a receipt, rejection or ASN to a created PO; appends what it raised."""
    if event.event_type == ASN_SENT:
        return _apply_asn(s, event, unmatched)
    line = s.lines.get(event.sku or "")
    if line is None:
        unmatched.extend(_unmatched(event, UnmatchedReason.SKU_NOT_ON_PO))
        return s
    movement = (event.event_time_ms, event.quantity)
    if event.event_type == RECEIVED:
        line = evolve(line, receipts=_add_movement(line.receipts, movement))
    else:
        line = evolve(line, rejections=_add_movement(line.rejections, movement))
        alerts.append(
            _line_alert(
                s,
                line,
                QUALITY_REJECT,
                event.event_time_ms,
                definitions,
                source_id=event.event_id,
                warehouse_id=event.warehouse_id or s.warehouse_id,
                quantity=event.quantity,
                reason=event.reason,
                source_event_id=event.event_id,
            )
        )
    line = _evaluate(s, line, event.event_time_ms, definitions, alerts)
    return evolve(s, lines={**s.lines, line.sku: line})


def _apply_asn(s: PoState, event: PoEvent, unmatched: list[UnmatchedEvent]) -> PoState:
    lines = dict(s.lines)
    for asn_line in event.lines:
        line = lines.get(asn_line.sku)
        if line is None:
            unmatched.append(_unmatched_line(event, asn_line, UnmatchedReason.SKU_NOT_ON_PO))
            continue
        newer = line.asn_sent_at_ms is None or (event.event_time_ms, event.asn_id or "") > (
            line.asn_sent_at_ms,
            line.asn_id or "",
        )
        if newer:
            lines[asn_line.sku] = evolve(
                line,
                asn_expected_at_ms=event.expected_arrival_ms,
                asn_sent_at_ms=event.event_time_ms,
                asn_id=event.asn_id,
            )
    return evolve(s, lines=lines)


def _evaluate(
    s: PoState, line: PoLineState, at_ms: int, definitions: SupplierDefinitions, alerts: list[Alert]
) -> PoLineState:
    """The decisions an event (or the due + grace deadline, at ``at_ms``) can take on one line:
    OTIF at completion, PO_OVER, PO_SHORT once the line is closed."""
    if s.promised_at_ms is None:
        return line
    due = definitions.due_at(s.promised_at_ms)
    if line.otif is None:
        completed = line.completed_at_ms(definitions)
        if completed is not None and completed <= due:
            line = evolve(line, otif=1, otif_decided_at_ms=completed)
    if not line.over_alerted:
        over_at = line.over_at_ms(definitions)
        if over_at is not None:
            alerts.append(_line_alert(s, line, PO_OVER, over_at, definitions))
            line = evolve(line, over_alerted=True)
    if line.grace_expired and not line.short_alerted and line.status(definitions) is LineStatus.SHORT_CLOSED:
        raised_at = max(at_ms, definitions.late_at(s.promised_at_ms))
        alerts.append(_line_alert(s, line, PO_SHORT, raised_at, definitions))
        line = evolve(line, short_alerted=True)
    return line


def _line_alert(
    s: PoState,
    line: PoLineState,
    alert_type: str,
    raised_at_ms: int,
    definitions: SupplierDefinitions,
    *,
    source_id: str | None = None,
    warehouse_id: str | None = None,
    **extra: Any,
) -> Alert:
    """An alert about one PO line; its id is per (line, type) unless ``source_id`` says otherwise."""
    promised = s.promised_at_ms if s.promised_at_ms is not None else 0
    received, rejected = line.received_qty, line.rejected_qty
    details: dict[str, Any] = {
        "po_id": s.po_id,
        "sku": line.sku,
        "supplier_id": s.supplier_id,
        "ordered_qty": line.ordered_qty,
        "received_qty": received,
        "rejected_qty": rejected,
        "accepted_qty": max(0, received - rejected),
        "promised_at_ms": s.promised_at_ms,
        "due_at_ms": definitions.due_at(promised),
        "definition_version": definitions.definition_version,
    }
    if alert_type == PO_LATE:
        details["late_at_ms"] = definitions.late_at(promised)
        details["grace_ms"] = definitions.po_late_grace_ms
    elif alert_type == PO_SHORT:
        details["late_at_ms"] = definitions.late_at(promised)
        details["shortfall_qty"] = line.ordered_qty - max(0, received - rejected)
    elif alert_type == PO_OVER:
        details["over_qty"] = received - line.ordered_qty
        details["over_tolerance"] = definitions.over_tolerance
    details.update(extra)
    return Alert.create(
        source_id=source_id or f"po_line:{s.po_id}:{line.sku}",
        alert_type=alert_type,
        entity_type=ENTITY_PO_LINE,
        entity_id=po_line_entity_id(s.po_id, line.sku),
        raised_at_ms=raised_at_ms,
        warehouse_id=warehouse_id or s.warehouse_id,
        sku=line.sku,
        details=details,
    )


def _add_movement(movements: tuple[Movement, ...], movement: Movement) -> tuple[Movement, ...]:
    kept = list(movements)
    insort(kept, movement)
    if len(kept) > MAX_LINE_MOVEMENTS:
        # Merge the second and third oldest at the later time: the totals and the first receipt
        # stay exact, and no quantity is ever counted earlier than it arrived.
        (_, first_qty), (second_at, second_qty) = kept[1], kept[2]
        kept[1:3] = [(second_at, first_qty + second_qty)]
    return tuple(kept)


def _unmatched(event: PoEvent, reason: UnmatchedReason) -> tuple[UnmatchedEvent, ...]:
    if event.event_type == ASN_SENT:
        return tuple(_unmatched_line(event, asn_line, reason) for asn_line in event.lines)
    return (
        UnmatchedEvent(
            event_id=event.event_id,
            event_type=event.event_type,
            event_time_ms=event.event_time_ms,
            po_id=event.po_id,
            sku=event.sku,
            quantity=event.quantity,
            reason=reason.value,
            supplier_id=event.supplier_id,
            warehouse_id=event.warehouse_id,
        ),
    )


def _unmatched_line(event: PoEvent, asn_line: PoEventLine, reason: UnmatchedReason) -> UnmatchedEvent:
    return UnmatchedEvent(
        event_id=event.event_id,
        event_type=event.event_type,
        event_time_ms=event.event_time_ms,
        po_id=event.po_id,
        sku=asn_line.sku,
        quantity=asn_line.quantity,
        reason=reason.value,
        supplier_id=event.supplier_id,
        warehouse_id=event.warehouse_id,
    )


def _changed(before: PoState, after: PoState) -> tuple[str, ...]:
    return tuple(sku for sku, line in after.lines.items() if before.lines.get(sku) != line)


def _sort_key(event: PoEvent) -> tuple[int, str]:
    return event.sort_key
