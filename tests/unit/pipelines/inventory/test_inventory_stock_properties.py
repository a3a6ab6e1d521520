"""Properties of the stock state machine: event-time order, dedupe, round trips, late events."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.pipelines.inventory import LevelChange, StockEvent, StockOutcome, StockState, apply_event

WH, SKU = "WH-1", "SKU-1"
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

QUANTITIES = {
    "received": st.integers(1, 50),
    "shipped": st.integers(1, 50),
    "adjusted": st.integers(-30, 30).filter(bool),
    "counted": st.integers(0, 100),
    "reserved": st.integers(1, 30),
    "released": st.integers(1, 30),
}
# Effects that commute: final levels do not depend on order, late or not.
DELTA_KINDS = ("received", "shipped", "adjusted", "reserved")


@st.composite
def event_lists(draw: st.DrawFn, kinds: tuple[str, ...] = tuple(QUANTITIES)) -> list[StockEvent]:
    # Ids deliberately unrelated to time order, and a narrow time range, so equal event
    # times (ordered by id) and reorderings across the lateness bound are common.
    ids = draw(st.lists(st.text("abcdef0123", min_size=1, max_size=5), min_size=1, max_size=40, unique=True))
    events = []
    for event_id in ids:
        kind = draw(st.sampled_from(kinds))
        t, quantity = draw(st.integers(0, 200)), draw(QUANTITIES[kind])
        events.append(StockEvent(event_id, f"inventory.{kind}", t, WH, SKU, quantity))
    return events


@st.composite
def bounded_arrivals(draw: st.DrawFn) -> tuple[int, list[StockEvent], list[StockEvent]]:
    """(lateness, events, arrival order) where no event arrives later than the lateness bound.

    Each event is delayed by 0..lateness and events arrive in order of event time + delay. If f
    arrives before e then t_f + d_f <= t_e + d_e, so t_f - t_e <= d_e - d_f <= lateness: the
    running max at e's arrival is at most t_e + lateness, i.e. e is never late.
    """
    lateness = draw(st.integers(0, 60))
    events = draw(event_lists())
    n = len(events)
    delays = draw(st.lists(st.one_of(st.just(lateness), st.integers(0, lateness)), min_size=n, max_size=n))
    tiebreak = draw(st.permutations(range(n)))
    order = sorted(range(n), key=lambda i: (events[i].event_time_ms + delays[i], tiebreak[i]))
    return lateness, events, [events[i] for i in order]


def run(
    events: list[StockEvent], lateness: int, state: StockState | None = None
) -> tuple[StockState, list[StockOutcome]]:
    state = state or StockState.empty()
    outcomes = []
    for event in events:
        state, outcome = apply_event(state, event, allowed_lateness_ms=lateness, dedupe_horizon_ms=10_000)
        outcomes.append(outcome)
        # The reported current level is always the state's level.
        if outcome.current is not None:
            assert (outcome.current.on_hand, outcome.current.reserved) == (state.on_hand, state.reserved)
    return state, outcomes


def history(outcomes: list[StockOutcome]) -> list[tuple[Any, ...]]:
    """Latest revision per event id, in (event_time, event_id) order, without the revision."""
    latest: dict[str, LevelChange] = {}
    for outcome in outcomes:
        for change in outcome.level_changes:
            previous = latest.get(change.event_id)
            # Revisions of one event only ever go up.
            assert previous is None or change.revision > previous.revision
            latest[change.event_id] = change
    return [
        (c.event_time_ms, c.event_id, c.on_hand, c.reserved, c.available, c.is_late)
        for c in sorted(latest.values(), key=lambda c: (c.event_time_ms, c.event_id))
    ]


def view(state: StockState) -> tuple[Any, ...]:
    """Everything in a state except bookkeeping that legitimately depends on arrival order."""
    return (
        state.on_hand,
        state.reserved,
        state.base_on_hand,
        state.base_reserved,
        state.max_event_time_ms,
        state.floor,
        [(e.sort_key, e.event_type, e.quantity, e.on_hand, e.reserved) for e in state.window],
        sorted(state.seen.items()),
        state.late_count,
    )


def sorted_stream(events: list[StockEvent]) -> list[StockEvent]:
    return sorted(events, key=lambda e: (e.event_time_ms, e.event_id))


@PROPERTY_SETTINGS
@given(bounded_arrivals())
def test_bounded_reordering_gives_sorted_state_and_history(
    case: tuple[int, list[StockEvent], list[StockEvent]],
) -> None:
    lateness, events, arrivals = case
    expected_state, expected_outcomes = run(sorted_stream(events), lateness)
    state, outcomes = run(arrivals, lateness)
    assert not any(o.late or o.duplicate for o in outcomes)
    assert all(c.revision == 0 for o in expected_outcomes for c in o.level_changes)
    assert view(state) == view(expected_state)
    assert history(outcomes) == history(expected_outcomes)
    assert len(history(outcomes)) == len(events)


@PROPERTY_SETTINGS
@given(bounded_arrivals(), st.data())
def test_injected_duplicates_never_change_state_or_history(
    case: tuple[int, list[StockEvent], list[StockEvent]], data: st.DataObject
) -> None:
    lateness, _, arrivals = case
    stream = list(arrivals)
    copies = data.draw(st.integers(1, 10))
    for _ in range(copies):
        # A copy of an event that has already arrived, anywhere after the original.
        original = data.draw(st.integers(0, len(stream) - 1))
        position = data.draw(st.integers(original + 1, len(stream)))
        stream.insert(position, stream[original])
    expected_state, expected_outcomes = run(arrivals, lateness)
    state, outcomes = run(stream, lateness)
    assert view(state) == view(expected_state)
    assert history(outcomes) == history(expected_outcomes)
    assert state.duplicate_count == copies
    duplicates = [o for o in outcomes if o.duplicate]
    assert len(duplicates) == copies
    assert all(o.level_changes == () and o.current is None for o in duplicates)


@PROPERTY_SETTINGS
@given(event_lists(), st.integers(0, 60), st.randoms(use_true_random=False), st.data())
def test_round_trip_mid_stream_continues_identically(
    events: list[StockEvent], lateness: int, rnd: Any, data: st.DataObject
) -> None:
    # Any arrival order, with repeats: late events and duplicates included.
    stream = events + data.draw(st.lists(st.sampled_from(events), max_size=5))
    rnd.shuffle(stream)
    cut = data.draw(st.integers(0, len(stream)))
    expected_state, expected_outcomes = run(stream, lateness)
    state, outcomes = run(stream[:cut], lateness)
    encoded = json.dumps(state.to_dict())
    restored = StockState.from_dict(json.loads(encoded))
    assert restored == state
    state, rest = run(stream[cut:], lateness, restored)
    assert state == expected_state
    assert outcomes + rest == expected_outcomes
    assert json.dumps(state.to_dict()) == json.dumps(expected_state.to_dict())


@PROPERTY_SETTINGS
@given(event_lists(kinds=DELTA_KINDS), st.integers(0, 30), st.randoms(use_true_random=False))
def test_any_order_late_or_not_applies_every_event_once(events: list[StockEvent], lateness: int, rnd: Any) -> None:
    stream = list(events)
    rnd.shuffle(stream)
    state, outcomes = run(stream, lateness)
    late = [o for o in outcomes if o.late]
    assert state.late_count == len(late)
    assert all(o.level_changes[0].is_late and o.level_changes[0].revision == 0 for o in late)
    assert {o.level_changes[0].event_id for o in outcomes} == {e.event_id for e in events}
    # Nothing dropped: with commuting effects the final level is the plain sum.
    sign = {"inventory.received": 1, "inventory.shipped": -1, "inventory.adjusted": 1}
    on_hand = sum(sign.get(e.event_type, 0) * e.quantity for e in events)
    reserved = sum(e.quantity for e in events if e.event_type == "inventory.reserved")
    assert (state.on_hand, state.reserved) == (on_hand, reserved)


@PROPERTY_SETTINGS
@given(event_lists(), st.integers(0, 200))
def test_seeded_state_continues_like_the_full_history(events: list[StockEvent], as_of: int) -> None:
    ordered = sorted_stream(events)
    prefix = [e for e in ordered if e.event_time_ms <= as_of]
    suffix = [e for e in ordered if e.event_time_ms > as_of]
    lateness = 50
    full_state, full_outcomes = run(ordered, lateness)
    before, _ = run(prefix, lateness)
    seeded = StockState.seeded(before.on_hand, before.reserved, as_of)
    state, outcomes = run(suffix, lateness, seeded)
    assert not any(o.late for o in outcomes)
    assert (state.on_hand, state.reserved) == (full_state.on_hand, full_state.reserved)
    assert history(outcomes) == history(full_outcomes[len(prefix) :])
