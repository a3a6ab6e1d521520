"""TimerWheel and Watermark: deadlines fire exactly once, at or after their due time."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.pipelines.timers import Timer, TimerWheel, Watermark


def roundtrip(wheel: TimerWheel) -> TimerWheel:
    return TimerWheel.from_dict(json.loads(json.dumps(wheel.to_dict())))


def ids(timers: list[Timer]) -> list[str]:
    return [t.timer_id for t in timers]


def test_fires_exactly_once_at_due_time_not_before():
    wheel = TimerWheel()
    wheel.register("t1", "S1", "DELIVERY_DELAYED", 1_000, {"shipment_id": "S1"})
    assert wheel.due(999) == []
    fired = wheel.due(1_000)
    assert fired == [Timer("t1", "S1", "DELIVERY_DELAYED", 1_000, {"shipment_id": "S1"})]
    assert wheel.due(1_000) == []
    assert wheel.due(10_000) == []
    assert len(wheel) == 0


def test_fires_when_clock_jumps_past_due():
    wheel = TimerWheel()
    wheel.register("t1", "S1", "k", 1_000, {})
    assert ids(wheel.due(50_000)) == ["t1"]


def test_cancelled_timer_never_fires():
    wheel = TimerWheel()
    wheel.register("t1", "S1", "k", 1_000, {})
    assert wheel.cancel("t1") is True
    assert wheel.cancel("t1") is False
    assert wheel.due(10**12) == []
    assert wheel.next_due_ms() is None


def test_reregister_moves_deadline_later_and_earlier():
    wheel = TimerWheel()
    wheel.register("t1", "S1", "k", 1_000, {})
    wheel.register("t1", "S1", "k", 5_000, {})
    assert wheel.due(4_999) == []
    assert wheel.next_due_ms() == 5_000
    wheel.register("t1", "S1", "k", 2_000, {})
    assert wheel.next_due_ms() == 2_000
    fired = wheel.due(4_999)
    assert [(t.timer_id, t.due_ms) for t in fired] == [("t1", 2_000)]
    assert wheel.due(10_000) == []  # the stale 5_000 and 1_000 entries do not fire


def test_register_is_idempotent_by_timer_id():
    wheel = TimerWheel()
    assert wheel.register("t1", "S1", "k", 1_000, {"a": 1}) is True
    assert wheel.register("t1", "S1", "k", 1_000, {"a": 1}) is False
    assert len(wheel) == 1
    assert ids(wheel.due(1_000)) == ["t1"]


def test_due_is_sorted_by_due_then_id():
    wheel = TimerWheel()
    wheel.register("b", "K", "k", 20, {})
    wheel.register("c", "K", "k", 10, {})
    wheel.register("a", "K", "k", 20, {})
    assert [(t.due_ms, t.timer_id) for t in wheel.due(100)] == [(10, "c"), (20, "a"), (20, "b")]


def test_survives_restart_between_registration_and_firing():
    wheel = TimerWheel()
    wheel.register("t1", "S1", "DELIVERY_DELAYED", 1_000, {"shipment_id": "S1"})
    wheel.register("t2", "S2", "NO_TRACKING_UPDATE", 3_000, {})
    restored = roundtrip(wheel)
    assert restored.due(500) == []
    restored = roundtrip(restored)
    assert ids(restored.due(1_000)) == ["t1"]
    restored = roundtrip(restored)
    assert restored.due(2_000) == []
    assert ids(restored.due(3_000)) == ["t2"]
    restored = roundtrip(restored)
    assert restored.due(10**12) == []


def test_replayed_registration_of_a_fired_deadline_is_ignored_after_restart():
    wheel = TimerWheel()
    wheel.register("t1", "S1", "k", 1_000, {})
    assert ids(wheel.due(1_000)) == ["t1"]
    restored = roundtrip(wheel)
    assert restored.has_fired("t1", 1_000)
    # A source event replayed after a crash registers the same deadline again.
    assert restored.register("t1", "S1", "k", 1_000, {}) is False
    assert restored.due(10**12) == []
    # A moved deadline for the same timer id is a new deadline and fires.
    assert restored.register("t1", "S1", "k", 2_000, {}) is True
    assert [(t.timer_id, t.due_ms) for t in restored.due(10**12)] == [("t1", 2_000)]


def test_state_is_json_only_and_round_trips_exactly():
    wheel = TimerWheel(max_fired=50, fired_retention_ms=1234)
    wheel.register("t1", "S1", "k", 1_000, {"nested": {"x": [1, 2]}})
    wheel.register("t2", "S2", "k", 2_000, {})
    wheel.due(1_500)
    data = wheel.to_dict()
    assert json.loads(json.dumps(data)) == data
    restored = TimerWheel.from_dict(data)
    assert restored.to_dict() == data
    assert restored.max_fired == 50 and restored.fired_retention_ms == 1234
    assert TimerWheel.from_dict(None).to_dict()["pending"] == []


def test_fired_memory_is_bounded_by_count():
    wheel = TimerWheel(max_fired=3, fired_retention_ms=10**12)
    for i in range(10):
        wheel.register(f"t{i}", "K", "k", i, {})
    wheel.due(100)
    assert len(wheel.to_dict()["fired"]) == 3
    assert wheel.has_fired("t9", 9) and not wheel.has_fired("t0", 0)


def test_fired_memory_is_bounded_by_retention():
    wheel = TimerWheel(max_fired=1000, fired_retention_ms=100)
    wheel.register("old", "K", "k", 10, {})
    wheel.due(10)
    assert wheel.has_fired("old", 10)
    wheel.due(111)  # 10 < 111 - 100: forgotten
    assert not wheel.has_fired("old", 10)
    assert wheel.clock_ms == 111


def test_next_due_skips_cancelled_and_moved():
    wheel = TimerWheel()
    wheel.register("a", "K", "k", 10, {})
    wheel.register("b", "K", "k", 20, {})
    wheel.register("c", "K", "k", 30, {})
    wheel.cancel("a")
    wheel.register("b", "K", "k", 40, {})
    assert wheel.next_due_ms() == 30


def test_many_moves_keep_heap_compact():
    wheel = TimerWheel()
    for due in range(5_000):
        wheel.register("t", "K", "k", due, {})
    assert len(wheel._heap) <= 2 * len(wheel) + 65
    assert [(t.timer_id, t.due_ms) for t in wheel.due(10**9)] == [("t", 4_999)]


def test_dirty_flag_tracks_changes():
    wheel = TimerWheel()
    assert not wheel.dirty
    wheel.register("t", "K", "k", 5, {})
    assert wheel.dirty
    wheel.dirty = False
    wheel.due(1)
    assert not wheel.dirty
    wheel.due(5)
    assert wheel.dirty


ops = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, 5), st.integers(0, 300)),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("advance"), st.integers(0, 60)),
        st.tuples(st.just("restart")),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_random_schedules_fire_each_live_timer_exactly_once_never_early(operations):
    wheel = TimerWheel(max_fired=10_000, fired_retention_ms=10**9)
    pending: dict[str, int] = {}  # model of armed timers
    fired_log: list[tuple[str, int]] = []
    now = 0

    def check_due(clock: int) -> None:
        got = wheel.due(clock)
        expected = sorted((due, tid) for tid, due in pending.items() if due <= clock)
        assert [(t.due_ms, t.timer_id) for t in got] == expected
        for t in got:
            assert t.due_ms <= clock  # never before its due time
            fired_log.append((t.timer_id, t.due_ms))
            del pending[t.timer_id]

    for op in operations:
        if op[0] == "register":
            tid, due = f"t{op[1]}", op[2]
            wheel.register(tid, "K", "kind", due, {"due": due})
            if (tid, due) not in fired_log:
                pending[tid] = due
        elif op[0] == "cancel":
            wheel.cancel(f"t{op[1]}")
            pending.pop(f"t{op[1]}", None)
        elif op[0] == "advance":
            now += op[1]
            check_due(now)
        else:
            wheel = roundtrip(wheel)
        assert sorted((t.timer_id, t.due_ms) for t in wheel.pending()) == sorted(pending.items())
    check_due(10**9)
    assert pending == {}
    assert len(fired_log) == len(set(fired_log))  # each (timer, deadline) fired exactly once
    assert wheel.due(10**9 + 1) == []


def test_watermark_is_max_seen_and_never_goes_back():
    wm = Watermark()
    assert wm.value_ms is None
    assert wm.advance(1_000) == 1_000
    assert wm.advance(500) == 1_000
    assert wm.advance(2_000) == 2_000
    restored = Watermark.from_dict(json.loads(json.dumps(wm.to_dict())))
    assert restored.advance(1_500) == 2_000


def test_watermark_allowed_lateness_holds_time_back():
    wm = Watermark(allowed_lateness_ms=300)
    assert wm.advance(1_000) == 700
    assert wm.advance(900) == 700
    assert Watermark.from_dict(wm.to_dict()).value_ms == 700
