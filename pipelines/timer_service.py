"""A partition's clock and timers, kept in that partition's Quix state.

Quix Streams has no per-key timers (quix-streams #790), so a pipeline that needs deadlines keeps
them per *partition* and drives them from every record of the partition:

- :class:`PartitionClock`: the event-time :class:`~supplylake.pipelines.timers.Watermark` (max
  event time seen minus the allowed lateness) and the time carried by control records
  (``pipelines.control``: the end-of-replay watermark, live wall-clock ticks). ``now_ms`` is the
  later of the two and never goes back.
- :class:`PartitionTimers`: the partition's timer wheel. One monolithic
  :class:`~supplylake.pipelines.timers.TimerWheel` would be re-serialised whole on every change
  (O(pending timers) per status event), so the wheel is split into *slots* by due time, each
  slot a small ``TimerWheel`` under its own state key, plus an index ``slot -> earliest due``
  and a pointer ``timer id -> due`` for moving and cancelling. A record touches one or two small
  slots; firing reads only the slots the clock has reached.

  ``due()`` runs two or three times per record, so it must not cost O(slots): on load the index
  is also put into a min-heap of ``(earliest due, slot)``. Nothing due (the common case) is one
  look at the heap's top; otherwise it pops the slots the clock reached, O(log slots) each.
  Entries are invalidated lazily (a slot whose earliest due changed gets a new entry, and an
  entry counts only while the index still agrees with it), so the heap is memory only, never
  stored. Pointers read are kept in memory and pointer changes are buffered like slot changes
  until :meth:`PartitionTimers.save` (which skips one that ended where it started), so a record
  reads a timer's pointer from state at most once per load and writes it at most once per save.

Everything lives in the partition transaction of the record being processed, so the clock, the
timers and whatever a firing changes commit (or roll back after a crash) with that record.
Replaying the same records from the same state fires the same timers in the same order.

Slot wheels keep no memory of fired ``(timer id, due)`` pairs (``max_fired=0``): such memory
would last only as long as its slot has other pending timers, so whether re-arming a fired
deadline works would depend on unrelated keys. Re-arming always works; the domain state (e.g. a
shipment's alerted deadline) is what keeps a re-armed deadline from alerting twice, and
Quix's changelog recovery rolls the timers back together with that state after a crash.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from supplylake.errors import FatalError
from supplylake.event_time import MINUTE_MS
from supplylake.pipelines.control import KIND_WATERMARK, ControlRecord
from supplylake.pipelines.state_codec import StoredState
from supplylake.pipelines.timers import Timer, TimerStateError, TimerWheel, Watermark

# Default slot width. Each slot is one state value and one changelog record, which Kafka caps at
# 1 MB by default: with hour-wide slots a busy hour of live traffic (every carrier scan re-arms a
# NO_TRACKING_UPDATE six hours ahead; expected deliveries cluster on the hour) passed that and
# the pipeline crash-looped on MSG_SIZE_TOO_LARGE. Five-minute slots stay far below it.
SLOT_MS = 5 * MINUTE_MS
# Deadlines also cluster on the same instant (expected deliveries on the hour), so each time
# slot is further split into buckets by a hash of the timer id. A slot's id is its start plus
# its bucket (< SLOT_BUCKETS ms), so ids still sort by time.
SLOT_BUCKETS = 16
CLOCK_KEY = "clock"
INDEX_KEY = "timers"
SLOT_PREFIX = "timers:slot:"
AT_PREFIX = "timers:at:"


class KeyValueState(Protocol):
    """The part of Quix's ``State`` used here (a dict-backed fake satisfies it in tests)."""

    def get(self, key: Any, default: Any = None) -> Any: ...

    def set(self, key: Any, value: Any) -> None: ...

    def delete(self, key: Any) -> None: ...


@dataclass(frozen=True)
class StoredClock(StoredState):
    """What a :class:`PartitionClock` stores under ``CLOCK_KEY``."""

    watermark: Watermark
    control_ms: int | None

    state_version: ClassVar[int] = 2
    state_error: ClassVar[type[FatalError]] = TimerStateError


class PartitionClock:
    """Event-time watermark plus control-record time of one partition."""

    def __init__(self, state: KeyValueState, *, allowed_lateness_ms: int, tick_holdback_ms: int) -> None:
        self._state = state
        self.tick_holdback_ms = tick_holdback_ms
        data = state.get(CLOCK_KEY)
        stored = StoredClock(Watermark(), None) if data is None else StoredClock.from_dict(data)
        self.watermark = stored.watermark
        # The lateness in force is the configured one, whatever was stored before.
        self.watermark.allowed_lateness_ms = allowed_lateness_ms
        self.control_ms: int | None = stored.control_ms
        self._dirty = False

    @property
    def now_ms(self) -> int | None:
        """The later of the watermark and the control time (None until either is known)."""
        watermark, control = self.watermark.value_ms, self.control_ms
        if watermark is None or (control is not None and control > watermark):
            return control
        return watermark

    def observe_event(self, event_time_ms: int) -> int | None:
        before = self.watermark.max_event_time_ms
        self.watermark.advance(event_time_ms)
        self._dirty |= self.watermark.max_event_time_ms != before
        return self.now_ms

    def observe_control(self, record: ControlRecord) -> int | None:
        """End of replay: event time reached ``time_ms`` (no lateness left to wait for).
        Tick: wall-clock time minus the hold-back for events still in flight."""
        target = record.time_ms if record.kind == KIND_WATERMARK else record.time_ms - self.tick_holdback_ms
        if self.control_ms is None or target > self.control_ms:
            self.control_ms = target
            self._dirty = True
        return self.now_ms

    def save(self) -> None:
        if self._dirty:
            self._state.set(CLOCK_KEY, StoredClock(self.watermark, self.control_ms).to_dict())
            self._dirty = False


class PartitionTimers:
    """The partition's timers, sharded into due-time slots (see the module docstring).

    Offers the ``register_timer`` / ``cancel`` calls domain outcomes apply (e.g.
    ``ShipmentOutcome.apply_to``). Changes are buffered until :meth:`save`: call it at the end
    of the record (or, as the shipment processor does, of the checkpoint).
    """

    def __init__(self, state: KeyValueState, *, slot_ms: int = SLOT_MS) -> None:
        if slot_ms <= SLOT_BUCKETS:
            raise ValueError(f"slot_ms must be larger than {SLOT_BUCKETS}")
        self._state = state
        self.slot_ms = slot_ms
        stored: Mapping[str, Any] = state.get(INDEX_KEY) or {}
        # slot start -> earliest pending due in it (JSON object keys are strings).
        self._index: dict[int, int] = {int(slot): int(due) for slot, due in stored.items()}
        self._index_dirty = False
        # Min-heap of (earliest due, slot) over the index, with lazy invalidation: an entry is
        # live while the index still maps its slot to its due (_touch pushes every new value),
        # so "is anything due?" is a look at the top instead of a scan of every slot.
        self._heap: list[tuple[int, int]] = [(due, slot) for slot, due in self._index.items()]
        heapq.heapify(self._heap)
        self._wheels: dict[int, TimerWheel] = {}
        self._dirty_slots: set[int] = set()
        # timer id -> due pointers read or changed since loading (None: no pointer); changed
        # ones are written back by save(), unless they ended where they started.
        self._at: dict[str, int | None] = {}
        self._at_stored: dict[str, int | None] = {}
        self._at_dirty: set[str] = set()
        self._buckets: dict[str, int] = {}

    # -- scheduling ---------------------------------------------------------------------------

    def register_timer(self, timer: Timer) -> bool:
        """Arm (or move) ``timer``; False when nothing changed."""
        timer_id, due_ms = timer.timer_id, timer.due_ms
        old_due = self._due_of(timer_id)
        bucket = self._bucket(timer_id)
        slot = due_ms - due_ms % self.slot_ms + bucket
        if old_due is not None:
            old_slot = old_due - old_due % self.slot_ms + bucket
            if old_slot != slot:
                self._remove_from(old_slot, timer_id)
        wheel = self._wheel(slot)
        if not wheel.register_timer(timer):
            return False
        self._set_due(timer_id, due_ms)
        self._touch(slot)
        return True

    def register(
        self, timer_id: str, key: str, kind: str, due_ms: int, payload: Mapping[str, Any] | None = None
    ) -> bool:
        return self.register_timer(Timer(timer_id, key, kind, int(due_ms), dict(payload or {})))

    def cancel(self, timer_id: str) -> bool:
        """Disarm ``timer_id``; False if it was not armed."""
        due = self._due_of(timer_id)
        if due is None:
            return False
        self._remove_from(self._slot(due, timer_id), timer_id)
        return True

    def get(self, timer_id: str) -> Timer | None:
        due = self._due_of(timer_id)
        return None if due is None else self._wheel(self._slot(due, timer_id)).get(timer_id)

    def due(self, now_ms: int) -> list[Timer]:
        """Remove and return every timer due at or before ``now_ms``, sorted by (due, timer id).

        O(1) when nothing is due; otherwise O(log slots) per slot reached plus the firing."""
        heap = self._heap
        if not heap or heap[0][0] > now_ms:
            return []
        index = self._index
        fired: list[Timer] = []
        slots = 0
        while heap and heap[0][0] <= now_ms:
            earliest, slot = heapq.heappop(heap)
            if index.get(slot) != earliest:
                continue  # stale entry: the slot's earliest due moved (or the slot emptied)
            for timer in self._wheel(slot).due(now_ms):
                self._set_due(timer.timer_id, None)
                fired.append(timer)
            slots += 1
            self._touch(slot)
        if slots > 1:  # one slot's wheel already returns them in (due, timer id) order
            fired.sort(key=lambda t: (t.due_ms, t.timer_id))
        return fired

    def next_due_ms(self) -> int | None:
        heap, index = self._heap, self._index
        while heap and index.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def __len__(self) -> int:
        return sum(len(self._wheel(slot)) for slot in self._index)

    # -- state --------------------------------------------------------------------------------

    def save(self) -> None:
        for slot in self._dirty_slots:
            wheel = self._wheels[slot]
            if len(wheel):
                self._state.set(_slot_key(slot), wheel.to_dict())
            else:
                self._state.delete(_slot_key(slot))
        self._dirty_slots.clear()
        if self._index_dirty:
            self._state.set(INDEX_KEY, {str(slot): due for slot, due in self._index.items()})
            self._index_dirty = False
        at, stored = self._at, self._at_stored
        for timer_id in self._at_dirty:
            due = at[timer_id]
            if timer_id in stored and stored[timer_id] == due:
                continue  # back where it started: nothing to write
            if due is None:
                self._state.delete(AT_PREFIX + timer_id)
            else:
                self._state.set(AT_PREFIX + timer_id, due)
            stored[timer_id] = due
        self._at_dirty.clear()

    # -- internals ----------------------------------------------------------------------------

    def _bucket(self, timer_id: str) -> int:
        bucket = self._buckets.get(timer_id)
        if bucket is None:
            bucket = self._buckets[timer_id] = zlib.crc32(timer_id.encode()) % SLOT_BUCKETS
        return bucket

    def _slot(self, due_ms: int, timer_id: str) -> int:
        return due_ms - due_ms % self.slot_ms + self._bucket(timer_id)

    def _due_of(self, timer_id: str) -> int | None:
        try:
            return self._at[timer_id]
        except KeyError:
            raw = self._state.get(AT_PREFIX + timer_id)
            due = None if raw is None else int(raw)
            self._at[timer_id] = self._at_stored[timer_id] = due
            return due

    def _set_due(self, timer_id: str, due_ms: int | None) -> None:
        self._at[timer_id] = due_ms
        self._at_dirty.add(timer_id)

    def _wheel(self, slot: int) -> TimerWheel:
        wheel = self._wheels.get(slot)
        if wheel is None:
            stored = self._state.get(_slot_key(slot)) if slot in self._index else None
            wheel = self._wheels[slot] = TimerWheel.from_dict(stored) if stored else TimerWheel(max_fired=0)
        return wheel

    def _remove_from(self, slot: int, timer_id: str) -> None:
        self._wheel(slot).cancel(timer_id)
        self._set_due(timer_id, None)
        self._touch(slot)

    def _touch(self, slot: int) -> None:
        """Record that ``slot`` changed: keep the index's earliest-due (and its heap) in step
        with its wheel."""
        self._dirty_slots.add(slot)
        next_due = self._wheels[slot].next_due_ms()
        if next_due is None:
            if self._index.pop(slot, None) is not None:
                self._index_dirty = True
        elif self._index.get(slot) != next_due:
            self._index[slot] = next_due
            self._index_dirty = True
            heap = self._heap
            heapq.heappush(heap, (next_due, slot))
            if len(heap) > 2 * len(self._index) + 64:  # stale entries only cost memory
                self._heap = [(due, s) for s, due in self._index.items()]
                heapq.heapify(self._heap)


def _slot_key(slot: int) -> str:
    return f"{SLOT_PREFIX}{slot}"
