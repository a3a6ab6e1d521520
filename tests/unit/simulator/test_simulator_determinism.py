"""Same config and seed: byte-identical output. Another seed: another stream."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from supplylake.simulator import (
    FaultConfig,
    SimEvent,
    Simulation,
    SimulationConfig,
    SimulatorConfigError,
    write_erp_snapshots,
    write_jsonl,
)


def _write(config: SimulationConfig, directory: Path) -> list[bytes]:
    sim = Simulation(config)
    write_jsonl(
        sim.events(until=config.start + timedelta(hours=14)),
        directory / "events.jsonl",
        manifest_path=directory / "manifest.json",
    )
    write_erp_snapshots(sim.erp_snapshots, directory / "erp_snapshots.csv")
    sim.world.write_reference(directory / "reference")
    names = [
        "events.jsonl",
        "manifest.json",
        "erp_snapshots.csv",
        "erp_snapshot_labels.csv",
        "reference/skus.csv",
        "reference/warehouses.csv",
        "reference/suppliers.csv",
        "reference/carriers.csv",
    ]
    return [(directory / name).read_bytes() for name in names]


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    config = SimulationConfig(seed=42, events_per_hour=2400, erp_snapshot_every=timedelta(hours=3))
    first = _write(config, tmp_path / "a")
    second = _write(config, tmp_path / "b")
    assert first == second
    events, _, erp, labels = first[:4]
    assert events.count(b"\n") > 30_000 and erp.count(b"\n") > 3 * 150 and labels.count(b"\n") > 3


def test_different_seed_gives_a_different_stream() -> None:
    def head(seed: int) -> list[bytes]:
        return [e.value for e in itertools.islice(Simulation(SimulationConfig(seed=seed)).events(), 2_000)]

    a, b = head(1), head(2)
    assert a != b
    assert len(set(a) & set(b)) == 0, "event ids come from the seed"


def test_calling_events_again_restarts_the_same_stream() -> None:
    sim = Simulation(SimulationConfig(seed=9))
    first = [e.value for e in itertools.islice(sim.events(), 3_000)]
    manifest = dict(sim.manifest.counts)
    again = [e.value for e in itertools.islice(sim.events(), 3_000)]
    assert first == again and sim.manifest.counts == manifest


def test_another_run_of_a_seed_tells_the_same_clean_story_with_other_identifiers() -> None:
    def clean(run: int) -> list[SimEvent]:
        config = SimulationConfig(seed=3, faults=FaultConfig.none(), run=run)
        return list(itertools.islice(Simulation(config).events(), 2_000))

    own, other = clean(0), clean(1_700_000_000)
    assert [(e.event_type, e.key.split("-")[0], e.time_ms) for e in own] == [
        (e.event_type, e.key.split("-")[0], e.time_ms) for e in other
    ]
    assert not {e.event_id for e in own} & {e.event_id for e in other}
    assert Simulation(SimulationConfig(seed=3, run=1)).tag != Simulation(SimulationConfig(seed=3)).tag


def test_a_negative_run_is_refused() -> None:
    with pytest.raises(SimulatorConfigError, match="run"):
        SimulationConfig(run=-1)
