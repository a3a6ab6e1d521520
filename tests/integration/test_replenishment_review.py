"""`supplylake plan` over a lake that `supplylake run` built from a simulated 30-day history
(inventory, purchase orders and sales of 6 SKUs x 2 warehouses through the inventory, suppliers
and demand pipelines): the daily replenishment review end to end.

- every suggestion holds the formula's inputs and what they give (position, safety stock,
  reorder point, order-up-to, suggested quantity), recomputed here from its own row;
- its inputs are what the lake says at the end of the reviewed day (stock and forecast read
  back independently);
- one suggestion per episode: never on two consecutive days for a key;
- each suggestion raises exactly one STOCKOUT_RISK alert with the derived id;
- a rerun reviews nothing and writes nothing.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta
from pathlib import Path
from statistics import NormalDist

import pytest

from supplylake.contracts.alerts import STOCKOUT_RISK, alert_id
from supplylake.event_time import DAY_MS
from supplylake.simulator import FaultConfig, Simulation, write_jsonl
from supplylake.simulator.generator import history_config
from tests.support.lake_identity import sql_rows
from tests.support.processes import cli

pytestmark = pytest.mark.integration

DAYS = 30
FAMILIES = {"inventory", "suppliers", "sales"}
PIPELINES = '["inventory", "suppliers", "demand"]'


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("replenishment")
    config = dataclasses.replace(history_config(11, faults=FaultConfig()), skus=6, warehouses=2, events_per_hour=100)
    events = Simulation(config).events(until=config.start + timedelta(days=DAYS))
    path = root / "history.jsonl"
    write_jsonl((e for e in events if e.family in FAMILIES), path)
    data_dir = root / "data"
    run = cli("run", "--input", str(path), data_dir=data_dir, env={"SUPPLYLAKE_PIPELINES": PIPELINES})
    assert run.returncode == 0, run.stderr
    planned = cli("plan", data_dir=data_dir)
    assert planned.returncode == 0, planned.stderr
    return data_dir, planned.stdout


def test_suggestions_carry_the_formula_and_its_inputs(lake: tuple[Path, str]) -> None:
    data_dir, output = lake
    rows = sql_rows(
        data_dir,
        "SELECT *, epoch_ms(as_of) AS at, epoch_ms(order_by_date) AS order_by, "
        "epoch_ms(projected_stockout_date) AS stockout FROM replenishment_suggestions ORDER BY suggestion_id",
    )
    assert rows, output
    assert f"{len(rows)} suggestion(s) (STOCKOUT_RISK)" in output
    for row in rows:
        z = NormalDist().inv_cdf(row["service_level"])
        assert row["z"] == pytest.approx(z)
        assert row["position"] == row["on_hand"] + row["open_po_quantity_in_lead_time"] - row["reserved"]
        assert row["open_po_quantity_in_lead_time"] <= row["open_po_quantity"]
        mu_d, sd_d = row["demand_mean"], row["demand_stddev"]
        mu_l, sd_l = row["lead_time_mean_days"], row["lead_time_stddev_days"]
        safety = z * math.sqrt(mu_l * sd_d**2 + mu_d**2 * sd_l**2)
        assert row["safety_stock"] == pytest.approx(safety)
        assert row["reorder_point"] == pytest.approx(mu_d * mu_l + safety)
        assert row["order_up_to"] == pytest.approx(mu_d * (mu_l + row["review_period_days"]) + safety)
        assert row["position"] < row["reorder_point"]
        assert row["suggested_quantity"] == max(1, math.ceil(row["order_up_to"] - row["position"]))
        assert row["supplier_id"] and row["order_by"] is not None
        assert row["order_by"] >= row["at"]  # as_of ends the reviewed day: never before the day after it
        if row["stockout"] is not None:
            assert row["order_by"] <= max(row["stockout"], row["at"])


def test_inputs_are_the_lake_at_the_end_of_the_reviewed_day(lake: tuple[Path, str]) -> None:
    data_dir, _ = lake
    checked = sql_rows(
        data_dir,
        """
        SELECT s.suggestion_id, s.on_hand, s.reserved, s.demand_mean,
            (SELECT l.on_hand FROM inventory_levels l
             WHERE l.warehouse_id = s.warehouse_id AND l.sku = s.sku AND l.event_time < s.as_of
             ORDER BY l.event_time DESC, l.revision DESC, l.ingested_at DESC LIMIT 1) AS level_on_hand,
            (SELECT l.reserved FROM inventory_levels l
             WHERE l.warehouse_id = s.warehouse_id AND l.sku = s.sku AND l.event_time < s.as_of
             ORDER BY l.event_time DESC, l.revision DESC, l.ingested_at DESC LIMIT 1) AS level_reserved,
            (SELECT avg(f.units) FROM demand_forecast f
             WHERE f.warehouse_id = s.warehouse_id AND f.sku = s.sku AND f.as_of = s.as_of) AS forecast_mean
        FROM replenishment_suggestions s
        """,
    )
    assert checked
    for row in checked:
        assert (row["on_hand"], row["reserved"]) == (row["level_on_hand"], row["level_reserved"]), row
        assert row["demand_mean"] == pytest.approx(max(row["forecast_mean"], 0.0)), row


def test_one_suggestion_per_episode_and_one_alert_each(lake: tuple[Path, str]) -> None:
    data_dir, _ = lake
    rows = sql_rows(
        data_dir, "SELECT suggestion_id, warehouse_id, sku, epoch_ms(as_of) AS at FROM replenishment_suggestions"
    )
    days: dict[str, set[int]] = {}
    for row in rows:
        key = f"{row['warehouse_id']}:{row['sku']}"
        day = row["at"] // DAY_MS - 1
        assert row["suggestion_id"] == f"{key}@{day * DAY_MS}"
        assert day not in days.setdefault(key, set())
        days[key].add(day)
    for key, seen in days.items():
        assert not any(d + 1 in seen for d in seen), f"{key}: suggestions on consecutive days {sorted(seen)}"
    alerts = sql_rows(
        data_dir, f"SELECT alert_id, entity_id, details FROM alerts WHERE alert_type = '{STOCKOUT_RISK}' ORDER BY 1"
    )
    assert sorted(a["alert_id"] for a in alerts) == sorted(alert_id(r["suggestion_id"], STOCKOUT_RISK) for r in rows)


def test_a_rerun_reviews_nothing_and_writes_nothing(lake: tuple[Path, str]) -> None:
    data_dir, _ = lake
    count = "SELECT (SELECT count(*) FROM replenishment_suggestions) AS s, (SELECT count(*) FROM alerts) AS a"
    before = sql_rows(data_dir, count)
    again = cli("plan", data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    assert "nothing new to review" in again.stdout
    assert sql_rows(data_dir, count) == before


def test_a_lake_without_the_pipelines_tables_says_what_to_run(tmp_path: Path) -> None:
    result = cli("plan", data_dir=tmp_path / "empty")
    assert result.returncode != 0
    assert "nothing to review: the lake has no inventory_levels" in result.stderr
    assert "Hint: run the inventory, suppliers and demand pipelines first" in result.stderr
