"""Configuration, event-time rate, bounded runs and the live-mode start."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from supplylake.simulator import ALLOWED_LATENESS_MS, Simulation, SimulationConfig, SimulatorConfigError
from supplylake.simulator.events import to_ms


@pytest.mark.parametrize(
    "bad",
    [
        {"start": datetime(2025, 1, 1)},
        {"events_per_hour": 0},
        {"erp_snapshot_every": timedelta(0)},
        {"erp_disagreement_rate": 0.9},
        {"seasonality": 2.0},
        {"regions": ("ATLANTIS",)},
    ],
)
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(SimulatorConfigError):
        Simulation(SimulationConfig(**bad))  # type: ignore[arg-type]


def test_event_time_advances_at_the_requested_rate() -> None:
    config = SimulationConfig(seed=6, events_per_hour=600, seasonality=0.0)
    events = list(Simulation(config).events(until=config.start + timedelta(days=4)))
    clean = [e for e in events if e.fault is None]
    assert abs(len(clean) / (4 * 24) - 600) < 0.1 * 600
    per_day = Counter((e.time_ms - to_ms(config.start)) // 86_400_000 for e in clean)
    assert all(abs(n / 24 - 600) < 0.2 * 600 for n in per_day.values())
    assert config.mean_seconds_between_events == 6.0


def test_live_start_and_until_bound_the_stream() -> None:
    start = datetime(2026, 3, 1, 13, 37, 12, 345000, tzinfo=timezone(timedelta(hours=2)))
    config = SimulationConfig(seed=12, start=start, events_per_hour=7200)
    assert config.start == start.astimezone(UTC)
    until = config.start + timedelta(hours=5)
    events = list(Simulation(config).events(until=until))
    assert min(e.time_ms for e in events) >= to_ms(config.start)
    assert max(e.time_ms for e in events) <= to_ms(until)
    assert abs(len(events) - 5 * 7200) < 0.2 * 5 * 7200
    # Held-back events are flushed at the end, still correctly labelled.
    newest = -1
    for event in events:
        if event.fault == "late":
            assert newest - event.time_ms > ALLOWED_LATENESS_MS
        if event.fault == "out_of_order":
            assert 0 < newest - event.time_ms <= ALLOWED_LATENESS_MS
        newest = max(newest, event.time_ms)
    assert events[0].value.decode().count('"timestamp":"2026-03-01T11:37:12.') == 1


def test_the_stream_is_endless() -> None:
    config = SimulationConfig(seed=1, events_per_hour=2_000, warehouses=1, skus=5, customers=20)
    last = list(itertools.islice(Simulation(config).events(), 30_000))[-1]
    assert last.event_time > config.start + timedelta(hours=12)
