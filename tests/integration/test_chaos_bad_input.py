"""The reduced run of the chaos suite's bad-input scenario (`make chaos` runs it at full size).

`python -m chaos bad_input --quick` as a process: a few hundred hostile records of every category
mixed with valid events, by file (`supplylake run --input`) and straight onto the topics of a
running stack; its figures are measured from the lake by the scenario itself (chaos/measure.py).
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


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("chaos")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    run = subprocess.run(
        [sys.executable, "-m", "chaos", "bad_input", "--quick", "--out-dir", str(out), "--report", str(out / "R.md")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: a variant below target, asserted below
    assert "## bad_input" in (out / "R.md").read_text()
    payload = json.loads((out / "bad_input.json").read_text())
    return {r["variant"].split(":")[0]: r for r in payload["results"]}


def test_bad_input_by_file_is_all_dead_lettered_once_and_valid_events_land_once(
    results: dict[str, dict[str, Any]],
) -> None:
    file = results["file"]
    assert file["problems"] == []
    assert (file["lost"], file["duplicated_by_event_id"], file["duplicated_by_source_offset"]) == (0, 0, 0)
    assert (file["mismatches"], file["crashes"]) == (0, 0)
    assert file["dead_letters"] == file["details"]["hostile"] >= 300
    assert set(file["details"]["by_category"]) >= {"huge_line", "missing_field", "duplicate_key", "valid"}
    assert file["details"]["schema_changes"] == []


def test_bad_input_on_topics_loses_nothing_mismatches_nothing_and_crashes_nothing(
    results: dict[str, dict[str, Any]],
) -> None:
    topics = results["topics"]
    assert (topics["lost"], topics["duplicated_by_source_offset"], topics["mismatches"]) == (0, 0, 0)
    assert topics["crashes"] == 0
    assert topics["details"]["schema_changes"] == []
    assert topics["dead_letters"] >= topics["details"]["hostile"] >= 300


def test_bad_input_on_topics_is_dead_lettered_exactly_once(results: dict[str, dict[str, Any]]) -> None:
    topics = results["topics"]
    assert topics["duplicated_by_event_id"] == 0
    assert topics["dead_letters"] == topics["details"]["hostile"]
