"""`supplylake plan` over a lake that `supplylake run` built from a simulated 30-day history
(inventory, purchase orders and sales of 6 SKUs x 2 warehouses through the inventory, suppliers
and demand pipelines): the daily replenishment review end to end.

- every suggestion holds the formula's inputs and what they give (position, safety stock,
  reorder point, order-up-to, suggested quantity), recomputed here from its own row;
- its inputs are what the lake says at the end of the reviewed day (stock and forecast read
  back independently);
- one suggestion per episode: never on two consecutive days for a key;
- each suggestion raises exactly one STOCKOUT_RISK alert with the derived id;
- a rerun reviews nothing and writes nothing;
- the restock webhook (a local HTTP server) gets every suggestion, a 503 retried with the same
  idempotency key, and after the sender is killed mid-delivery only the suggestion in flight
  comes again (same key); the outbox holds one row per suggestion;
- a planted supplier lead-time jump (on a copy of the lake) raises the DISRUPTION_IMPACT of the
  warehouse x SKU it leaves short, and every impact's projections hold end = start + in - out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest

from supplylake.contracts.alerts import DISRUPTION_IMPACT, STOCKOUT_RISK, alert_id
from supplylake.contracts.examples import example
from supplylake.event_time import DAY_MS
from supplylake.simulator import FaultConfig, Simulation, write_jsonl
from supplylake.simulator.generator import history_config
from tests.support.lake_identity import sql_rows
from tests.support.processes import cli, wait_for

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


class RestockApi:
    """A local restock API: records every POST; the first one gets a 503, and one can be held
    unanswered (the test kills the sender meanwhile)."""

    def __init__(self, hold_request: int) -> None:
        self.requests: list[tuple[str, dict[str, Any], str]] = []  # (idempotency key, body, authorization)
        self.hold_request = hold_request
        self.holding = threading.Event()
        self.release = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append((self.headers["Idempotency-Key"], body, self.headers.get("Authorization", "")))
                number = len(api.requests)
                if number == api.hold_request:
                    api.holding.set()
                    api.release.wait(timeout=120)
                status = 503 if number == 1 else 200
                with contextlib.suppress(OSError):  # the held one's sender is gone
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/restock"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_the_restock_webhook_gets_each_suggestion_once_across_a_kill(lake: tuple[Path, str]) -> None:
    data_dir, _ = lake
    suggestions = [
        r["suggestion_id"] for r in sql_rows(data_dir, "SELECT suggestion_id FROM replenishment_suggestions")
    ]
    assert len(suggestions) >= 3
    api = RestockApi(hold_request=3)  # 1: 503 then 2: accepted (the first suggestion); 3: held, sender killed
    token = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    env |= {"SUPPLYLAKE_DEMAND__RESTOCK_WEBHOOK_URL": api.url, "SUPPLYLAKE_DEMAND__RESTOCK_WEBHOOK_TOKEN": token}
    try:
        sender = subprocess.Popen(
            [sys.executable, "-m", "supplylake", "plan", "--data-dir", str(data_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(api.holding.is_set, timeout_s=120, what="the third POST to reach the restock API")
        finally:
            sender.kill()
            sender.wait(timeout=30)
        api.release.set()
        again = cli("plan", data_dir=data_dir, env={k: v for k, v in env.items() if k.startswith("SUPPLYLAKE_")})
        assert again.returncode == 0, again.stderr
    finally:
        api.close()
    keys = Counter(key for key, _, _ in api.requests)
    held = api.requests[2][0]
    # Every suggestion reached the API. Twice only: the first (its 503 retried, same key) and the one
    # in flight at the kill (sent again by the next run, same key).
    assert set(keys) == set(suggestions)
    assert api.requests[0][0] == api.requests[1][0] != held
    assert {k: n for k, n in keys.items() if n > 1} == {api.requests[0][0]: 2, held: 2}
    assert {auth for _, _, auth in api.requests} == {f"Bearer {token}"}
    assert f"{len(suggestions) - 1} suggestion(s) delivered" in again.stdout  # all but the one before the kill
    body = next(b for k, b, _ in api.requests if k == suggestions[0])
    assert body["suggestionId"] == suggestions[0] and body["quantity"] >= 1 and body["supplierId"]
    deliveries = sql_rows(data_dir, "SELECT suggestion_id, http_status, attempts FROM replenishment_deliveries")
    assert sorted(d["suggestion_id"] for d in deliveries) == sorted(suggestions)  # one outbox row each
    assert {d["http_status"] for d in deliveries} == {200}
    (first,) = sql_rows(
        data_dir,
        "SELECT d.attempts FROM replenishment_deliveries d JOIN replenishment_suggestions s USING (suggestion_id) "
        "ORDER BY s.as_of, s.suggestion_id LIMIT 1",
    )
    assert first["attempts"] == 2  # the 503, then the accepted retry


def _named(data_dir: Path, name: str, param: str) -> list[dict[str, Any]]:
    result = cli("sql", "--query", name, "--param", param, "--format", "json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_the_named_queries_list_what_is_still_to_order(lake: tuple[Path, str]) -> None:
    data_dir, _ = lake
    suggestions = sql_rows(
        data_dir,
        "SELECT suggestion_id, warehouse_id || ':' || sku AS key, epoch_ms(as_of) AS at, "
        "epoch_ms(order_by_date) AS order_by, epoch_ms(projected_stockout_date) AS stockout "
        "FROM replenishment_suggestions",
    )
    created: dict[str, list[int]] = {}
    for line in sql_rows(
        data_dir, "SELECT warehouse_id || ':' || sku AS key, epoch_ms(po_created_at) AS t FROM po_line_current"
    ):
        created.setdefault(line["key"], []).append(line["t"])
    today = max(s["at"] for s in suggestions)
    latest: dict[str, dict[str, Any]] = {}
    for s in sorted(suggestions, key=lambda s: s["at"]):
        latest[s["key"]] = s
    open_ = {k: s for k, s in latest.items() if not any(s["at"] <= t for t in created.get(k, []))}

    at_risk = _named(data_dir, "stockout_risk", "days=14")
    expected_risk = {
        s["suggestion_id"] for s in open_.values() if s["stockout"] and s["stockout"] < today + 14 * DAY_MS
    }
    assert {r["suggestion_id"] for r in at_risk} == expected_risk
    days_left = [r["days_left"] for r in at_risk]
    assert days_left == sorted(days_left)

    to_place = _named(data_dir, "suggestions_to_place", "day=latest")
    assert at_risk and to_place  # this seeded history has both
    assert {r["suggestion_id"] for r in to_place} == {
        s["suggestion_id"] for s in open_.values() if s["order_by"] <= today
    }
    assert all(r["days_overdue"] >= 0 for r in to_place)

    wrong = cli("sql", "--query", "suggestions_to_place", "--param", "day=soon", data_dir=data_dir)
    assert wrong.returncode != 0 and "day must be a date (YYYY-MM-DD) or latest, got soon" in wrong.stderr


PLANTED_PO = "PO-PLANTED-0001"
LEAD_TIME_JUMP_DAYS = 40
ROUTED_PO = "PO-PLANTED-0002"
CLOSED_PORT = "Port of Planted Closure"


@pytest.fixture(scope="module")
def disrupted(lake: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A copy of the lake after planted disruptions. At the history's end, the two warehouse x SKU
    with the most forecast demand get their available stock set to just over a day of it and a new
    PO due in two days (no stock-out before): the first key's PO from its supplier, whose lead
    time then jumps to 40 days; the second key's PO through a port that then closes with no end
    announced. A weather alert of a severity that closes nothing follows."""
    data_dir = tmp_path_factory.mktemp("disrupted") / "data"
    shutil.copytree(lake[0], data_dir)
    key, other = sql_rows(
        data_dir,
        """
        WITH fc AS (SELECT warehouse_id, sku, list(units ORDER BY horizon_day) AS units FROM demand_forecast
            WHERE as_of = (SELECT max(as_of) FROM demand_forecast) GROUP BY ALL),
        lvl AS (SELECT warehouse_id, sku, on_hand - reserved AS available FROM inventory_levels
            QUALIFY row_number() OVER (PARTITION BY warehouse_id, sku ORDER BY event_time DESC, revision DESC) = 1),
        src AS (SELECT warehouse_id, sku, supplier_id FROM po_lines
            QUALIFY row_number() OVER (PARTITION BY warehouse_id, sku ORDER BY po_created_at DESC) = 1)
        SELECT *, (SELECT epoch_ms(max(event_time)) FROM inventory_levels) AS end_ms
        FROM fc JOIN lvl USING (warehouse_id, sku) JOIN src USING (warehouse_id, sku)
        ORDER BY list_sum(units) DESC LIMIT 2
        """,
    )
    t0 = key["end_ms"] + 60_000
    # The forecast's horizon_day 1 is the day it was made on; the projection starts the day after t0.
    targets = [math.ceil(k["units"][1]) + 1 for k in (key, other)]
    for k, target in zip((key, other), targets, strict=True):
        assert sum(k["units"][1:]) > target + 1, k  # a delay leaves a stock-out inside the horizon

    def at(ms: int) -> str:
        return (datetime.fromtimestamp(ms / 1000, UTC)).isoformat().replace("+00:00", "Z")

    def stock_and_po(k: dict[str, Any], target: int, po_id: str, port: str | None) -> list[dict[str, Any]]:
        where = {"warehouseId": k["warehouse_id"], "sku": k["sku"]}
        po = {
            **example("po.created"),
            "supplierId": k["supplier_id"],
            "poId": po_id,
            "warehouseId": k["warehouse_id"],
            "promisedDate": at(t0 + 2 * DAY_MS),
            "lines": [{"sku": k["sku"], "quantity": 10_000, "unitCost": 7.5}],
            "warehouseRegion": "PLANTED-REGION",
            "timestamp": at(t0 + 60_000),
        }
        if port is None:
            del po["port"]
        else:
            po["port"] = port
        adjusted = {**example("inventory.adjusted"), **where, "quantity": target - k["available"], "timestamp": at(t0)}
        return [adjusted, po]

    planted = [
        *stock_and_po(key, targets[0], PLANTED_PO, None),
        {
            **example("supplier.leadtime.changed"),
            "supplierId": key["supplier_id"],
            "newLeadTimeDays": LEAD_TIME_JUMP_DAYS,
            "timestamp": at(t0 + 120_000),
        },
        *stock_and_po(other, targets[1], ROUTED_PO, CLOSED_PORT),
        {
            **example("port.closure"),
            "region": "PLANTED-REGION",
            "port": CLOSED_PORT,
            "startsAt": at(t0 + 180_000),
            "timestamp": at(t0 + 180_000),
        },
        {
            **example("weather.alert"),
            "region": "PLANTED-REGION",
            "severity": "Minor",
            "startsAt": at(t0 + 240_000),
            "timestamp": at(t0 + 240_000),
        },
    ]
    planted[-2].pop("endsAt", None)
    for n, event in enumerate(planted):
        event["eventId"] = str(uuid.UUID(int=0xD15 + n))
    path = data_dir.parent / "planted.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in planted))
    run = cli("run", "--input", str(path), data_dir=data_dir, env={"SUPPLYLAKE_PIPELINES": PIPELINES})
    assert run.returncode == 0, run.stderr
    planned = cli("plan", data_dir=data_dir)
    assert planned.returncode == 0, planned.stderr
    ids = [e["eventId"] for e in planted]
    return data_dir, {
        **key,
        "other": other,
        "signal_id": ids[2],
        "signal_ms": t0 + 120_000,
        "closure_id": ids[5],
        "closure_ms": t0 + 180_000,
        "weather_id": ids[6],
        "out": planned.stdout,
    }


def test_a_planted_lead_time_jump_raises_the_expected_disruption_impact(
    disrupted: tuple[Path, dict[str, Any]],
) -> None:
    data_dir, key = disrupted
    impacts = sql_rows(
        data_dir,
        "SELECT *, epoch_ms(stockout_before) AS before_ms, epoch_ms(stockout_after) AS after_ms, "
        "epoch_ms(signal_time) AS at FROM disruption_impacts ORDER BY signal_id, warehouse_id, sku",
    )
    planted = [r for r in impacts if r["signal_id"] == key["signal_id"]]
    mine = [r for r in planted if (r["warehouse_id"], r["sku"]) == (key["warehouse_id"], key["sku"])]
    assert len(mine) == 1, (planted, key["out"])
    (row,) = mine
    assert row["at"] == key["signal_ms"] and row["supplier_id"] == key["supplier_id"]
    assert row["before_ms"] is None and row["after_ms"] is not None and row["alerting"]
    moved = {line["po_id"]: line for line in json.loads(row["lines"])}
    created_day = (key["signal_ms"] - 60_000) // DAY_MS
    assert moved[PLANTED_PO]["due_after"] == (created_day + LEAD_TIME_JUMP_DAYS) * DAY_MS
    assert moved[PLANTED_PO]["due_before"] == (key["signal_ms"] - 120_000 + 2 * DAY_MS) // DAY_MS * DAY_MS
    assert row["quantity_at_risk"] > 0 and row["value_at_risk"] == pytest.approx(row["quantity_at_risk"] * 7.5)

    alerts = sql_rows(
        data_dir, f"SELECT alert_id, entity_id, details FROM alerts WHERE alert_type = '{DISRUPTION_IMPACT}'"
    )
    expected = {
        alert_id(f"{r['signal_id']}:{r['warehouse_id']}:{r['sku']}", DISRUPTION_IMPACT)
        for r in impacts
        if r["alerting"]
    }
    assert {a["alert_id"] for a in alerts} == expected
    assert f"{key['warehouse_id']}:{key['sku']}" in {a["entity_id"] for a in alerts}
    for r in impacts:  # the rule: alerting exactly when the stock-out moves inside the horizon
        after, before = r["after_ms"], r["before_ms"]
        assert r["alerting"] == (after is not None and (before is None or after < before)), r


def test_a_planted_port_closure_holds_the_lines_through_the_port_and_alerts(
    disrupted: tuple[Path, dict[str, Any]],
) -> None:
    data_dir, key = disrupted
    other = key["other"]
    signals = sql_rows(data_dir, "SELECT event_id, event_type, port, ends_at FROM external_signals")
    assert {s["event_id"] for s in signals} >= {key["closure_id"], key["weather_id"]}
    impacts = sql_rows(
        data_dir,
        "SELECT *, epoch_ms(stockout_before) AS before_ms, epoch_ms(signal_time) AS at FROM disruption_impacts "
        f"WHERE signal_id IN ('{key['closure_id']}', '{key['weather_id']}')",
    )
    # Only the PO through the closed port is held: none of the history's POs names it, and a
    # Minor weather alert closes nothing.
    (row,) = impacts
    assert (row["signal_id"], row["signal_type"]) == (key["closure_id"], "port.closure")
    assert (row["warehouse_id"], row["sku"], row["port"], row["region"]) == (
        other["warehouse_id"],
        other["sku"],
        CLOSED_PORT,
        "PLANTED-REGION",
    )
    assert row["supplier_id"] is None and row["at"] == key["closure_ms"]
    (line,) = json.loads(row["lines"])
    assert (line["po_id"], line["due_after"]) == (ROUTED_PO, None)  # no end announced: held past the horizon
    assert row["before_ms"] is None and row["stockout_after"] is not None and row["alerting"]
    assert row["quantity_at_risk"] > 0
    expected = alert_id(f"{key['closure_id']}:{other['warehouse_id']}:{other['sku']}", DISRUPTION_IMPACT)
    (alert,) = sql_rows(data_dir, f"SELECT entity_id, details FROM alerts WHERE alert_id = '{expected}'")
    assert json.loads(alert["details"])["port"] == CLOSED_PORT

    (named,) = _named(data_dir, "disruption_impact", "signal=latest")  # the closure is the latest signal
    assert (named["signal_id"], named["disrupted"], named["sku"]) == (key["closure_id"], CLOSED_PORT, other["sku"])
    assert named["delayed_lines"] == 1 and named["alerting"] and named["days_earlier"] is None
    lead_time = _named(data_dir, "disruption_impact", f"signal={key['signal_id']}")
    assert lead_time[0]["alerting"] and {r["disrupted"] for r in lead_time} == {key["supplier_id"]}
    assert _named(data_dir, "disruption_impact", f"signal={key['weather_id']}") == []


def test_projections_hold_the_identity_and_give_the_stockout_dates(disrupted: tuple[Path, dict[str, Any]]) -> None:
    data_dir, _ = disrupted
    days = sql_rows(
        data_dir,
        "SELECT reference, scenario, warehouse_id, sku, epoch_ms(day) AS day, start_units, inbound_units, "
        "outbound_units, end_units FROM projected_inventory ORDER BY reference, scenario, warehouse_id, sku, day",
    )
    impacts = sql_rows(
        data_dir,
        "SELECT signal_id, warehouse_id, sku, epoch_ms(stockout_before) AS b, epoch_ms(stockout_after) AS a "
        "FROM disruption_impacts",
    )
    assert days and impacts
    series: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for d in days:
        assert d["end_units"] == pytest.approx(d["start_units"] + d["inbound_units"] - d["outbound_units"]), d
        series.setdefault((d["reference"], d["warehouse_id"], d["sku"], d["scenario"]), []).append(d)
    for run_of_days in series.values():
        for previous, following in itertools.pairwise(run_of_days):
            assert following["start_units"] == pytest.approx(previous["end_units"])
            assert following["day"] == previous["day"] + DAY_MS
    suggestions = sql_rows(
        data_dir,
        "SELECT suggestion_id, warehouse_id, sku, epoch_ms(projected_stockout_date) AS out "
        "FROM replenishment_suggestions",
    )
    assert suggestions
    for s in suggestions:  # the review's own projection gives its stock-out date
        projected = series[(s["suggestion_id"], s["warehouse_id"], s["sku"], "plan")]
        assert s["out"] == next((d["day"] for d in projected if d["end_units"] < 0), None), s
    for r in impacts:
        for scenario, column in (("before", "b"), ("after", "a")):
            projected = series[(r["signal_id"], r["warehouse_id"], r["sku"], scenario)]
            first_short = next((d["day"] for d in projected if d["end_units"] < 0), None)
            assert r[column] == first_short, (r, scenario)


def test_a_rerun_assesses_nothing_again(disrupted: tuple[Path, dict[str, Any]]) -> None:
    data_dir, _ = disrupted
    count = "SELECT (SELECT count(*) FROM disruption_impacts) AS i, (SELECT count(*) FROM projected_inventory) AS p"
    before = sql_rows(data_dir, count)
    again = cli("plan", data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    assert "disruption signal" not in again.stdout
    assert sql_rows(data_dir, count) == before


def test_plan_watch_assesses_a_signal_once_its_pipeline_lands_it(
    disrupted: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """`plan --watch` (what the live demo supervises) sees a new lead-time change when the supplier
    pipeline commits it and assesses it without being asked; SIGTERM ends it cleanly."""
    data_dir = tmp_path / "data"
    shutil.copytree(disrupted[0], data_dir)
    key = disrupted[1]
    signal = {
        **example("supplier.leadtime.changed"),
        "eventId": str(uuid.UUID(int=0xD15 + 100)),
        "supplierId": key["supplier_id"],
        "newLeadTimeDays": LEAD_TIME_JUMP_DAYS + 10,
        "timestamp": datetime.fromtimestamp((key["signal_ms"] + 600_000) / 1000, UTC).isoformat(),
    }
    path = tmp_path / "signal.jsonl"
    path.write_text(json.dumps(signal) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    env |= {"SUPPLYLAKE_DATA_DIR": str(data_dir), "SUPPLYLAKE_DEMAND__PLAN_WATCH_INTERVAL_S": "0.5"}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "supplylake", "plan", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run = cli("run", "--input", str(path), data_dir=data_dir, env={"SUPPLYLAKE_PIPELINES": '["suppliers"]'})
        assert run.returncode == 0, run.stderr
        query = f"SELECT warehouse_id, sku, alerting FROM disruption_impacts WHERE signal_id = '{signal['eventId']}'"
        rows = wait_for(lambda: sql_rows(data_dir, query), timeout_s=120, interval_s=0.5, what="the watch's assessment")
    finally:
        watcher.terminate()
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    # The key of the planted PO is short again: the jump holds the same line (even longer).
    assert {(r["warehouse_id"], r["sku"]) for r in rows if r["alerting"]} >= {(key["warehouse_id"], key["sku"])}
    assert "plan: assessed 1 disruption signal(s)" in out, out
    assert out.rstrip().endswith("plan: stopped watching"), out
