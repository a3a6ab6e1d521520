"""The reduced runs of the chaos suite's crash scenarios (`make chaos` runs them at full size).

`python -m chaos SCENARIO --quick` as a process, as in test_chaos_bad_input.py: the sink's crash
points (before the catalog commit, after it, an unknown outcome, a SIGSTOPped zombie) and the
local state wiped under running pipelines. Each lake is compared by the scenario itself with
one plain `supplylake run --input` of the same input (chaos/stack.py).
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


def quick_run(scenario: str, out: Path) -> dict[str, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    run = subprocess.run(
        [sys.executable, "-m", "chaos", scenario, "--quick", "--out-dir", str(out), "--report", str(out / "R.md")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: a variant below target, asserted below
    payload = json.loads((out / f"{scenario}.json").read_text())
    return {r["variant"].split(":")[0]: r for r in payload["results"]}


def assert_on_target(result: dict[str, Any]) -> None:
    assert result["problems"] == [], result["problems"]
    figures = ("lost", "duplicated_by_event_id", "duplicated_by_source_offset", "mismatches", "crashes")
    assert {f: result[f] for f in figures} == dict.fromkeys(figures, 0)
    assert result["rows_out"] > 0 and result["details"]["entities_compared"] > 0


@pytest.mark.parametrize("variant", ["before_commit", "after_commit", "unknown_outcome", "zombie"])
def test_sink_crash_points_keep_the_lake_exactly_once(variant: str, crash_results: dict[str, dict[str, Any]]) -> None:
    assert_on_target(crash_results[variant])


@pytest.fixture(scope="module")
def crash_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return quick_run("sink_crash_points", tmp_path_factory.mktemp("chaos"))


def test_state_wiped_under_running_pipelines_comes_back_from_the_changelog(tmp_path: Path) -> None:
    (result,) = quick_run("state_wipe", tmp_path).values()
    assert_on_target(result)
    assert result["details"]["files_wiped"] > 0


def test_a_broker_restarted_empty_fails_closed_and_the_rest_sent_again_lands_once(tmp_path: Path) -> None:
    (result,) = quick_run("broker_restart", tmp_path).values()
    assert_on_target(result)
    details = result["details"]
    assert details["old_cluster"] != details["new_cluster"] and details["records_to_new_broker"] > 0
    # Every pipeline stopped for the new broker, each saying why, and wrote nothing more under the old id.
    assert details["exits_explained"] >= 3 and len(details["exit_codes"]) >= 3
    before, after = details["rows_under_old_cluster"]
    assert before == after > 0
    assert result["recovery_s"] is not None
