"""Demand windows: counting, finality, late events flagged (never dropped), hours add up to days."""

from __future__ import annotations

import random

import pytest

from supplylake.event_time import DAY_MS, HOUR_MS, MINUTE_MS
from supplylake.pipelines.demand.windows import (
    RETAINED,
    Granularity,
    KeyWindows,
    add_event,
    close_windows,
    closed_days,
)

T0 = 20_000 * DAY_MS  # a midnight, UTC


def test_an_event_is_counted_in_its_hour_and_its_day() -> None:
    key = KeyWindows()
    added = add_event(key, T0 + 90 * MINUTE_MS, 3, 30.0, clock_ms=None)
    assert not added.late
    assert [(c.granularity, c.window.start_ms) for c in added.changes] == [
        (Granularity.HOUR, T0 + HOUR_MS),
        (Granularity.DAY, T0),
    ]
    add_event(key, T0 + 100 * MINUTE_MS, 2, 20.0, clock_ms=None)
    (hour,) = key.hour
    (day,) = key.day
    assert (hour.units, hour.revenue, hour.orders, hour.revision) == (5, 50.0, 2, 2)
    assert (day.units, day.orders, day.final) == (5, 2, False)


def test_windows_close_when_the_clock_passes_their_end() -> None:
    key = KeyWindows()
    add_event(key, T0 + 10 * MINUTE_MS, 1, 0.0, clock_ms=None)
    assert key.next_close_ms() == T0 + HOUR_MS
    assert close_windows(key, T0 + HOUR_MS - 1) == []
    changes = close_windows(key, T0 + HOUR_MS)
    assert [(c.granularity, c.window.final) for c in changes] == [(Granularity.HOUR, True)]
    assert key.next_close_ms() == T0 + DAY_MS
    changes = close_windows(key, T0 + DAY_MS)
    assert closed_days(changes) == [key.day[0]]
    assert key.next_close_ms() is None
    assert close_windows(key, T0 + 2 * DAY_MS) == []  # final once


def test_an_event_for_a_final_hour_is_late_flagged_and_not_counted() -> None:
    key = KeyWindows()
    add_event(key, T0 + 10 * MINUTE_MS, 4, 0.0, clock_ms=None)
    close_windows(key, T0 + HOUR_MS)  # hour 0 final, day open
    late = add_event(key, T0 + 20 * MINUTE_MS, 6, 0.0, clock_ms=T0 + HOUR_MS)
    assert late.late
    hour, day = key.hour[0], key.day[0]
    assert (hour.units, hour.late_units, hour.late_events, hour.final) == (4, 6, 1, True)
    # The day is open but the event is late for it too: hours keep adding up to the day.
    assert (day.units, day.late_units, day.late_events, day.final) == (4, 6, 1, False)
    assert {c.granularity for c in late.changes} == {Granularity.HOUR, Granularity.DAY}


def test_a_late_event_for_a_forgotten_window_is_only_flagged() -> None:
    key = KeyWindows()
    for h in range(RETAINED["hour"] + 5):
        add_event(key, T0 + h * HOUR_MS, 1, 0.0, clock_ms=None)
    close_windows(key, T0 + (RETAINED["hour"] + 5) * HOUR_MS)
    assert len(key.hour) == RETAINED["hour"]
    added = add_event(key, T0 + 1, 1, 0.0, clock_ms=T0 + (RETAINED["hour"] + 5) * HOUR_MS)
    assert added.late
    assert all(c.granularity is Granularity.DAY for c in added.changes)  # the day is still remembered


def test_within_the_lateness_out_of_order_gives_the_sorted_result() -> None:
    """Events shuffled within the allowed lateness: same final windows as the sorted stream."""
    rng = random.Random(5)
    lateness = 30 * MINUTE_MS
    events = sorted((T0 + rng.randrange(3 * DAY_MS), rng.randint(1, 5)) for _ in range(400))

    def run(order: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
        key = KeyWindows()
        max_seen = None
        for t, units in order:
            max_seen = t if max_seen is None else max(max_seen, t)
            clock = max_seen - lateness
            close_windows(key, clock)
            add_event(key, t, units, 0.0, clock)
        close_windows(key, T0 + 10 * DAY_MS)
        return [(w.start_ms, w.units, w.late_units, w.orders) for w in key.day]

    shuffled = sorted(events, key=lambda e: e[0] + rng.randrange(lateness // 2))  # at most lateness/2 out of order
    assert run(shuffled) == run(events)
    assert sum(units for _, units, _, _ in run(shuffled)) == sum(u for _, u in events)


def test_hours_add_up_to_the_day_with_late_events() -> None:
    rng = random.Random(9)
    key = KeyWindows()
    clock = T0
    for _ in range(500):
        clock += rng.randrange(6 * MINUTE_MS)
        t = clock - rng.randrange(3 * HOUR_MS)  # some of these are late
        close_windows(key, clock)
        add_event(key, t, rng.randint(1, 3), 1.5, clock)
    close_windows(key, clock + 2 * DAY_MS)
    for day in key.day:
        hours = [h for h in key.hour if day.start_ms <= h.start_ms < day.start_ms + DAY_MS]
        if len(hours) < 24 and day.start_ms < key.hour[0].start_ms:
            continue  # some hours of this day were forgotten already
        assert sum(h.units for h in hours) == day.units
        assert sum(h.late_units for h in hours) <= day.late_units  # a late event for a forgotten hour
        assert sum(h.orders for h in hours) == day.orders
        assert sum(h.revenue for h in hours) == pytest.approx(day.revenue)


def test_stored_windows_round_trip() -> None:
    key = KeyWindows()
    add_event(key, T0 + 5, 2, 3.5, clock_ms=None)
    close_windows(key, T0 + HOUR_MS)
    assert KeyWindows.from_dict(key.to_dict()) == key
