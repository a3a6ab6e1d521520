"""The reduced runs of the chaos suite's fault scenarios on a running stack (`make chaos` runs them
at full size): pipeline_sigkill, maintenance_race and catalog_outage.

Each is `python -m chaos SCENARIO --quick` as a process (which starts the broker and pipelines it
needs and stops exactly those); its figures are measured from the lake by the scenario itself
(chaos/stream.py) against an independent recomputation from the simulated input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def quick_run(name: str, out: Path) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    run = subprocess.run(
        [sys.executable, "-m", "chaos", name, "--quick", "--out-dir", str(out), "--report", str(out / "R.md")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: a variant below target, asserted by the caller
    assert f"## {name}" in (out / "R.md").read_text()
    results: list[dict[str, Any]] = json.loads((out / f"{name}.json").read_text())["results"]
    return results


def assert_on_target(result: dict[str, Any], min_events: int = 15_000) -> None:
    assert result["problems"] == [], result["problems"]
    figures = ("lost", "duplicated_by_event_id", "duplicated_by_source_offset", "mismatches", "crashes")
    assert {k: result[k] for k in figures} == dict.fromkeys(figures, 0)
    assert result["events_in"] > min_events and result["dead_letters"] > 0
    assert all(n > 0 for n in result["details"]["entities_checked"].values())


def test_pipeline_sigkill_quick(tmp_path: Path) -> None:
    (result,) = quick_run("pipeline_sigkill", tmp_path)
    assert_on_target(result)
    assert result["details"]["kills"] == 4 and len(result["details"]["recoveries_s"]) == 4
    assert result["recovery_s"] is not None


def test_maintenance_race_quick(tmp_path: Path) -> None:
    (result,) = quick_run("maintenance_race", tmp_path)
    assert_on_target(result)
    details = result["details"]
    assert details["lake_maintain_runs"] >= 1 and details["lake_maintain_failures"] == 0
    assert details["partitions_compacted"] > 0 and details["snapshots_expired"] > 0
    assert set(details["time_travel"]) == {"inventory_events", "shipment_events", "shipment_telemetry", "order_events"}


def test_catalog_outage_quick(tmp_path: Path) -> None:
    results = quick_run("catalog_outage", tmp_path)
    assert [r["variant"].split(" ")[0] for r in results] == ["sqlite", "warehouse"]
    for result in results:
        assert_on_target(result, min_events=6_000)
        assert result["recovery_s"] is not None  # the offsets moved again after the catalog was back


def test_disk_full_quick(tmp_path: Path) -> None:
    """The lake's filesystem full for a while: the logs say so, nothing is lost or doubled, it resumes."""
    (result,) = quick_run("disk_full", tmp_path)
    assert_on_target(result, min_events=5_000)
    assert result["details"]["filled_mib"] > 0 and result["details"]["log_errors"]
    assert result["recovery_s"] is not None
