"""Stock levels per warehouse×SKU: a pure, event-time state machine.

One :class:`StockState` belongs to one message key (``warehouseId:sku``). :func:`apply_event`
folds one :class:`StockEvent` into it and says which stock levels changed.

Event time, not arrival order
    The state keeps a *window* of recently applied events sorted by
    ``(event_time_ms, event_id)`` with the level after each, on top of a *base* level (everything
    older, folded). An event is applied at once — levels stay fresh, nothing waits for a
    watermark. An out-of-order event within the allowed lateness is inserted at its sorted
    position and every later event in the window is recomputed: its :class:`LevelChange` has
    ``revision=0`` and each later event whose level changed gets a correction with its revision
    incremented. The latest revision per ``event_id`` therefore equals what the sorted stream
    would have emitted.

Late events
    An event is *late* when it cannot be placed in event-time order: its event time is older
    than ``max_event_time_ms - allowed_lateness_ms``, or it sorts at or before the folded base
    (after :meth:`StockState.seeded`, or after the window cap forced a fold). A late event is
    still applied, as of now: it is placed after every event in the window (its *effective
    time* is the key's max event time at its arrival), its level change says ``is_late=True``
    and ``late_count`` goes up. Nothing is dropped.

Duplicates
    ``event_id`` is the idempotency key. Ids are remembered (with their effective time, in
    arrival order) while that time is within ``dedupe_horizon_ms`` of the key's max event time,
    and at most ``max_dedupe_ids`` of them (the earliest-arrived are forgotten first). A
    duplicate leaves levels, window and memory unchanged; only ``duplicate_count`` goes up.
    A copy arriving after its id was forgotten is applied again (as a late event).

Bounded size
    The window holds at most ``max_window_events`` events (default 1,000) and the id memory at
    most ``max_dedupe_ids`` ids (default 10,000), so ``json.dumps(to_dict())`` stays near
    ``max_dedupe_ids * (len(id) + 20) + max_window_events * (len(id) + 220)`` bytes: about
    0.8 MB with 36-character UUID ids at the defaults (hot keys only; a key with a few events a
    day holds a few KB). Both caps are keyword arguments of apply_event.

Stored form
    ``to_dict()``/``from_dict()`` come from the derived codec (:mod:`~supplylake.pipelines.state_codec`):
    the dataclass fields as JSON, strictly type-checked on the way back, then
    :meth:`StockState.check_stored` checks the window is in order, above the folded base, and
    that every level follows from the one before (so a corrupted level or event is refused).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from itertools import islice, pairwise
from typing import Any, ClassVar

from supplylake.contracts.inventory import (
    InventoryAdjusted,
    InventoryCounted,
    InventoryReceived,
    InventoryReleased,
    InventoryReserved,
    InventoryShipped,
)
from supplylake.contracts.registry import event_type_of
from supplylake.errors import FatalError
from supplylake.pipelines.inventory.policy import DEFAULT_INVENTORY_POLICY
from supplylake.pipelines.state_codec import StoredState

RECEIVED = event_type_of(InventoryReceived)
SHIPPED = event_type_of(InventoryShipped)
ADJUSTED = event_type_of(InventoryAdjusted)
COUNTED = event_type_of(InventoryCounted)
RESERVED = event_type_of(InventoryReserved)
RELEASED = event_type_of(InventoryReleased)
STOCK_EVENT_TYPES: frozenset[str] = frozenset({RECEIVED, SHIPPED, ADJUSTED, COUNTED, RESERVED, RELEASED})

# The settings' defaults (SUPPLYLAKE_INVENTORY__ALLOWED_LATENESS_S, __DEDUPE_HORIZON_S).
DEFAULT_ALLOWED_LATENESS_MS = DEFAULT_INVENTORY_POLICY.allowed_lateness_ms
DEFAULT_DEDUPE_HORIZON_MS = DEFAULT_INVENTORY_POLICY.dedupe_horizon_ms
MAX_DEDUPE_IDS = 10_000
MAX_WINDOW_EVENTS = 1_000

STATE_VERSION = 2
"""Format version of the stored stock state (1: hand-written positional format)."""

# (effective_time_ms, late_seq, event_id): the window's order. late_seq is 0 for events placed in
# event-time order, so they sort by (event_time_ms, event_id); a late event gets the key's late
# ordinal, which puts it after everything at its effective time, in arrival order.
SortKey = tuple[int, int, str]


class InventoryError(FatalError):
    """Base of the inventory domain's errors."""


class InvalidStockEventError(InventoryError):
    """A StockEvent was built from data the contracts layer should have rejected."""


class StockConfigError(InventoryError):
    """apply_event was called with limits that cannot work."""


class StockStateError(InventoryError):
    """A stored stock state cannot be read back."""


@dataclass(frozen=True, slots=True)
class StockEvent:
    """One validated inventory event, reduced to what the stock level depends on."""

    event_id: str
    event_type: str
    event_time_ms: int
    warehouse_id: str
    sku: str
    quantity: int

    def __post_init__(self) -> None:
        if self.event_type not in STOCK_EVENT_TYPES:
            raise InvalidStockEventError(
                f"unknown inventory event type {self.event_type!r} (event {self.event_id!r})",
                hint=f"expected one of {', '.join(sorted(STOCK_EVENT_TYPES))}",
            )
        if not isinstance(self.event_id, str) or not self.event_id:
            raise InvalidStockEventError("a stock event needs a non-empty string event_id")
        for name in ("event_time_ms", "quantity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidStockEventError(f"{name} of event {self.event_id!r} must be an int, got {value!r}")


@dataclass(frozen=True, slots=True)
class LevelChange:
    """The stock level of one key right after one event, in event-time order.

    A later LevelChange for the same ``event_id`` with a higher ``revision`` supersedes it (an
    out-of-order event was inserted before it).
    """

    event_id: str
    event_time_ms: int
    warehouse_id: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    is_late: bool
    revision: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StockOutcome:
    """What one apply_event call did.

    ``current`` is the key's level after the latest event in event-time order (what alerts are
    evaluated on); None for a duplicate.
    """

    duplicate: bool
    late: bool
    level_changes: tuple[LevelChange, ...] = ()
    current: LevelChange | None = None


@dataclass(frozen=True, slots=True)
class WindowEntry:
    """An applied event still open to recomputation, with the level after it."""

    event_id: str
    event_type: str
    event_time_ms: int
    quantity: int
    effective_time_ms: int
    late_seq: int
    on_hand: int
    reserved: int
    revision: int

    @property
    def sort_key(self) -> SortKey:
        return (self.effective_time_ms, self.late_seq, self.event_id)

    @property
    def is_late(self) -> bool:
        return self.late_seq > 0

    def level_change(self, warehouse_id: str, sku: str) -> LevelChange:
        return LevelChange(
            event_id=self.event_id,
            event_time_ms=self.event_time_ms,
            warehouse_id=warehouse_id,
            sku=sku,
            on_hand=self.on_hand,
            reserved=self.reserved,
            available=self.on_hand - self.reserved,
            is_late=self.is_late,
            revision=self.revision,
        )


# Ids per chunk of the dedupe memory. Only the last chunk is copied when an id is added, so
# adding costs O(chunk + chunks) instead of O(remembered ids).
SEEN_CHUNK = 256


@dataclass(frozen=True, eq=False)
class SeenIds:
    """Remembered event ids -> effective time, in arrival order; immutable, shared by copies.

    Equality compares the (id, time) sequence, not how it happens to be chunked. Stored as
    its chunks, JSON objects whose key order is the arrival order (orjson and json keep it).
    """

    chunks: tuple[Mapping[str, int], ...] = ()

    @classmethod
    def from_pairs(cls, ids: list[str], times: list[int]) -> SeenIds:
        chunks = tuple(
            dict(zip(ids[i : i + SEEN_CHUNK], times[i : i + SEEN_CHUNK], strict=True))
            for i in range(0, len(ids), SEEN_CHUNK)
        )
        return cls(chunks)

    def __contains__(self, event_id: object) -> bool:
        return any(event_id in chunk for chunk in self.chunks)

    def __len__(self) -> int:
        return sum(map(len, self.chunks))

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks:
            yield from chunk

    def items(self) -> Iterator[tuple[str, int]]:
        for chunk in self.chunks:
            yield from chunk.items()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SeenIds):
            return NotImplemented
        return list(self.items()) == list(other.items())

    __hash__ = None  # type: ignore[assignment]

    def remember(self, event_id: str, time_ms: int, *, cutoff_ms: int, cap: int) -> SeenIds:
        """Add one id, then forget ids behind ``cutoff_ms`` or over ``cap``.

        Forgetting goes from the earliest arrival forward and stops at the first id that is
        inside the horizon (and within the cap): an id is never forgotten while inside the
        horizon unless the cap forces it, and the scan stays short because arrival order is
        close to event-time order.
        """
        chunks = list(self.chunks)
        if chunks and len(chunks[-1]) < SEEN_CHUNK:
            last = dict(chunks[-1])
            last[event_id] = time_ms
            chunks[-1] = last
        else:
            chunks.append({event_id: time_ms})
        total = sum(map(len, chunks))
        while chunks:
            first = chunks[0]
            stale = 0
            for remembered_time in first.values():
                if remembered_time >= cutoff_ms and total - stale <= cap:
                    break
                stale += 1
            if stale == 0:
                break
            total -= stale
            if stale < len(first):
                chunks[0] = dict(islice(first.items(), stale, None))
                break
            del chunks[0]
        return SeenIds(tuple(chunks))


@dataclass(frozen=True)
class StockState(StoredState):
    """Per-key stock state. Treat as immutable: apply_event returns a new one.

    ``seen`` holds the remembered event ids with their effective time, in arrival order.
    ``floor`` is the sort key of the last event folded into the base (None when nothing was).
    """

    base_on_hand: int = 0
    base_reserved: int = 0
    max_event_time_ms: int | None = None
    floor: SortKey | None = None
    window: tuple[WindowEntry, ...] = ()
    seen: SeenIds = field(default_factory=SeenIds)
    late_count: int = 0
    duplicate_count: int = 0

    state_version: ClassVar[int] = STATE_VERSION
    state_error: ClassVar[type[InventoryError]] = StockStateError
    stored_properties: ClassVar[tuple[str, ...]] = ("on_hand", "reserved")

    @property
    def on_hand(self) -> int:
        return self.window[-1].on_hand if self.window else self.base_on_hand

    @property
    def reserved(self) -> int:
        return self.window[-1].reserved if self.window else self.base_reserved

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @classmethod
    def empty(cls) -> StockState:
        return cls()

    @classmethod
    def seeded(cls, on_hand: int, reserved: int, as_of_ms: int) -> StockState:
        """A state whose history up to and including ``as_of_ms`` is folded into the base.

        Used when a new broker epoch starts from the lake's latest level. Events at or before
        ``as_of_ms`` can no longer be placed in order, so they count as late; the ids of the
        folded history are not remembered.
        """
        for name, value in (("on_hand", on_hand), ("reserved", reserved), ("as_of_ms", as_of_ms)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise StockStateError(f"seeded stock {name} must be an int, got {value!r}")
        if reserved < 0:
            raise StockStateError(f"seeded reserved quantity is negative ({reserved})")
        # late_seq 1 with an empty id sorts after every in-order event at as_of_ms and before
        # any late event placed there (those have late_seq >= 1 and a non-empty id).
        return cls(
            base_on_hand=on_hand,
            base_reserved=reserved,
            max_event_time_ms=as_of_ms,
            floor=(as_of_ms, 1, ""),
        )

    def check_stored(self) -> None:
        """A decoded window must be in order, above its folded base, and add up."""
        keys = [entry.sort_key for entry in self.window]
        if any(a >= b for a, b in pairwise(keys)):
            raise StockStateError("stored stock window is not in event-time order", hint=_RESEED)
        if self.floor is not None and keys and keys[0] <= self.floor:
            raise StockStateError("stored stock window overlaps its folded base", hint=_RESEED)
        on_hand, reserved = self.base_on_hand, self.base_reserved
        for entry in self.window:
            if entry.event_type not in STOCK_EVENT_TYPES:
                raise StockStateError(
                    f"stored stock window has an unknown event type {entry.event_type!r}", hint=_RESEED
                )
            on_hand, reserved = effect(on_hand, reserved, entry.event_type, entry.quantity)
            if (on_hand, reserved) != (entry.on_hand, entry.reserved):
                raise StockStateError(
                    f"stored stock level after event {entry.event_id!r} does not follow from the one before",
                    hint=_RESEED,
                )


_RESEED = "the state is corrupt or was not written by StockState.to_dict; re-seed it (a new broker epoch does)"


def apply_event(
    state: StockState,
    event: StockEvent,
    *,
    allowed_lateness_ms: int = DEFAULT_ALLOWED_LATENESS_MS,
    dedupe_horizon_ms: int = DEFAULT_DEDUPE_HORIZON_MS,
    max_dedupe_ids: int = MAX_DEDUPE_IDS,
    max_window_events: int = MAX_WINDOW_EVENTS,
) -> tuple[StockState, StockOutcome]:
    """Apply one event to one key's state; never mutates ``state``.

    ``dedupe_horizon_ms`` shorter than ``allowed_lateness_ms`` is widened to it, so an event
    that can still be reordered is always still remembered.
    """
    _check_limits(allowed_lateness_ms, dedupe_horizon_ms, max_dedupe_ids, max_window_events)
    if event.event_id in state.seen:
        return replace(state, duplicate_count=state.duplicate_count + 1), StockOutcome(duplicate=True, late=False)

    max_seen = state.max_event_time_ms
    key: SortKey = (event.event_time_ms, 0, event.event_id)
    late = max_seen is not None and (
        event.event_time_ms < max_seen - allowed_lateness_ms or (state.floor is not None and key <= state.floor)
    )

    if late and max_seen is not None:
        late_count = state.late_count + 1
        entry = _entry(event, state.on_hand, state.reserved, effective=max_seen, late_seq=late_count)
        entries = list(state.window)
        entries.append(entry)
        changed = [entry]
        new_max = max_seen
    else:
        late_count = state.late_count
        new_max = event.event_time_ms if max_seen is None else max(max_seen, event.event_time_ms)
        pos = bisect_right(state.window, key, key=_sort_key)
        if pos and state.window[pos - 1].sort_key == key:
            # Same id and event time still in the window although the id memory forgot it
            # (only possible once max_dedupe_ids evicted it): still a duplicate.
            return replace(state, duplicate_count=state.duplicate_count + 1), StockOutcome(duplicate=True, late=False)
        entries, changed = _insert(state, event, pos)

    base_on_hand, base_reserved, floor = state.base_on_hand, state.base_reserved, state.floor
    cut = _fold_count(entries, new_max - allowed_lateness_ms, max_window_events)
    if cut:
        folded = entries[cut - 1]
        base_on_hand, base_reserved, floor = folded.on_hand, folded.reserved, folded.sort_key
        del entries[:cut]

    # A late event is remembered at its effective time (now), so a replayed batch of old
    # events is still recognised within the horizon after the first copy was applied.
    effective = new_max if late else event.event_time_ms
    seen = state.seen.remember(
        event.event_id,
        effective,
        cutoff_ms=new_max - max(dedupe_horizon_ms, allowed_lateness_ms),
        cap=max_dedupe_ids,
    )
    new_state = StockState(
        base_on_hand=base_on_hand,
        base_reserved=base_reserved,
        max_event_time_ms=new_max,
        floor=floor,
        window=tuple(entries),
        seen=seen,
        late_count=late_count,
        duplicate_count=state.duplicate_count,
    )
    wh, sku = event.warehouse_id, event.sku
    changes = tuple(e.level_change(wh, sku) for e in changed)
    last = entries[-1]
    current = changes[-1] if changed[-1] is last else last.level_change(wh, sku)
    return new_state, StockOutcome(duplicate=False, late=late, level_changes=changes, current=current)


def effect(on_hand: int, reserved: int, event_type: str, quantity: int) -> tuple[int, int]:
    """The (on_hand, reserved) level after one event of ``event_type`` on top of a level."""
    if event_type == RECEIVED:
        return on_hand + quantity, reserved
    if event_type == SHIPPED:
        return on_hand - quantity, reserved
    if event_type == ADJUSTED:
        return on_hand + quantity, reserved
    if event_type == COUNTED:
        return quantity, reserved
    if event_type == RESERVED:
        return on_hand, reserved + quantity
    if event_type == RELEASED:
        # Releasing more than is reserved (a duplicate release upstream, a lost reservation)
        # must not create negative reservations that inflate available stock.
        return on_hand, max(0, reserved - quantity)
    raise InvalidStockEventError(f"unknown inventory event type {event_type!r}")


def _insert(state: StockState, event: StockEvent, pos: int) -> tuple[list[WindowEntry], list[WindowEntry]]:
    """Insert an in-lateness event at ``pos`` and recompute the events after it."""
    window = state.window
    before = window[pos - 1] if pos else None
    prev_on_hand = before.on_hand if before else state.base_on_hand
    prev_reserved = before.reserved if before else state.base_reserved
    new = _entry(event, prev_on_hand, prev_reserved, effective=event.event_time_ms, late_seq=0)
    entries = list(window[:pos])
    entries.append(new)
    changed = [new]
    on_hand, reserved = new.on_hand, new.reserved
    for index in range(pos, len(window)):
        old = window[index]
        on_hand, reserved = effect(on_hand, reserved, old.event_type, old.quantity)
        if on_hand == old.on_hand and reserved == old.reserved:
            # Each level depends only on the previous one, so nothing after this changes.
            entries.extend(window[index:])
            break
        corrected = replace(old, on_hand=on_hand, reserved=reserved, revision=old.revision + 1)
        entries.append(corrected)
        changed.append(corrected)
    return entries, changed


def _entry(event: StockEvent, on_hand: int, reserved: int, *, effective: int, late_seq: int) -> WindowEntry:
    new_on_hand, new_reserved = effect(on_hand, reserved, event.event_type, event.quantity)
    return WindowEntry(
        event_id=event.event_id,
        event_type=event.event_type,
        event_time_ms=event.event_time_ms,
        quantity=event.quantity,
        effective_time_ms=effective,
        late_seq=late_seq,
        on_hand=new_on_hand,
        reserved=new_reserved,
        revision=0,
    )


def _fold_count(entries: list[WindowEntry], cutoff_ms: int, cap: int) -> int:
    """How many leading entries leave the window: too old to reorder, or over the cap."""
    count = 0
    # The last entry is never folded: it carries the current level and max event time.
    while count < len(entries) - 1 and entries[count].effective_time_ms < cutoff_ms:
        count += 1
    return max(count, len(entries) - cap)


def _check_limits(lateness: int, horizon: int, max_ids: int, max_window: int) -> None:
    if lateness < 0 or horizon < 0:
        raise StockConfigError(f"allowed lateness ({lateness} ms) and dedupe horizon ({horizon} ms) must be >= 0")
    if max_ids < 1 or max_window < 1:
        raise StockConfigError(f"max_dedupe_ids ({max_ids}) and max_window_events ({max_window}) must be >= 1")


def _sort_key(entry: WindowEntry) -> SortKey:
    return entry.sort_key
