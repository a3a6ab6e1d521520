"""Stock state machine: transitions, ordering, late events, duplicates, state round trips."""

from __future__ import annotations

import json
import uuid

import pytest

from supplylake.errors import FatalError
from supplylake.pipelines.inventory import (
    MAX_DEDUPE_IDS,
    MAX_WINDOW_EVENTS,
    InvalidStockEventError,
    LevelChange,
    StockConfigError,
    StockEvent,
    StockOutcome,
    StockState,
    StockStateError,
    apply_event,
)

WH, SKU = "WH-Dallas-01", "LAPTOP-XPS-15"
LATENESS = 600_000
HORIZON = 86_400_000
T0 = 1_736_951_025_000


def ev(event_id: str, event_type: str, t: int, quantity: int) -> StockEvent:
    return StockEvent(event_id, f"inventory.{event_type}", T0 + t, WH, SKU, quantity)


def run(
    events: list[StockEvent], state: StockState | None = None, **limits: int
) -> tuple[StockState, list[StockOutcome]]:
    state = state or StockState.empty()
    outcomes = []
    for event in events:
        state, outcome = apply_event(
            state,
            event,
            allowed_lateness_ms=limits.get("allowed_lateness_ms", LATENESS),
            dedupe_horizon_ms=limits.get("dedupe_horizon_ms", HORIZON),
            max_dedupe_ids=limits.get("max_dedupe_ids", MAX_DEDUPE_IDS),
            max_window_events=limits.get("max_window_events", MAX_WINDOW_EVENTS),
        )
        outcomes.append(outcome)
    return state, outcomes


def levels(state: StockState) -> tuple[int, int, int]:
    return state.on_hand, state.reserved, state.available


# --- transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "quantity", "expected"),
    [
        ("received", 30, (130, 20, 110)),
        ("shipped", 30, (70, 20, 50)),
        ("adjusted", -7, (93, 20, 73)),
        ("adjusted", 7, (107, 20, 87)),
        ("counted", 42, (42, 20, 22)),
        ("counted", 0, (0, 20, -20)),
        ("reserved", 5, (100, 25, 75)),
        ("released", 5, (100, 15, 85)),
        ("released", 50, (100, 0, 100)),  # clamped at 0, never negative reservations
    ],
)
def test_each_transition_type(event_type: str, quantity: int, expected: tuple[int, int, int]) -> None:
    start, _ = run([ev("a", "received", 0, 100), ev("b", "reserved", 1, 20)])
    state, outcome = apply_event(start, ev("c", event_type, 2, quantity))
    assert levels(state) == expected
    assert outcome == StockOutcome(
        duplicate=False,
        late=False,
        level_changes=(outcome.current,),
        current=LevelChange("c", T0 + 2, WH, SKU, *expected, is_late=False, revision=0),
    )


def test_count_sets_level_regardless_of_history() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("b", "shipped", 1, 25), ev("c", "counted", 2, 7)])
    assert levels(state) == (7, 0, 7)
    state, _ = apply_event(state, ev("d", "shipped", 3, 2))
    assert levels(state) == (5, 0, 5)


def test_shipping_more_than_on_hand_goes_negative() -> None:
    state, _ = run([ev("a", "received", 0, 3), ev("b", "shipped", 1, 5)])
    assert levels(state) == (-2, 0, -2)


def test_apply_does_not_mutate_input_state() -> None:
    before, _ = run([ev("a", "received", 0, 10), ev("b", "received", 10, 5)])
    snapshot = json.dumps(before.to_dict())
    apply_event(before, ev("c", "shipped", 5, 3))  # out of order: recomputes the window
    apply_event(before, ev("a", "received", 0, 10))  # duplicate
    assert json.dumps(before.to_dict()) == snapshot


# --- event time ----------------------------------------------------------------------------


def test_out_of_order_event_is_inserted_and_later_levels_corrected() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("c", "shipped", 20, 4), ev("d", "received", 30, 1)])
    state, outcome = apply_event(state, ev("b", "received", 10, 5))
    assert not outcome.late and not outcome.duplicate
    assert [(c.event_id, c.on_hand, c.revision) for c in outcome.level_changes] == [
        ("b", 15, 0),
        ("c", 11, 1),
        ("d", 12, 1),
    ]
    assert outcome.current == outcome.level_changes[-1]
    assert levels(state) == (12, 0, 12)


def test_correction_stops_where_a_count_absorbs_the_insert() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("c", "counted", 20, 50), ev("d", "shipped", 30, 5)])
    state, outcome = apply_event(state, ev("b", "shipped", 10, 3))
    assert [(c.event_id, c.on_hand, c.revision) for c in outcome.level_changes] == [("b", 7, 0)]
    # The current level is the latest event in event time, unchanged at revision 0.
    assert outcome.current == LevelChange("d", T0 + 30, WH, SKU, 45, 0, 45, is_late=False, revision=0)
    assert levels(state) == (45, 0, 45)


def test_revision_keeps_incrementing_per_event() -> None:
    state, _ = run([ev("z", "received", 100, 1)])
    state, first = apply_event(state, ev("b", "received", 50, 2))
    state, second = apply_event(state, ev("a", "received", 10, 4))
    assert [(c.event_id, c.revision) for c in first.level_changes] == [("b", 0), ("z", 1)]
    assert [(c.event_id, c.revision) for c in second.level_changes] == [("a", 0), ("b", 1), ("z", 2)]
    assert levels(state) == (7, 0, 7)


def test_equal_event_times_order_by_event_id() -> None:
    sorted_state, _ = run([ev("a", "received", 5, 10), ev("b", "shipped", 5, 3)])
    state, outcomes = run([ev("b", "shipped", 5, 3), ev("a", "received", 5, 10)])
    assert levels(state) == levels(sorted_state) == (7, 0, 7)
    assert [(c.event_id, c.on_hand, c.revision) for c in outcomes[1].level_changes] == [
        ("a", 10, 0),
        ("b", 7, 1),
    ]


def test_event_exactly_at_the_lateness_bound_is_not_late() -> None:
    state, _ = run([ev("b", "received", LATENESS, 1)])
    state, outcome = apply_event(state, ev("a", "counted", 0, 10))
    assert not outcome.late
    assert levels(state) == (11, 0, 11)


# --- late events ---------------------------------------------------------------------------


def test_late_event_is_applied_as_of_now_flagged_and_counted() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("b", "received", LATENESS + 10, 5)])
    state, outcome = apply_event(state, ev("old", "shipped", 9, 4))
    assert outcome.late and not outcome.duplicate
    assert outcome.level_changes == (LevelChange("old", T0 + 9, WH, SKU, 11, 0, 11, is_late=True, revision=0),)
    assert outcome.current == outcome.level_changes[0]
    assert state.late_count == 1
    assert levels(state) == (11, 0, 11)


def test_late_count_sets_on_hand_now() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("b", "received", 2 * LATENESS, 5)])
    state, outcome = apply_event(state, ev("old", "counted", 1, 3))
    assert outcome.late
    assert levels(state) == (3, 0, 3)


def test_late_events_stay_in_arrival_order_and_later_in_order_events_apply_on_top() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("m", "received", 2 * LATENESS, 5)])
    state, o1 = apply_event(state, ev("z-old", "counted", 1, 100))
    state, o2 = apply_event(state, ev("a-old", "shipped", 2, 10))  # sorts before z-old by id
    assert o1.late and o2.late
    assert [c.event_id for c in o2.level_changes] == ["a-old"]  # no correction of z-old
    assert levels(state) == (90, 0, 90)
    state, o3 = apply_event(state, ev("n", "received", 2 * LATENESS + 1, 1))
    assert not o3.late and levels(state) == (91, 0, 91)
    assert state.late_count == 2


def test_in_lateness_insert_before_a_late_event_recomputes_it() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("m", "received", 2 * LATENESS, 5)])
    state, _ = apply_event(state, ev("old", "shipped", 1, 2))  # late, applied at "now"
    state, outcome = apply_event(state, ev("b", "counted", 2 * LATENESS - 5, 40))
    assert not outcome.late
    assert [(c.event_id, c.on_hand, c.is_late, c.revision) for c in outcome.level_changes] == [
        ("b", 40, False, 0),
        ("m", 45, False, 1),
        ("old", 43, True, 1),
    ]
    assert levels(state) == (43, 0, 43)


# --- duplicates ----------------------------------------------------------------------------


def test_duplicate_is_applied_once() -> None:
    state, _ = run([ev("a", "received", 0, 10)])
    again, outcome = apply_event(state, ev("a", "received", 0, 10))
    assert outcome == StockOutcome(duplicate=True, late=False, level_changes=(), current=None)
    assert levels(again) == (10, 0, 10)
    assert again.duplicate_count == 1
    assert again.window == state.window and again.seen == state.seen


def test_duplicate_id_with_different_payload_is_still_a_duplicate() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("a", "shipped", 5, 3)])
    assert levels(state) == (10, 0, 10)
    assert state.duplicate_count == 1


def test_duplicate_of_late_event_is_caught_within_horizon() -> None:
    # A replayed batch of old events: the first copy is late, the second a duplicate.
    state, _ = run([ev("now", "received", 3 * HORIZON, 10)])
    state, first = apply_event(state, ev("old", "shipped", 0, 1))
    state, second = apply_event(state, ev("old", "shipped", 0, 1))
    assert first.late and second.duplicate
    assert levels(state) == (9, 0, 9)


def test_ids_beyond_the_dedupe_horizon_are_forgotten() -> None:
    horizon = 2 * LATENESS
    state, _ = run([ev("a", "received", 0, 10), ev("b", "received", horizon, 1)], dedupe_horizon_ms=horizon)
    assert "a" in state.seen
    state, _ = run([ev("c", "received", horizon + 1, 1)], state, dedupe_horizon_ms=horizon)
    assert "a" not in state.seen and "b" in state.seen
    # A copy after the horizon is applied again: a late event, flagged, never silently dropped.
    state, outcomes = run([ev("a", "received", 0, 10)], state, dedupe_horizon_ms=horizon)
    assert outcomes[0].late and levels(state) == (22, 0, 22)


def test_horizon_shorter_than_lateness_is_widened() -> None:
    state, _ = run(
        [ev("a", "received", 0, 10), ev("b", "received", LATENESS, 1), ev("a", "received", 0, 10)],
        dedupe_horizon_ms=1,
    )
    assert levels(state) == (11, 0, 11) and state.duplicate_count == 1


def test_dedupe_cap_forgets_earliest_arrivals_first() -> None:
    events = [ev(f"e{i}", "received", i * LATENESS, 1) for i in range(6)]
    state, _ = run(events, max_dedupe_ids=3)
    assert list(state.seen) == ["e3", "e4", "e5"]


def test_window_catches_duplicate_the_capped_memory_forgot() -> None:
    events = [ev(f"e{i}", "received", i, 1) for i in range(5)]
    state, _ = run(events, max_dedupe_ids=2)
    assert "e1" not in state.seen and any(e.event_id == "e1" for e in state.window)
    state, outcomes = run([ev("e1", "received", 1, 1)], state, max_dedupe_ids=2)
    assert outcomes[0].duplicate and levels(state) == (5, 0, 5)


# --- window, folding, bounds ---------------------------------------------------------------


def test_events_leave_the_window_into_the_base() -> None:
    state, _ = run([ev("a", "received", 0, 10), ev("b", "shipped", 1, 3), ev("c", "received", LATENESS + 2, 1)])
    assert [e.event_id for e in state.window] == ["c"]
    assert (state.base_on_hand, state.base_reserved) == (7, 0)
    assert levels(state) == (8, 0, 8)


def test_window_cap_folds_oldest_and_older_arrivals_become_late() -> None:
    events = [ev(f"e{i}", "received", 10 * i, 1) for i in range(5)]
    state, _ = run(events, max_window_events=2)
    assert [e.event_id for e in state.window] == ["e3", "e4"]
    # Within lateness but before the folded base: cannot be placed in order, so late.
    state, outcomes = run([ev("x", "counted", 15, 100)], state, max_window_events=2)
    assert outcomes[0].late and levels(state) == (100, 0, 100)
    # Inside the retained window: still placed in order.
    state, outcomes = run([ev("y", "received", 35, 2)], state, max_window_events=2)
    assert not outcomes[0].late


def test_state_stays_bounded_after_50k_events_on_one_key() -> None:
    state = StockState.empty()
    kinds = ["received", "shipped", "reserved", "released", "adjusted", "counted"]
    for i in range(50_000):
        # Dense and slightly shuffled: 4 events per second, pairs swapped.
        t = (i ^ 1) * 250
        event = ev(str(uuid.UUID(int=i)), kinds[i % 6], t, 1 + i % 7)
        state, outcome = apply_event(state, event)
        assert not outcome.late
    data = state.to_dict()
    assert len(state.seen) <= MAX_DEDUPE_IDS
    assert len(state.window) <= MAX_WINDOW_EVENTS
    # Documented bound: under 1 MB of JSON at the default caps with 36-character ids.
    assert len(json.dumps(data)) < 1_000_000
    assert StockState.from_dict(json.loads(json.dumps(data))) == state


# --- seeded state --------------------------------------------------------------------------


def test_seeded_state_continues_from_the_lake_level() -> None:
    state = StockState.seeded(on_hand=50, reserved=8, as_of_ms=T0 + 1000)
    assert levels(state) == (50, 8, 42)
    state, outcome = apply_event(state, ev("a", "shipped", 1001, 5))
    assert not outcome.late
    assert outcome.current == LevelChange("a", T0 + 1001, WH, SKU, 45, 8, 37, is_late=False, revision=0)


def test_seeded_state_treats_folded_history_as_before_the_base() -> None:
    state = StockState.seeded(on_hand=50, reserved=0, as_of_ms=T0 + 1000)
    state, outcome = apply_event(state, ev("a", "received", 1000, 5))  # at as_of: folded
    assert outcome.late and levels(state) == (55, 0, 55)
    state, outcome = apply_event(state, ev("b", "received", 999, 1))  # within lateness, folded
    assert outcome.late and levels(state) == (56, 0, 56)
    state, outcome = apply_event(state, ev("c", "shipped", 1500, 6))
    assert not outcome.late and levels(state) == (50, 0, 50)
    # Inserting before c but after the seed point is an ordinary reordering.
    state, outcome = apply_event(state, ev("d", "counted", 1200, 10))
    assert not outcome.late
    assert [(c.event_id, c.on_hand) for c in outcome.level_changes] == [("d", 10), ("c", 4)]
    assert levels(state) == (4, 0, 4)
    assert state.late_count == 2


def test_seeded_state_round_trips() -> None:
    state = StockState.seeded(on_hand=-3, reserved=2, as_of_ms=T0)
    assert StockState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@pytest.mark.parametrize("bad", [{"on_hand": 1.5}, {"reserved": -1}, {"as_of_ms": None}])
def test_seeded_rejects_bad_levels(bad: dict[str, object]) -> None:
    args: dict[str, object] = {"on_hand": 1, "reserved": 0, "as_of_ms": 0, **bad}
    with pytest.raises(StockStateError):
        StockState.seeded(**args)  # type: ignore[arg-type]


# --- round trips and errors ----------------------------------------------------------------


def test_round_trip_mid_stream_continues_identically() -> None:
    events = [
        ev("a", "received", 0, 20),
        ev("b", "reserved", 50, 5),
        ev("c", "shipped", 30, 4),
        ev("d", "received", 3 * LATENESS, 2),
        ev("old", "counted", 10, 7),
        ev("b", "reserved", 50, 5),
        ev("e", "released", 3 * LATENESS - 1, 9),
    ]
    direct, direct_outcomes = run(events)
    state, outcomes = run(events[:4])
    restored = StockState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    final, rest = run(events[4:], restored)
    assert final == direct
    assert outcomes + rest == direct_outcomes


def test_empty_state_round_trips_and_is_json() -> None:
    data = StockState.empty().to_dict()
    assert StockState.from_dict(json.loads(json.dumps(data))) == StockState.empty()


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d.update(v=99),
        lambda d: d.pop("window"),
        lambda d: d.update(base_on_hand="x"),
        lambda d: d.update(on_hand=12345),
        lambda d: d["window"][-1].update(on_hand=12345),
        lambda d: d.update(window=list(reversed(d["window"]))),
        lambda d: d["seen"]["chunks"][0].update(a="x"),
        lambda d: d["window"][0].update(event_type="inventory.stolen"),
        lambda d: d["window"][0].update(quantity=True),
    ],
)
def test_from_dict_rejects_malformed_state(corrupt) -> None:  # type: ignore[no-untyped-def]
    state, _ = run([ev("a", "received", 0, 10), ev("b", "shipped", 5, 1)])
    data = json.loads(json.dumps(state.to_dict()))
    corrupt(data)
    with pytest.raises(StockStateError) as info:
        StockState.from_dict(data)
    assert isinstance(info.value, FatalError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"event_type": "inventory.stolen"},
        {"event_id": ""},
        {"quantity": 1.5},
        {"quantity": True},
        {"event_time_ms": "2025-01-15T14:23:45Z"},
    ],
)
def test_invalid_stock_event_is_rejected(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "event_id": "a",
        "event_type": "inventory.received",
        "event_time_ms": T0,
        "warehouse_id": WH,
        "sku": SKU,
        "quantity": 1,
        **kwargs,
    }
    with pytest.raises(InvalidStockEventError):
        StockEvent(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "limits",
    [
        {"allowed_lateness_ms": -1},
        {"dedupe_horizon_ms": -1},
        {"max_dedupe_ids": 0},
        {"max_window_events": 0},
    ],
)
def test_impossible_limits_are_rejected(limits: dict[str, int]) -> None:
    with pytest.raises(StockConfigError):
        apply_event(StockState.empty(), ev("a", "received", 0, 1), **limits)
