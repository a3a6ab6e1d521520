"""Restarts within one broker epoch: local state kept, then lost; Quix's changelog recovery.

The pipelines batch what they produce, so each checkpoint's changelog records end in a
multi-record batch, whose end the embedded broker under-reports. Recovery must use the real end
(``pipelines.runtime.ChangelogEnds``): with the reported one, kept local state looks *ahead* of
its changelog and the pipeline refuses to start (InvalidStoreChangelogOffset).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from supplylake.broker.embedded import read_detached
from tests.support.inventory_model import expected_from_file
from tests.support.inventory_stream import START, write_inventory_file
from tests.support.processes import cli, cli_sql

pytestmark = pytest.mark.integration

# Only inventory events go in: the other pipelines would start, find nothing of theirs and add minutes.
INVENTORY_ONLY = {"SUPPLYLAKE_PIPELINES": '["inventory"]'}


def current(data_dir: Path) -> dict[str, tuple[int, int]]:
    rows = cli_sql(data_dir, "SELECT warehouse_id, sku, on_hand, reserved FROM inventory_current")
    return {f"{r['warehouse_id']}:{r['sku']}": (r["on_hand"], r["reserved"]) for r in rows}


def test_kept_and_wiped_state_both_resume_from_the_whole_changelog(tmp_path: Path) -> None:
    days = [
        write_inventory_file(tmp_path / f"day{n}.jsonl", 2000, seed=4 + n, keys=80, start=START + timedelta(days=3 * n))
        for n in range(3)
    ]
    all_days = tmp_path / "all.jsonl"
    all_days.write_bytes(b"".join(day.read_bytes() for day in days))
    data_dir = tmp_path / "data"

    started = cli("broker", "start", data_dir=data_dir)
    assert started.returncode == 0, started.stderr
    info = read_detached(data_dir)
    assert info is not None
    try:
        assert cli("run", "--input", str(days[0]), data_dir=data_dir, env=INVENTORY_ONLY).returncode == 0
        kept = cli("run", "--input", str(days[1]), data_dir=data_dir, env=INVENTORY_ONLY)  # local state kept
        assert kept.returncode == 0, kept.stderr
        state = data_dir / "state" / info.cluster_id
        assert state.is_dir()
        shutil.rmtree(state)  # same broker epoch: no re-seeding from the lake, only the changelog
        wiped = cli("run", "--input", str(days[2]), data_dir=data_dir, env=INVENTORY_ONLY)
        assert wiped.returncode == 0, wiped.stderr
        assert current(data_dir) == expected_from_file(all_days, reorder_points={}).levels
    finally:
        assert cli("broker", "stop", data_dir=data_dir).returncode == 0
