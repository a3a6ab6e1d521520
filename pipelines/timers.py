"""Event-time timers kept in keyed state, because Quix Streams has no per-key timers (#790).

One :class:`TimerWheel` is meant to live per *partition* (in one state key), not per message key:
a timer must fire even when its own key never sees another message, so something that runs for
every message of the partition (and a periodic wall-clock tick in live mode) has to drive it.
Each fired :class:`Timer` names the message ``key`` it belongs to, so the caller can load that
key's state and hand the timer to the domain logic (e.g. ``shipments.tracking.on_timer``).

Clock: callers pass ``now_ms`` to :meth:`TimerWheel.due`. In replay that is the partition's
event-time watermark (:class:`Watermark`, max event time seen); in live mode it may also be a
wall-clock tick so that deadlines fire on an idle partition. The wheel itself never reads a clock.

Exactly once: :meth:`TimerWheel.due` removes what it returns, so calling it again (or after a
``to_dict``/``from_dict`` round trip of the state saved after the call) never returns a timer
twice. The wheel also remembers recently fired ``(timer_id, due_ms)`` pairs and ignores a
re-registration of one of them: a source event replayed after a crash re-registers the deadline
it registered the first time, and that deadline must not fire again. Re-registering the same
``timer_id`` with a *different* ``due_ms`` arms it again (this is how a deadline is moved, also
after it fired).

That memory is bounded, so it is a best effort, not a guarantee: it keeps at most
``max_fired`` pairs and forgets pairs whose due time is more than ``fired_retention_ms`` behind
the wheel's clock (the largest ``now_ms`` passed to :meth:`due`). Eviction walks pairs in firing
order, which is due-time order except for timers registered already overdue, so retention is
approximate. A replay older than that window could fire a deadline a second time; consumers
dedupe by the deterministic alert ids derived from :attr:`Timer.fire_id`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from supplylake.errors import FatalError
from supplylake.event_time import DAY_MS
from supplylake.pipelines.state_codec import StoredState

DEFAULT_MAX_FIRED = 10_000
DEFAULT_FIRED_RETENTION_MS = 7 * DAY_MS

_STATE_VERSION = 2
"""Format version of a stored wheel (1: hand-written; 2: the derived codec)."""


class TimerStateError(FatalError):
    """A stored timer wheel or watermark cannot be read back."""


@dataclass(frozen=True)
class Timer:
    """A deadline for one message key. ``payload`` must hold JSON types only."""

    timer_id: str
    key: str
    kind: str
    due_ms: int
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fire_id(self) -> str:
        """Identity of one firing: the same timer moved to another deadline fires under a new id."""
        return f"{self.timer_id}@{self.due_ms}"


@dataclass(frozen=True)
class StoredWheel(StoredState):
    """What a :class:`TimerWheel` stores: its bounds, clock, pending timers (by due time) and the
    remembered ``(timer_id, due_ms)`` firings in firing order."""

    max_fired: int
    fired_retention_ms: int
    clock_ms: int | None
    pending: tuple[Timer, ...]
    fired: tuple[tuple[str, int], ...]

    state_version: ClassVar[int] = _STATE_VERSION
    state_error: ClassVar[type[FatalError]] = TimerStateError


class TimerWheel:
    """Pending timers ordered by deadline, plus a bounded memory of fired ones.

    Mutable on purpose: the caller loads it from state once per message, calls
    :meth:`register`/:meth:`cancel`/:meth:`due`, and stores ``to_dict()`` back when
    :attr:`dirty` says something changed.
    """

    def __init__(
        self,
        *,
        max_fired: int = DEFAULT_MAX_FIRED,
        fired_retention_ms: int = DEFAULT_FIRED_RETENTION_MS,
    ) -> None:
        if max_fired < 0 or fired_retention_ms < 0:
            raise ValueError("max_fired and fired_retention_ms must be >= 0")
        self.max_fired = max_fired
        self.fired_retention_ms = fired_retention_ms
        self._pending: dict[str, Timer] = {}
        # Lazy-deletion heap: a moved or cancelled timer leaves a stale entry that is skipped
        # when popped, so register/cancel stay O(log n) instead of O(n).
        self._heap: list[tuple[int, str]] = []
        # Insertion-ordered: the oldest firing is evicted first.
        self._fired: dict[tuple[str, int], None] = {}
        self._clock_ms: int | None = None
        self.dirty = False

    # -- scheduling ---------------------------------------------------------------------------

    def register(
        self,
        timer_id: str,
        key: str,
        kind: str,
        due_ms: int,
        payload: Mapping[str, Any] | None = None,
    ) -> bool:
        """Arm ``timer_id`` for ``due_ms`` (moving it if already armed).

        Returns False when nothing changed: the same timer is already armed, or this exact
        ``(timer_id, due_ms)`` already fired (a replayed registration).
        """
        due_ms = int(due_ms)
        if (timer_id, due_ms) in self._fired:
            return False
        timer = Timer(timer_id, key, kind, due_ms, dict(payload or {}))
        existing = self._pending.get(timer_id)
        if existing == timer:
            return False
        self._pending[timer_id] = timer
        if existing is None or existing.due_ms != due_ms:
            heapq.heappush(self._heap, (due_ms, timer_id))
            self._compact_if_sparse()
        self.dirty = True
        return True

    def register_timer(self, timer: Timer) -> bool:
        """:meth:`register` taking a :class:`Timer` (as domain outcomes produce them)."""
        return self.register(timer.timer_id, timer.key, timer.kind, timer.due_ms, timer.payload)

    def cancel(self, timer_id: str) -> bool:
        """Disarm ``timer_id``; returns False if it was not armed. Its heap entry goes stale."""
        if self._pending.pop(timer_id, None) is None:
            return False
        self._compact_if_sparse()
        self.dirty = True
        return True

    def due(self, now_ms: int) -> list[Timer]:
        """Remove and return every timer with ``due_ms <= now_ms``, sorted by (due_ms, timer_id)."""
        fired: list[Timer] = []
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            due_ms, timer_id = heapq.heappop(heap)
            timer = self._pending.get(timer_id)
            if timer is None or timer.due_ms != due_ms:
                continue  # stale entry of a cancelled or moved timer
            del self._pending[timer_id]
            self._fired[(timer_id, due_ms)] = None
            fired.append(timer)
        if self._clock_ms is None or now_ms > self._clock_ms:
            self._clock_ms = now_ms
        evicted = self._evict_fired()
        if fired or evicted:
            self.dirty = True
        return fired

    def next_due_ms(self) -> int | None:
        """Earliest pending deadline, or None when nothing is armed."""
        heap = self._heap
        while heap:
            due_ms, timer_id = heap[0]
            timer = self._pending.get(timer_id)
            if timer is not None and timer.due_ms == due_ms:
                return due_ms
            heapq.heappop(heap)
        return None

    # -- inspection ---------------------------------------------------------------------------

    def get(self, timer_id: str) -> Timer | None:
        return self._pending.get(timer_id)

    def pending(self) -> list[Timer]:
        """Armed timers sorted by (due_ms, timer_id)."""
        return sorted(self._pending.values(), key=lambda t: (t.due_ms, t.timer_id))

    def has_fired(self, timer_id: str, due_ms: int) -> bool:
        """Whether this deadline fired and is still remembered (see module docstring)."""
        return (timer_id, int(due_ms)) in self._fired

    @property
    def clock_ms(self) -> int | None:
        """Largest ``now_ms`` ever passed to :meth:`due`."""
        return self._clock_ms

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, timer_id: object) -> bool:
        return timer_id in self._pending

    # -- state --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON types only (a :class:`StoredWheel`). Size is O(pending + remembered fired), so
        store it only when dirty."""
        return StoredWheel(
            max_fired=self.max_fired,
            fired_retention_ms=self.fired_retention_ms,
            clock_ms=self._clock_ms,
            pending=tuple(self.pending()),
            fired=tuple(self._fired),
        ).to_dict()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TimerWheel:
        """Restore a wheel; ``None`` (no state yet) gives an empty wheel with default bounds."""
        if not data:
            return cls()
        stored = StoredWheel.from_dict(data)
        wheel = cls(max_fired=stored.max_fired, fired_retention_ms=stored.fired_retention_ms)
        wheel._clock_ms = stored.clock_ms
        for timer in stored.pending:
            wheel._pending[timer.timer_id] = timer
        wheel._heap = [(t.due_ms, t.timer_id) for t in wheel._pending.values()]
        heapq.heapify(wheel._heap)
        wheel._fired = dict.fromkeys(stored.fired)
        return wheel

    # -- internals ----------------------------------------------------------------------------

    def _compact_if_sparse(self) -> None:
        # Stale entries only cost memory; rebuild once they outnumber live ones.
        if len(self._heap) > 2 * len(self._pending) + 64:
            self._heap = [(t.due_ms, t.timer_id) for t in self._pending.values()]
            heapq.heapify(self._heap)

    def _evict_fired(self) -> bool:
        fired = self._fired
        cutoff = None if self._clock_ms is None else self._clock_ms - self.fired_retention_ms
        evicted = False
        while fired:
            oldest = next(iter(fired))
            if len(fired) > self.max_fired or (cutoff is not None and oldest[1] < cutoff):
                del fired[oldest]
                evicted = True
            else:
                break
        return evicted


@dataclass
class Watermark(StoredState):
    """Event-time watermark of one partition: the max event time seen, minus allowed lateness.

    It never goes back, so a late event cannot un-fire a timer. ``allowed_lateness_ms`` (default 0,
    i.e. exactly "max event time seen") holds timers back so an event that arrives up to that much
    out of order is still applied before a deadline it would have met fires.
    """

    max_event_time_ms: int | None = None
    allowed_lateness_ms: int = 0

    state_version: ClassVar[int] = 2
    state_error: ClassVar[type[FatalError]] = TimerStateError

    @property
    def value_ms(self) -> int | None:
        if self.max_event_time_ms is None:
            return None
        return self.max_event_time_ms - self.allowed_lateness_ms

    def advance(self, event_time_ms: int) -> int:
        """Account for one event and return the (possibly unchanged) watermark."""
        if self.max_event_time_ms is None or event_time_ms > self.max_event_time_ms:
            self.max_event_time_ms = int(event_time_ms)
        return self.max_event_time_ms - self.allowed_lateness_ms
