"""JSONL, manifest and ERP CSV files."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import timedelta
from pathlib import Path

from supplylake.simulator import FaultConfig, Simulation, SimulationConfig, write_erp_snapshots, write_jsonl
from tests.support.sim_streams import Run


def test_jsonl_has_one_value_per_line_and_a_matching_summary(faulty_run: Run, tmp_path: Path) -> None:
    summary = write_jsonl(
        iter(faulty_run.events), tmp_path / "out" / "events.jsonl", manifest_path=tmp_path / "out" / "manifest.json"
    )
    lines = (tmp_path / "out" / "events.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"" and lines[:-1] == [e.value for e in faulty_run.events]
    assert summary.events == len(faulty_run.events)
    assert sum(summary.by_family.values()) == sum(summary.by_type.values()) == summary.events
    assert summary.by_fault == {k: v for k, v in faulty_run.manifest.counts.items() if v}
    assert summary.by_type["<malformed>"] == faulty_run.manifest.counts["malformed_json"]
    assert summary.first_event_ms == min(e.time_ms for e in faulty_run.events)
    assert summary.last_event_ms == max(e.time_ms for e in faulty_run.events)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest == faulty_run.manifest.to_dict()
    for kind, records in manifest["faults"].items():
        for record in records[:20]:
            assert faulty_run.events[record["index"]].fault == kind
    assert summary.to_dict()["expectedDeadLetters"] == manifest["expectedDeadLetters"]


def test_erp_csvs(tmp_path: Path) -> None:
    config = SimulationConfig(seed=3, events_per_hour=600, faults=FaultConfig.none())
    sim = Simulation(config)
    for _ in sim.events(until=config.start + timedelta(days=1, hours=1)):
        pass
    snapshots, labels = write_erp_snapshots(sim.erp_snapshots, tmp_path / "erp" / "erp_snapshots.csv")
    assert labels == tmp_path / "erp" / "erp_snapshot_labels.csv"
    with snapshots.open() as fh:
        rows = list(csv.DictReader(fh))
    with labels.open() as fh:
        label_rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["snapshot_time", "warehouse_id", "sku", "on_hand", "unit_cost"]
    assert list(label_rows[0]) == ["snapshot_time", "warehouse_id", "sku", "label", "stream_on_hand", "erp_on_hand"]
    assert len(rows) == sum(len(s.rows) for s in sim.erp_snapshots)
    assert {r["snapshot_time"] for r in rows} == {
        "2025-01-15T06:00:00.000Z",
        "2025-01-15T12:00:00.000Z",
        "2025-01-15T18:00:00.000Z",
        "2025-01-16T00:00:00.000Z",
    }
    assert all(int(r["on_hand"]) >= 0 for r in rows)
    for lab in label_rows:
        if lab["label"] == "missing_in_erp":
            assert lab["erp_on_hand"] == "" and lab["stream_on_hand"] != ""
        if lab["label"] == "missing_in_stream":
            assert lab["stream_on_hand"] == "" and lab["erp_on_hand"] != ""


def test_writing_a_slice_of_an_endless_stream(tmp_path: Path) -> None:
    sim = Simulation(SimulationConfig(seed=1))
    summary = write_jsonl(itertools.islice(sim.events(), 1_000), tmp_path / "head.jsonl")
    assert summary.events == 1_000 and summary.by_type["inventory.counted"] >= 100
