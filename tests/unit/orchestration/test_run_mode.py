"""The run mode travels as data: the supervisor passes --mode, the child parses it, builders get it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supplylake.broker.connection import BrokerConnection
from supplylake.orchestration import supervisor
from supplylake.orchestration.launch import pipeline_env
from supplylake.orchestration.supervisor import PipelineProcess, Supervisor
from supplylake.pipelines.__main__ import parse_args
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import load_settings


class _Recorded:
    def __init__(self, args: list[str], **kwargs: Any) -> None:
        self.args = args
        self.env = kwargs["env"]

    def poll(self) -> int | None:
        return None


@pytest.fixture
def popen(monkeypatch: pytest.MonkeyPatch) -> list[_Recorded]:
    started: list[_Recorded] = []

    def record(args: list[str], **kwargs: Any) -> _Recorded:
        started.append(_Recorded(args, **kwargs))
        return started[-1]

    monkeypatch.setattr(supervisor.subprocess, "Popen", record)
    return started


@pytest.mark.parametrize("mode", list(RunMode))
def test_the_supervisor_passes_the_mode_to_every_child(mode: RunMode, popen: list[_Recorded], tmp_path: Path) -> None:
    processes = Supervisor(["inventory", "shipments"], bootstrap="127.0.0.1:1", data_dir=tmp_path, mode=mode)
    for process in processes.processes.values():
        process.start()
    assert [p.args[2:] for p in popen] == [
        ["supplylake.pipelines", "inventory", "--mode", str(mode)],
        ["supplylake.pipelines", "shipments", "--mode", str(mode)],
    ]
    # Not through a tuning knob any more.
    assert all("SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S" not in p.env for p in popen)


def test_a_lone_pipeline_process_runs_live_unless_told(popen: list[_Recorded], tmp_path: Path) -> None:
    PipelineProcess("shipments", {}, tmp_path / "log").start()
    PipelineProcess("shipments", {}, tmp_path / "log", RunMode.BOUNDED_REPLAY).start()
    assert [p.args[-1] for p in popen] == ["live", "bounded-replay"]


def test_instances_share_a_pipeline_s_name_but_not_its_log_or_state(popen: list[_Recorded], tmp_path: Path) -> None:
    processes = Supervisor(["inventory"], bootstrap="127.0.0.1:1", data_dir=tmp_path, instances=3)
    for process in processes.processes.values():
        process.start()
    assert list(processes.processes) == ["inventory", "inventory-1", "inventory-2"]
    assert [p.args[2:] for p in popen] == [
        ["supplylake.pipelines", "inventory", "--mode", "live"],
        ["supplylake.pipelines", "inventory", "--mode", "live", "--instance", "1"],
        ["supplylake.pipelines", "inventory", "--mode", "live", "--instance", "2"],
    ]
    assert len({process.log_path for process in processes.processes.values()}) == 3
    with pytest.raises(ValueError, match="at least 1"):
        Supervisor(["inventory"], bootstrap="127.0.0.1:1", data_dir=tmp_path, instances=0)


def test_the_child_parses_its_instance() -> None:
    assert parse_args(["inventory"]).instance == 0
    assert parse_args(["inventory", "--instance", "2"]).instance == 2


def test_the_child_parses_its_mode() -> None:
    assert parse_args(["shipments", "--mode", "bounded-replay"]).mode is RunMode.BOUNDED_REPLAY
    assert parse_args(["inventory"]).mode is RunMode.LIVE  # docker-compose.yml runs pipelines live
    with pytest.raises(SystemExit):
        parse_args(["inventory", "--mode", "fast"])


def test_child_env_carries_no_mode() -> None:
    embedded = BrokerConnection("127.0.0.1:1", "cluster", True)
    assert pipeline_env(embedded, None) == {"SUPPLYLAKE_KAFKA__EMBEDDED": "true"}
    assert pipeline_env(BrokerConnection("kafka:9092", "c", False), Path("skus.csv")) == {
        "SUPPLYLAKE_INVENTORY__REORDER_POINTS_FILE": str(Path("skus.csv").resolve())
    }


@pytest.mark.parametrize(("mode", "ticks"), [(RunMode.LIVE, True), (RunMode.BOUNDED_REPLAY, False)])
def test_the_shipments_app_ticks_only_live(
    mode: RunMode, ticks: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplylake.pipelines import control
    from supplylake.pipelines.shipments import app

    started: list[float] = []

    class FakeTicker:
        def __init__(self, connection: BrokerConnection, topics: list[str], interval_s: float) -> None:
            self.interval_s = interval_s

        def start(self) -> FakeTicker:
            started.append(self.interval_s)
            return self

    monkeypatch.setattr(control, "Ticker", FakeTicker)  # what start_live_ticker starts
    settings = load_settings(data_dir=tmp_path)
    ticker = app.start_live_ticks(settings, BrokerConnection("127.0.0.1:1", "cluster-1", True), mode)
    assert (ticker is not None) is ticks
    assert started == ([settings.shipments.tick_interval_s] if ticks else [])
