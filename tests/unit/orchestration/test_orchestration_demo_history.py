"""`demo --history-days N`: what history is planned, where live event time starts, when it is skipped."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pytest
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField

from supplylake.cli import demo as demo_cli
from supplylake.ingest.simulated import live_simulation
from supplylake.lake.catalog import catalog_for
from supplylake.orchestration import demo_history
from supplylake.orchestration.demo_history import (
    HistoryPlan,
    history_simulation,
    lake_holds_data,
    live_start,
    plan_history,
)
from supplylake.settings import load_settings
from supplylake.simulator import FaultConfig
from tests.support.cli_runs import supplylake

NOW = datetime(2026, 3, 2, 10, 30, 15, 250_000, tzinfo=UTC)


def test_no_history_for_zero_days(tmp_path: Path) -> None:
    assert plan_history(0, NOW, tmp_path) is None


def test_the_history_ends_now_to_the_second_and_lives_in_the_data_dir(tmp_path: Path) -> None:
    plan = plan_history(7, NOW, tmp_path)
    assert plan is not None
    assert plan.end == NOW.replace(microsecond=0)
    assert plan.end - plan.start == timedelta(days=7)
    assert plan.directory == tmp_path / "history"
    assert plan.events_file.parent == plan.reorder_points.parent.parent == plan.directory
    assert "7 days" in plan.describe() and "min" in plan.describe()


def test_negative_days_are_refused_by_the_planner(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="negative"):
        plan_history(-1, NOW, tmp_path)


def test_live_event_time_never_starts_before_the_history_ends() -> None:
    end = NOW.replace(microsecond=0)
    assert live_start(NOW + timedelta(minutes=3), end) == NOW + timedelta(minutes=3)  # the usual case
    assert live_start(end - timedelta(seconds=5), end) == end  # a clock that went back
    assert live_start(NOW, None) == NOW


def test_history_and_live_share_the_world_not_the_identifiers(tmp_path: Path) -> None:
    plan = HistoryPlan(1, NOW - timedelta(days=1), NOW.replace(microsecond=0), tmp_path)
    history = history_simulation(plan, seed=7)
    live = live_simulation(7, 200.0, FaultConfig(), start=live_start(NOW, plan.end))
    assert [(p.warehouse_id, p.sku) for p in history.world.pairs] == [(p.warehouse_id, p.sku) for p in live.world.pairs]
    assert history.tag != live.tag
    history_events = list(history.events(until=plan.end))
    live_events = list(itertools.islice(live.events(), 2000))
    ids = [{e.event_id for e in events if e.event_id} for events in (history_events, live_events)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    times = [e.time_ms for e in history_events]
    assert plan.start.timestamp() * 1000 <= min(times) and max(times) <= plan.end.timestamp() * 1000
    assert min(e.time_ms for e in live_events) >= max(times)
    assert orjson.loads(history_events[0].value)["timestamp"].startswith(f"{plan.start:%Y-%m-%d}")


def test_two_live_runs_of_one_seed_get_other_event_ids() -> None:
    first = live_simulation(7, 200.0, FaultConfig.none(), start=NOW)
    again = live_simulation(7, 200.0, FaultConfig.none(), start=NOW + timedelta(minutes=5))
    ids = [{e.event_id for e in itertools.islice(sim.events(), 500)} for sim in (first, again)]
    assert len(ids[0]) == 500 and not ids[0] & ids[1]


def test_a_lake_with_data_is_not_given_a_history(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert not lake_holds_data(settings)  # a fresh data dir
    catalog = catalog_for(settings)
    schema = Schema(NestedField(1, "n", LongType(), required=False))
    table = catalog.create_table((settings.catalog.namespace, "some_table"), schema=schema)
    assert not lake_holds_data(settings)  # tables a pipeline created, nothing committed yet
    table.append(pa.table({"n": pa.array([1], pa.int64())}))
    assert lake_holds_data(settings)


def test_the_cli_default_is_the_demo_default() -> None:
    assert demo_cli.DEFAULT_HISTORY_DAYS == demo_history.DEFAULT_HISTORY_DAYS


def test_negative_history_days_is_one_line_with_a_hint(tmp_path: Path) -> None:
    result = supplylake("demo", "--history-days", "-2", "--headless", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--history-days" in lines[0] and "give 0 for no history" in lines[0]
    assert "supplylake demo --help" in lines[0]
    assert not (tmp_path / "history").exists()
