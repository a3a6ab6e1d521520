"""`supplylake run --input` carries inventory end to end: file -> broker -> pipeline -> lake.

The lake's answers are checked against an independent recomputation from the raw file.
"""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import pytest

from supplylake.pipelines.catalog import PIPELINES
from supplylake.settings import load_settings
from supplylake.simulator import FaultConfig, Simulation, SimulationConfig, write_jsonl
from tests.support.inventory_model import expected_from_file
from tests.support.processes import cli, cli_sql

pytestmark = pytest.mark.integration

EVENTS = 20_000
# Families with a pipeline (the catalog's), and the topic it dead-letters their bad records from.
OWNED_TOPICS = {
    family: load_settings().topics.for_family(family) for spec in PIPELINES.values() for family in spec.source_families
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("run")
    sim = Simulation(
        SimulationConfig(
            seed=11,
            faults=FaultConfig(
                duplicate=0.02,
                out_of_order=0.02,
                late=0.01,
                malformed_json=0.005,
                missing_field=0.005,
                unknown_type=0.003,
                schema_drift=0.02,
            ),
        )
    )
    events = root / "events.jsonl"
    write_jsonl(sim.events(max_events=EVENTS), events, manifest_path=root / "manifest.json")
    sim.world.write_reference(root / "reference")
    return {
        "root": root,
        "events": events,
        "manifest": json.loads((root / "manifest.json").read_text()),
        "skus": root / "reference" / "skus.csv",
    }


def reorder_points(path: Path) -> dict[str, int]:
    with path.open() as handle:
        return {row["sku"]: int(row["reorder_point"]) for row in csv.DictReader(handle)}


def sql(data_dir: Path, query: str) -> list[dict]:
    return cli_sql(data_dir, query)


def expected_dead_letters(manifest: dict) -> int:
    """Malformed JSON and unknown types are refused at intake for every family; a missing field
    is refused by the pipeline that owns the family."""
    faults = manifest["faults"]
    owned = set(OWNED_TOPICS)
    return (
        len(faults["malformed_json"])
        + len(faults["unknown_type"])
        + sum(1 for f in faults["missing_field"] if f["family"] in owned)
    )


@pytest.fixture(scope="module")
def lake(simulated: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("lake")
    result = cli(
        "run", "--input", str(simulated["events"]), "--reorder-points", str(simulated["skus"]), data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    assert "replayed" in result.stdout and "lake:" in result.stdout
    return data_dir


def test_levels_equal_an_independent_recomputation(simulated: dict, lake: Path) -> None:
    expected = expected_from_file(simulated["events"], reorder_points=reorder_points(simulated["skus"]))
    rows = sql(lake, "SELECT warehouse_id, sku, on_hand, reserved FROM inventory_current")
    actual = {f"{r['warehouse_id']}:{r['sku']}": (r["on_hand"], r["reserved"]) for r in rows}
    assert len(expected.levels) > 100
    assert actual == expected.levels


def test_each_accepted_event_is_stored_exactly_once(simulated: dict, lake: Path) -> None:
    expected = expected_from_file(simulated["events"], reorder_points=reorder_points(simulated["skus"]))
    assert expected.duplicates > 0 and expected.late > 0  # the input really exercises both
    rows = sql(
        lake,
        """
        SELECT count(*) AS n, count(DISTINCT event_id) AS ids,
               count(DISTINCT (_src_topic, _src_partition, _src_offset)) AS offsets,
               count(*) FILTER (WHERE is_late) AS late
        FROM inventory_events""",
    )[0]
    assert rows["n"] == rows["ids"] == rows["offsets"] == len(expected.accepted_ids)
    assert rows["late"] == expected.late
    ids = {r["event_id"] for r in sql(lake, "SELECT event_id FROM inventory_events")}
    assert ids == expected.accepted_ids


def test_alert_counts_equal_the_recomputation(simulated: dict, lake: Path) -> None:
    expected = expected_from_file(simulated["events"], reorder_points=reorder_points(simulated["skus"]))
    rows = sql(
        lake,
        "SELECT alert_type, count(*) AS n, count(DISTINCT alert_id) AS ids FROM alerts "
        "WHERE entity_type = 'stock' GROUP BY 1",
    )
    actual = {r["alert_type"]: r["n"] for r in rows}
    assert all(r["n"] == r["ids"] for r in rows)
    assert sum(expected.alerts.values()) > 0
    assert actual == dict(expected.alerts)


def test_dead_letters_match_the_injected_faults(simulated: dict, lake: Path) -> None:
    rows = sql(
        lake,
        """
        SELECT error_code, source_topic, source_partition, source_offset, line_number, raw_value, raw_encoding, reason
        FROM dead_letters""",
    )
    assert len(rows) == expected_dead_letters(simulated["manifest"]) > 0
    for row in rows:
        assert row["reason"] and row["error_code"] and row["raw_value"] is not None
        if row["source_topic"].startswith("file:"):
            assert row["line_number"] == row["source_offset"] > 0
            assert row["reason"].startswith(f"line {row['line_number']}:")
        else:
            assert row["source_topic"] in OWNED_TOPICS.values() and row["source_offset"] >= 0
    lines = simulated["events"].read_bytes().splitlines()
    for row in rows:
        raw = base64.b64decode(row["raw_value"]) if row["raw_encoding"] == "base64" else row["raw_value"].encode()
        if row["line_number"]:
            assert lines[row["line_number"] - 1] == raw
        else:
            assert raw in lines  # a rejection by the pipeline keeps the exact record bytes
