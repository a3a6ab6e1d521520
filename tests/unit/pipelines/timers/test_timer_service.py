"""The partition clock and the slotted timer wheel, over a state that round-trips through JSON."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.event_time import HOUR_MS
from supplylake.pipelines.control import KIND_TICK, KIND_WATERMARK, ControlRecord
from supplylake.pipelines.timer_service import PartitionClock, PartitionTimers
from supplylake.pipelines.timers import Timer

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
