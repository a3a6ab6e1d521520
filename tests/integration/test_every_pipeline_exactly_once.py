"""Every pipeline exactly once, judged against one plain `run` of the whole stream (one instance
each, one broker epoch) over a simulated stream with duplicates, late and malformed events:

- across broker epochs: the embedded broker starts empty on every `run`, the lake persists, and
  the pipelines' state comes back from the lake's state mirror (pipelines/state_mirror.py).
  Re-running a file adds no row to any table and raises no alert twice; continuing with the rest
  of the stream in a new epoch gives the lake the uninterrupted run gives, for shipments in
  transit, orders half fulfilled and stock levels alike;
- with two instances of every pipeline in one consumer group, SIGKILLed at random while they
  work: every kill is a rebalance (the survivor takes the partitions over, the restarted instance
  takes some back) and the lake is still the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from supplylake.settings import load_settings
from supplylake.simulator import FaultConfig, Simulation, SimulationConfig, write_jsonl
from tests.support.killed_run import replay_with_kills
from tests.support.lake_identity import CURRENT, IDENTITY, lake_contents
from tests.support.processes import cli

pytestmark = pytest.mark.integration

KILLS = 4


def run(path: Path, data_dir: Path) -> None:
    result = cli("run", "--input", str(path), data_dir=data_dir)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("epochs")
    faults = FaultConfig(duplicate=0.03, late=0.01, malformed_json=0.01, missing_field=0.01)
    lines = _simulated(root / "all.jsonl", faults).read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    first, second = root / "first.jsonl", root / "second.jsonl"
    first.write_bytes(b"".join(lines[:half]))
    second.write_bytes(b"".join(lines[half:]))
    return first, second, root / "all.jsonl"


def _simulated(path: Path, faults: FaultConfig) -> Path:
    simulation = Simulation(SimulationConfig(seed=11, events_per_hour=600, faults=faults))
    write_jsonl(simulation.events(max_events=4_000), path)
    return path


@pytest.fixture(scope="module")
def uninterrupted(
    stream: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str] | None]:
    """The lake of one plain run over the whole stream: what every other way must give."""
    data_dir = tmp_path_factory.mktemp("uninterrupted") / "data"
    run(stream[2], data_dir)
    return lake_contents(data_dir)


def test_rerun_adds_nothing_and_continuing_equals_one_uninterrupted_run(
    stream: tuple[Path, Path, Path], uninterrupted: dict[str, list[str] | None], tmp_path: Path
) -> None:
    first, second, _ = stream
    split = tmp_path / "split"

    run(first, split)
    after_first = lake_contents(split)
    assert all(after_first[table] for table in ("shipment_events", "order_events", "alerts", "dead_letters"))

    run(first, split)  # the same file again, in a new broker epoch
    assert lake_contents(split) == after_first

    run(second, split)  # the rest of the stream, in a third epoch, from the state the lake kept
    split_lake = lake_contents(split)
    for table in (*IDENTITY, *CURRENT):
        assert split_lake[table] == uninterrupted[table], table


def test_two_instances_per_pipeline_killed_at_random_give_the_same_lake(
    stream: tuple[Path, Path, Path], uninterrupted: dict[str, list[str] | None], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    kills = replay_with_kills(stream[2], load_settings(data_dir=data_dir), kills=KILLS, seed=5)
    assert len(kills) == KILLS
    lake = lake_contents(data_dir)
    for table in (*IDENTITY, *CURRENT):
        assert lake[table] == uninterrupted[table], table
