"""`supplylake train` on two weeks of simulated shipment history replayed through the shipments
pipeline: a model stored with its parameters, judged on the held-out shipments next to the rule."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest

from supplylake.pipelines.shipments.risk import RiskModel
from supplylake.simulator import FaultConfig, Simulation, write_jsonl
from supplylake.simulator.generator import history_config
from tests.support.lake_identity import sql_rows
from tests.support.processes import cli

pytestmark = pytest.mark.integration

DAYS = 14


@pytest.fixture(scope="module")
def shipments_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train")
    config = dataclasses.replace(history_config(7, faults=FaultConfig()), skus=6, warehouses=2, events_per_hour=400)
    events = Simulation(config).events(until=config.start + timedelta(days=DAYS))
    path = root / "history.jsonl"
    write_jsonl((e for e in events if e.family == "shipments"), path)
    data_dir = root / "data"
    run = cli("run", "--input", str(path), data_dir=data_dir, env={"SUPPLYLAKE_PIPELINES": '["shipments"]'})
    assert run.returncode == 0, run.stderr
    return data_dir


def test_train_stores_a_model_judged_against_the_rule_on_held_out_shipments(shipments_lake: Path) -> None:
    first = cli("train", data_dir=shipments_lake)
    assert first.returncode == 0, first.stderr
    (row,) = sql_rows(shipments_lake, "SELECT *, epoch_ms(holdout_from) AS since FROM shipment_risk_models")
    model = RiskModel.from_parameters(row["model_version"], json.loads(row["parameters"]))
    assert model.threshold == pytest.approx(row["threshold"]) and 0 < model.threshold < 1
    assert {"eta_delay_hours", "sla_at_risk"} <= set(model.weights)
    assert any(name.startswith("carrier=") for name in model.weights)
    assert row["train_moments"] > 3 * row["holdout_moments"] / 2 > 0
    assert 0 < row["holdout_late_share"] < 1

    # The rule's figures, counted again in SQL over the held-out moments (module docstring of
    # supplylake/training/late_delivery.py): shipment_status rows before the due time, not LATE,
    # of shipments created since holdout_from whose outcome is known.
    (rule,) = sql_rows(
        shipments_lake,
        f"""
        WITH s AS (SELECT * FROM shipment_status
                   QUALIFY row_number() OVER (PARTITION BY shipment_id, cause_id ORDER BY ingested_at DESC) = 1),
        created AS (SELECT shipment_id, min(event_time) AS at FROM shipment_events
                    WHERE event_type = 'shipment.created' GROUP BY ALL),
        outcome AS (SELECT shipment_id, min(delivered_at) AS delivered FROM s GROUP BY ALL),
        until AS (SELECT max(event_time) AS t FROM s),
        held AS (
            SELECT s.sla_state = 'AT_RISK' AS flagged,
                coalesce(o.delivered > s.expected_delivery, true) AS late
            FROM s JOIN created c USING (shipment_id) JOIN outcome o USING (shipment_id), until
            WHERE epoch_ms(c.at) >= {row["since"]}
              AND s.status IN ('created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivery_attempted')
              AND s.event_time < s.expected_delivery AND s.sla_state IS DISTINCT FROM 'LATE'
              AND (o.delivered IS NULL OR s.event_time < o.delivered)
              AND (o.delivered IS NOT NULL OR until.t > s.expected_delivery + INTERVAL 1 DAY)
        )
        SELECT count(*) AS n, count(*) FILTER (flagged AND late) AS tp, count(*) FILTER (flagged) AS flagged,
            count(*) FILTER (late) AS late FROM held
        """,
    )
    assert rule["n"] == row["holdout_moments"]
    assert row["rule_precision"] == pytest.approx(rule["tp"] / rule["flagged"])
    assert row["rule_recall"] == pytest.approx(rule["tp"] / rule["late"])
    assert row["holdout_late_share"] == pytest.approx(rule["late"] / rule["n"])
    assert 0 < row["model_precision"] <= 1 and 0 < row["model_recall"] <= 1

    lines = first.stdout.splitlines()
    assert lines[0].startswith(f"train: {row['model_version']}: fitted on {row['train_moments']} in-transit moments")
    verdict = lines[-1]
    gap = row["model_f1"] - row["rule_f1"]
    assert (
        f"beats the rule by {gap:.3f} F1" if gap > 0 else f"does not beat the rule: {-gap:.3f} F1 behind"
    ) in verdict

    again = cli("train", data_dir=shipments_lake)
    assert again.returncode == 0, again.stderr
    versions = sql_rows(shipments_lake, "SELECT model_version FROM shipment_risk_models ORDER BY trained_at")
    assert len(versions) == 2 and versions[0] != versions[1]


def test_train_without_history_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    result = cli("train", data_dir=tmp_path / "empty")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "nothing to train on" in line and "supplylake run --input" in line


def test_the_shipments_pipeline_applies_the_latest_model_and_raises_shipment_at_risk(shipments_lake: Path) -> None:
    """Three more days (another run of the world: new ids) replayed after the training: every
    in-transit row before its due time carries the latest model's score, and SHIPMENT_AT_RISK is
    raised once for exactly the shipments scored at or above its threshold."""
    (latest,) = sql_rows(
        shipments_lake, "SELECT model_version, threshold FROM shipment_risk_models ORDER BY trained_at DESC LIMIT 1"
    )
    config = dataclasses.replace(history_config(7, faults=FaultConfig()), skus=6, warehouses=2, events_per_hour=400)
    later = dataclasses.replace(config, run=1, start=config.start + timedelta(days=DAYS))
    path = shipments_lake.parent / "later.jsonl"
    events = Simulation(later).events(until=later.start + timedelta(days=3))
    write_jsonl((e for e in events if e.family == "shipments"), path)
    run = cli("run", "--input", str(path), data_dir=shipments_lake, env={"SUPPLYLAKE_PIPELINES": '["shipments"]'})
    assert run.returncode == 0, run.stderr

    rows = sql_rows(
        shipments_lake,
        f"""
        SELECT shipment_id, status, late_risk, risk_model, event_time < expected_delivery AS before_due,
            sla_state, delivered_at IS NOT NULL AS delivered
        FROM shipment_status WHERE event_time >= TIMESTAMPTZ '{later.start.isoformat()}'
        """,
    )
    scored = [r for r in rows if r["late_risk"] is not None]
    assert scored and {r["risk_model"] for r in scored} == {latest["model_version"]}
    for r in rows:  # scored exactly where training learns from
        in_transit = r["status"] != "delivered" and not r["delivered"] and r["before_due"] and r["sla_state"] != "LATE"
        assert (r["late_risk"] is not None) == bool(in_transit), r
    everything = sql_rows(shipments_lake, "SELECT shipment_id, late_risk FROM shipment_status WHERE late_risk >= 0")
    flagged = {r["shipment_id"] for r in everything if r["late_risk"] >= latest["threshold"]}
    alerts = sql_rows(shipments_lake, "SELECT entity_id FROM alerts WHERE alert_type = 'SHIPMENT_AT_RISK'")
    assert flagged and sorted(a["entity_id"] for a in alerts) == sorted(flagged)

    named = cli(
        "sql", "--query", "shipments_most_at_risk", "--param", "top=5", "--format", "json", data_dir=shipments_lake
    )
    assert named.returncode == 0, named.stderr
    top = json.loads(named.stdout)
    current = sql_rows(shipments_lake, "SELECT shipment_id, late_risk FROM shipment_current WHERE late_risk >= 0")
    ranked = sorted(current, key=lambda r: (-r["late_risk"], r["shipment_id"]))[:5]
    assert [r["shipment_id"] for r in top] == [r["shipment_id"] for r in ranked]
    assert all(r["alerted"] == (r["shipment_id"] in flagged) for r in top)
