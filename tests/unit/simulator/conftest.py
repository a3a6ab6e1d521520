"""Simulated streams shared by the simulator tests (generated once per session: they are pure)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest

from supplylake.simulator import Simulation, SimulationConfig
from tests.support.sim_streams import N_FAULTY, Run, Valid, state_bearing


@pytest.fixture(scope="session")
def faulty_run() -> Run:
    """20,000 emitted events with the default fault ratios."""
    sim = Simulation(SimulationConfig(seed=11))
    events = list(itertools.islice(sim.events(), N_FAULTY))
    return Run(sim.config, events, sim.manifest, list(sim.erp_snapshots))


@pytest.fixture(scope="session")
def long_run() -> Run:
    """Six days of event time at a low rate (long enough for POs to arrive), default faults."""
    config = SimulationConfig(seed=23, events_per_hour=500)
    sim = Simulation(config)
    events = list(sim.events(until=config.start + timedelta(days=6)))
    return Run(config, events, sim.manifest, list(sim.erp_snapshots))


@pytest.fixture(scope="session")
def long_valid(long_run: Run) -> list[Valid]:
    return state_bearing(long_run)


@pytest.fixture(scope="session")
def by_type(long_valid: list[Valid]) -> Callable[[str], list[Valid]]:
    def select(event_type: str) -> list[Valid]:
        return [v for v in long_valid if v.payload["eventType"] == event_type]

    return select


@pytest.fixture(scope="session")
def supply_run() -> Run:
    """Three weeks at a low rate: several replenishment cycles, with the default faults."""
    config = SimulationConfig(seed=31, events_per_hour=150)
    sim = Simulation(config)
    events = list(sim.events(until=config.start + timedelta(days=21)))
    return Run(config, events, sim.manifest, list(sim.erp_snapshots))


@pytest.fixture(scope="session")
def supply_valid(supply_run: Run) -> list[Valid]:
    return state_bearing(supply_run)
