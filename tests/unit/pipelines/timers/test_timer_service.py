"""The partition clock and the slotted timer wheel, over a state that round-trips through JSON."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.event_time import HOUR_MS
from supplylake.pipelines.control import KIND_TICK, KIND_WATERMARK, ControlRecord
from supplylake.pipelines.timer_service import (
    AT_PREFIX,
    INDEX_KEY,
    SLOT_BUCKETS,
    SLOT_MS,
    SLOT_PREFIX,
    PartitionClock,
    PartitionTimers,
)
from supplylake.pipelines.timers import Timer, TimerWheel

T0 = 1_740_816_000_000  # 2025-03-01T08:00Z
MIN = 60_000


class JsonState:
    """Quix state stand-in: values are stored serialised, as the RocksDB store does."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self.data.get(key)
        return default if raw is None else orjson.loads(raw)

    def set(self, key: Any, value: Any) -> None:
        self.data[key] = orjson.dumps(value)

    def delete(self, key: Any) -> None:
        self.data.pop(key, None)


def timer(name: str, due: int, kind: str = "K") -> Timer:
    return Timer(f"t:{name}:{kind}", name, kind, due, {"n": name})


def test_due_fires_each_timer_once_in_deadline_order_across_slots() -> None:
    state = JsonState()
    timers = PartitionTimers(state)
    for name, due in (("c", T0 + 3 * HOUR_MS), ("a", T0 + 10 * MIN), ("b", T0 + 2 * HOUR_MS), ("d", T0 + 9 * HOUR_MS)):
        assert timers.register_timer(timer(name, due))
    timers.save()

    timers = PartitionTimers(state)  # a new record: everything comes back from state
    assert timers.due(T0) == []
    fired = timers.due(T0 + 3 * HOUR_MS)
    assert [t.key for t in fired] == ["a", "b", "c"]
    assert fired[0].payload == {"n": "a"}
    timers.save()

    timers = PartitionTimers(state)
    assert timers.due(T0 + 3 * HOUR_MS) == []  # fired timers are gone
    assert timers.next_due_ms() == T0 + 9 * HOUR_MS and len(timers) == 1
    assert [t.key for t in timers.due(T0 + 100 * HOUR_MS)] == ["d"]
    timers.save()
    assert state.data == {"timers": orjson.dumps({})}  # empty slots and pointers are removed


def test_moving_a_timer_across_slots_and_cancelling() -> None:
    state = JsonState()
    timers = PartitionTimers(state)
    timers.register_timer(timer("a", T0 + 10 * MIN))
    timers.register_timer(timer("a", T0 + 5 * HOUR_MS))  # moved: one timer, at the new deadline
    timers.register_timer(timer("b", T0 + 20 * MIN))
    assert not timers.register_timer(timer("b", T0 + 20 * MIN))  # same timer again: no change
    timers.save()

    timers = PartitionTimers(state)
    assert timers.get("t:a:K") == timer("a", T0 + 5 * HOUR_MS)
    assert timers.cancel("t:b:K") and not timers.cancel("t:b:K")
    assert timers.due(T0 + 4 * HOUR_MS) == []
    timers.save()
    timers = PartitionTimers(state)
    assert [t.due_ms for t in timers.due(T0 + 6 * HOUR_MS)] == [T0 + 5 * HOUR_MS]


def test_unsaved_changes_are_lost_like_a_rolled_back_transaction() -> None:
    state = JsonState()
    timers = PartitionTimers(state)
    timers.register_timer(timer("a", T0))
    timers.save()
    timers = PartitionTimers(state)
    assert [t.key for t in timers.due(T0)] == ["a"]
    # No save: a crash before the checkpoint. Quix drops the whole transaction, pointers included.
    state_after_crash = JsonState()
    state_after_crash.data = dict(state.data)
    timers = PartitionTimers(state_after_crash)
    assert [t.key for t in timers.due(T0)] == ["a"]


def test_a_fired_deadline_can_be_armed_again_whatever_shares_its_slot() -> None:
    state = JsonState()
    timers = PartitionTimers(state)
    timers.register_timer(timer("a", T0 + 10 * MIN))
    timers.register_timer(timer("b", T0 + 50 * MIN))  # same hour slot, still pending below
    assert [t.key for t in timers.due(T0 + 20 * MIN)] == ["a"]
    timers.save()
    timers = PartitionTimers(state)
    assert timers.register_timer(timer("a", T0 + 10 * MIN))
    assert [t.key for t in timers.due(T0 + 20 * MIN)] == ["a"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcdef"), st.integers(0, 30 * HOUR_MS), st.booleans()), min_size=1, max_size=40
    ),
    st.lists(st.integers(0, 32 * HOUR_MS), min_size=1, max_size=8),
)
def test_matches_a_plain_dictionary_of_deadlines(ops: list[tuple[str, int, bool]], clocks: list[int]) -> None:
    """Whatever the sequence of registrations, moves, cancels and clock steps (with a save and a
    fresh load in between), what fires is what a dict of deadlines says."""
    state = JsonState()
    expected: dict[str, int] = {}
    fired: list[tuple[int, str]] = []
    expected_fired: list[tuple[int, str]] = []
    steps = sorted(clocks)
    for index, (name, due, cancel) in enumerate(ops):
        timers = PartitionTimers(state)
        if cancel:
            assert timers.cancel(f"t:{name}:K") == (name in expected)
            expected.pop(name, None)
        else:
            timers.register_timer(timer(name, T0 + due))
            expected[name] = T0 + due
        if index % 5 == 4 and steps:
            now = T0 + steps.pop(0)
            fired += [(t.due_ms, t.key) for t in timers.due(now)]
            due_now = sorted((d, n) for n, d in expected.items() if d <= now)
            expected_fired += due_now
            for _, n in due_now:
                del expected[n]
        timers.save()
    timers = PartitionTimers(state)
    fired += [(t.due_ms, t.key) for t in timers.due(T0 + 40 * HOUR_MS)]
    expected_fired += sorted((d, n) for n, d in expected.items())
    assert fired == expected_fired


def test_clock_is_the_later_of_watermark_and_control_time_and_never_goes_back() -> None:
    state = JsonState()
    clock = PartitionClock(state, allowed_lateness_ms=10 * MIN, tick_holdback_ms=5_000)
    assert clock.now_ms is None
    assert clock.observe_event(T0 + 60 * MIN) == T0 + 50 * MIN
    assert clock.observe_event(T0) == T0 + 50 * MIN  # an older event does not move it back
    assert clock.observe_control(ControlRecord(KIND_TICK, T0 + 70 * MIN)) == T0 + 70 * MIN - 5_000
    clock.save()

    clock = PartitionClock(state, allowed_lateness_ms=10 * MIN, tick_holdback_ms=5_000)
    assert clock.now_ms == T0 + 70 * MIN - 5_000
    assert clock.observe_control(ControlRecord(KIND_TICK, T0)) == T0 + 70 * MIN - 5_000
    # End of a replay: no hold-back, no lateness; event time reached exactly this.
    assert clock.observe_control(ControlRecord(KIND_WATERMARK, T0 + 90 * MIN)) == T0 + 90 * MIN
    assert clock.observe_event(T0 + 95 * MIN) == T0 + 90 * MIN
    assert clock.observe_event(T0 + 110 * MIN) == T0 + 100 * MIN


def test_a_busy_hour_stays_under_the_kafka_record_limit() -> None:
    """Every slot is one state value and one changelog record (1 MB max by default)."""

    from tests.support.fake_state import FakeTransaction

    state = FakeTransaction().as_state(b"partition")
    timers = PartitionTimers(state)
    for n in range(20_000):  # every carrier scan of an hour re-arming a deadline, and
        timers.register(
            f"shipment:SHP-{n:06d}:NO_TRACKING_UPDATE",
            f"SHP-{n:06d}",
            "NO_TRACKING_UPDATE",
            T0 + (n * 180) % HOUR_MS,
            {"shipment_id": f"SHP-{n:06d}"},
        )
    for n in range(20_000):  # expected deliveries that all fall on the same hour
        timers.register(
            f"shipment:SHP-{n:06d}:DELIVERY_DELAYED",
            f"SHP-{n:06d}",
            "DELIVERY_DELAYED",
            T0 + HOUR_MS,
            {"shipment_id": f"SHP-{n:06d}"},
        )
    timers.save()
    largest = max(len(raw) for raw in state._transaction.data.values())
    assert largest < 500_000, largest
    assert len(PartitionTimers(state)) == 40_000
    assert len(timers.due(T0 + HOUR_MS)) == 40_000


# -- equivalence with the plain O(slots) implementation ------------------------------------------


class ReferenceTimers:
    """The slotted wheel as it was before ``due()`` got its heap and pointers their cache: every
    pointer read and write goes to state at once, and ``due()`` scans every slot. The same
    state layout, so what it stores is what :class:`PartitionTimers` must store."""

    def __init__(self, state: JsonState, *, slot_ms: int = SLOT_MS) -> None:
        self._state = state
        self.slot_ms = slot_ms
        stored = state.get(INDEX_KEY) or {}
        self._index: dict[int, int] = {int(slot): int(due) for slot, due in stored.items()}
        self._index_dirty = False
        self._wheels: dict[int, TimerWheel] = {}
        self._dirty_slots: set[int] = set()

    def register_timer(self, timer: Timer) -> bool:
        old_due = self._due_of(timer.timer_id)
        slot = self._slot(timer.due_ms, timer.timer_id)
        if old_due is not None and self._slot(old_due, timer.timer_id) != slot:
            self._remove(timer.timer_id, old_due)
        if not self._wheel(slot).register_timer(timer):
            return False
        self._state.set(AT_PREFIX + timer.timer_id, timer.due_ms)
        self._touch(slot)
        return True

    def cancel(self, timer_id: str) -> bool:
        due = self._due_of(timer_id)
        if due is None:
            return False
        self._remove(timer_id, due)
        return True

    def get(self, timer_id: str) -> Timer | None:
        due = self._due_of(timer_id)
        return None if due is None else self._wheel(self._slot(due, timer_id)).get(timer_id)

    def due(self, now_ms: int) -> list[Timer]:
        fired: list[Timer] = []
        for slot in sorted(self._index):
            if slot - slot % self.slot_ms > now_ms:
                break
            if self._index[slot] > now_ms:
                continue
            for fired_timer in self._wheel(slot).due(now_ms):
                self._state.delete(AT_PREFIX + fired_timer.timer_id)
                fired.append(fired_timer)
            self._touch(slot)
        return sorted(fired, key=lambda t: (t.due_ms, t.timer_id))

    def next_due_ms(self) -> int | None:
        return min(self._index.values(), default=None)

    def __len__(self) -> int:
        return sum(len(self._wheel(slot)) for slot in self._index)

    def save(self) -> None:
        for slot in self._dirty_slots:
            wheel = self._wheels[slot]
            if len(wheel):
                self._state.set(f"{SLOT_PREFIX}{slot}", wheel.to_dict())
            else:
                self._state.delete(f"{SLOT_PREFIX}{slot}")
        self._dirty_slots.clear()
        if self._index_dirty:
            self._state.set(INDEX_KEY, {str(slot): due for slot, due in self._index.items()})
            self._index_dirty = False

    def _slot(self, due_ms: int, timer_id: str) -> int:
        return due_ms - due_ms % self.slot_ms + zlib.crc32(timer_id.encode()) % SLOT_BUCKETS

    def _due_of(self, timer_id: str) -> int | None:
        due = self._state.get(AT_PREFIX + timer_id)
        return None if due is None else int(due)

    def _wheel(self, slot: int) -> TimerWheel:
        wheel = self._wheels.get(slot)
        if wheel is None:
            stored = self._state.get(f"{SLOT_PREFIX}{slot}") if slot in self._index else None
            wheel = self._wheels[slot] = TimerWheel.from_dict(stored) if stored else TimerWheel(max_fired=0)
        return wheel

    def _remove(self, timer_id: str, due_ms: int) -> None:
        slot = self._slot(due_ms, timer_id)
        self._wheel(slot).cancel(timer_id)
        self._state.delete(AT_PREFIX + timer_id)
        self._touch(slot)

    def _touch(self, slot: int) -> None:
        self._dirty_slots.add(slot)
        next_due = self._wheels[slot].next_due_ms()
        if next_due is None:
            if self._index.pop(slot, None) is not None:
                self._index_dirty = True
        elif self._index.get(slot) != next_due:
            self._index[slot] = next_due
            self._index_dirty = True


class Twins:
    """A :class:`PartitionTimers` and a :class:`ReferenceTimers`, each over its own state,
    driven by the same calls; every answer, and every saved state, must be the same."""

    def __init__(self, slot_ms: int) -> None:
        self.slot_ms = slot_ms
        self.state, self.reference_state = JsonState(), JsonState()
        self.saved: dict[str, bytes] = {}
        self.load()

    def load(self) -> None:
        self.timers = PartitionTimers(self.state, slot_ms=self.slot_ms)
        self.reference = ReferenceTimers(self.reference_state, slot_ms=self.slot_ms)

    def save(self) -> None:
        self.timers.save()
        self.reference.save()
        assert self.state.data == self.reference_state.data
        # Same bytes, and the same key order in the index (JSON objects keep it).
        assert list(self.state.get(INDEX_KEY) or {}) == list(self.reference_state.get(INDEX_KEY) or {})
        self.saved = dict(self.state.data)

    def rollback(self) -> None:
        """A crash before the checkpoint: both states go back to the last save."""
        self.state.data, self.reference_state.data = dict(self.saved), dict(self.saved)
        self.load()

    def check_reads(self, names: str) -> None:
        for name in names:
            assert self.timers.get(f"t:{name}:K") == self.reference.get(f"t:{name}:K")
        assert self.timers.next_due_ms() == self.reference.next_due_ms()


def _bucket(name: str) -> int:
    return zlib.crc32(f"t:{name}:K".encode()) % SLOT_BUCKETS


# Timer names that mostly share one hash bucket, so that slots hold several timers.
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
NAMES = "".join([c for c in _LETTERS if _bucket(c) == 0][:6] + [c for c in _LETTERS if _bucket(c) == 1][:2])
# Deadlines on a coarse grid (plus a little), so timers share slots and due times, and one
# due() call reaches several slots with several timers each.
_deadline = st.builds(lambda step, extra: step * 10 * MIN + extra, st.integers(0, 47), st.sampled_from([0, 1, MIN]))
_register = st.tuples(st.just("register"), st.sampled_from(NAMES), _deadline, st.sampled_from(["x", "y"]))
_op = st.one_of(
    _register,
    _register,
    _register,
    st.tuples(st.just("cancel"), st.sampled_from(NAMES)),
    st.tuples(st.just("due"), st.builds(lambda step: step * 10 * MIN, st.integers(-1, 49))),
    st.tuples(st.just("due"), _deadline),
    st.tuples(st.just("save")),
    st.tuples(st.just("reload")),
    st.tuples(st.just("rollback")),
    st.tuples(st.just("read")),
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([SLOT_MS, HOUR_MS, 1_000]), st.lists(_op, min_size=1, max_size=80))
def test_fires_and_stores_exactly_what_the_plain_slot_scan_does(slot_ms: int, ops: list[tuple[Any, ...]]) -> None:
    twins = Twins(slot_ms)
    for op in ops:
        match op:
            case ("register", name, due, payload):
                armed = Timer(f"t:{name}:K", name, "K", T0 + due, {"p": payload})
                assert twins.timers.register_timer(armed) == twins.reference.register_timer(armed)
            case ("cancel", name):
                assert twins.timers.cancel(f"t:{name}:K") == twins.reference.cancel(f"t:{name}:K")
            case ("due", now):
                assert twins.timers.due(T0 + now) == twins.reference.due(T0 + now)
            case ("save",):
                twins.save()
            case ("reload",):
                twins.save()
                twins.load()
            case ("rollback",):
                twins.rollback()
            case ("read",):  # not after every step: next_due_ms() drops stale heap entries
                twins.check_reads(NAMES)
    twins.check_reads(NAMES)
    assert len(twins.timers) == len(twins.reference)
    twins.save()
    twins.load()
    assert twins.timers.due(T0 + 10 * HOUR_MS) == twins.reference.due(T0 + 10 * HOUR_MS)
    twins.save()


@pytest.mark.parametrize("change", ["cancel", "move"])
def test_a_stale_heap_entry_neither_fires_nor_touches_its_slot(change: str) -> None:
    """The earliest timer of a slot leaves it (the heap keeps its old entry); a clock between
    the old and the new earliest due must not reach that slot, not even to advance its clock."""
    first, second = NAMES[0], NAMES[1]  # one hash bucket: one slot for both
    twins = Twins(HOUR_MS)
    other = Timer("t:other:K", "other", "K", T0 + 5 * MIN, {})  # keeps a live entry on top
    for armed in (other, timer(first, T0 + 10 * MIN), timer(second, T0 + 30 * MIN)):
        assert twins.timers.register_timer(armed) and twins.reference.register_timer(armed)
    if change == "cancel":
        assert twins.timers.cancel(f"t:{first}:K") and twins.reference.cancel(f"t:{first}:K")
    else:
        moved = timer(first, T0 + 40 * MIN)
        assert twins.timers.register_timer(moved) and twins.reference.register_timer(moved)
    assert twins.timers.due(T0 + 20 * MIN) == twins.reference.due(T0 + 20 * MIN) == [other]
    twins.save()
    fired = twins.timers.due(T0 + HOUR_MS)
    assert fired == twins.reference.due(T0 + HOUR_MS)
    assert [t.key for t in fired] == [second] + ([first] if change == "move" else [])
    twins.save()


def test_many_moves_in_one_load_keep_the_heap_right() -> None:
    """Enough re-arms between two saves that the heap's stale entries get compacted away."""
    twins = Twins(1_000)
    for step in range(3_000):
        name = NAMES[step % 3]
        armed = Timer(f"t:{name}:K", name, "K", T0 + (step * 7_919) % (2 * HOUR_MS), {})
        assert twins.timers.register_timer(armed) == twins.reference.register_timer(armed)
        if step % 50 == 49:
            now = T0 + step * 1_000
            assert twins.timers.due(now) == twins.reference.due(now)
        twins.check_reads(NAMES[:3])
    twins.save()
    assert twins.timers.due(T0 + 3 * HOUR_MS) == twins.reference.due(T0 + 3 * HOUR_MS)
    twins.save()


def test_due_on_an_idle_partition_reads_no_state() -> None:
    """Nothing due: no slot is loaded and no pointer read, whatever the number of slots."""
    state = JsonState()
    timers = PartitionTimers(state)
    for n in range(500):
        timers.register_timer(timer(f"s{n}", T0 + HOUR_MS + n * MIN))
    timers.save()

    reads: list[Any] = []

    class Counting(JsonState):
        def get(self, key: Any, default: Any = None) -> Any:
            reads.append(key)
            return super().get(key, default)

    counting = Counting()
    counting.data = state.data
    timers = PartitionTimers(counting)
    assert reads == [INDEX_KEY]
    assert timers.due(T0 + HOUR_MS - 1) == [] and timers.due(T0) == []
    assert reads == [INDEX_KEY]
    assert [t.key for t in timers.due(T0 + HOUR_MS + MIN)] == ["s0", "s1"]


def test_clock_with_control_time_only_or_equal_times() -> None:
    clock = PartitionClock(JsonState(), allowed_lateness_ms=0, tick_holdback_ms=0)
    assert clock.observe_control(ControlRecord(KIND_TICK, T0)) == T0  # no event seen yet
    assert clock.observe_event(T0) == T0
    assert clock.observe_event(T0 - 1) == T0
