"""`supplylake run --input` carries a simulated 30-day supplier history end to end: file -> broker ->
the supplier pipeline (re-keyed by poId, then by supplierId) -> lake.

- the PO line facts in the lake equal the domain fold of the same file (tests/support: the
  pure functions, applied in event time with every deadline fired at the input's end), so the
  wiring (receipts from inventory-events, re-keying, timers, the end-of-replay watermark) loses,
  adds and reorders nothing that matters;
- the live metrics (`supplier_current`, and every supplier × SKU row) equal a batch
  recomputation in DuckDB SQL over `po_line_current` at the same cut-off;
- duplicates are stored once, malformed supplier events are dead letters with their offsets.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from supplylake.contracts import InvalidEvent, parse_event
from supplylake.pipelines.suppliers.metrics import supplier_metrics
from supplylake.pipelines.suppliers.po_lines import PO_EVENT_TYPES, PoEvent, apply_po_event, fire_deadlines, line_facts
from supplylake.settings import load_settings
from supplylake.simulator import FaultConfig, Simulation, write_jsonl
from supplylake.simulator.generator import history_config
from tests.support.killed_run import replay_with_kills
from tests.support.lake_identity import lake_contents
from tests.support.lake_identity import sql_rows as sql
from tests.support.processes import cli

pytestmark = pytest.mark.integration

DAYS = 30
SUPPLIER_TYPES = PO_EVENT_TYPES | {"supplier.leadtime.changed"}
# The batch recomputation of supplier_metrics over po_line_current at each row's own cut-off:
# the SQL an analyst would write from the definitions in docs/suppliers.md.
RECOMPUTED = """
WITH cut AS (
    SELECT supplier_id, sku, "window", epoch_ms(as_of) AS as_of_ms,
           CASE WHEN "window" = 'all' THEN NULL ELSE epoch_ms(as_of) - 30 * 86400000::BIGINT END AS start_ms
    FROM ({latest})
),
lines AS (
    SELECT c.supplier_id, c.sku AS group_sku, c."window", c.as_of_ms, l.*,
           epoch_ms(l.due_at) <= c.as_of_ms AS is_due
    FROM cut c JOIN po_line_current l
      ON l.supplier_id = c.supplier_id AND (c.sku IS NULL OR l.sku = c.sku)
     AND epoch_ms(l.po_created_at) <= c.as_of_ms
     AND (c.start_ms IS NULL OR epoch_ms(l.due_at) > c.start_ms)
)
SELECT supplier_id, group_sku AS sku, "window",
       count(*) FILTER (WHERE is_due) AS lines_due,
       avg(otif) FILTER (WHERE is_due) AS otif_rate,
       avg(CAST(on_time AS INT)) FILTER (WHERE is_due) AS on_time_rate,
       avg(CAST(in_full AS INT)) FILTER (WHERE is_due) AS in_full_rate,
       sum(least(accepted_qty, ordered_qty)) FILTER (WHERE is_due)
           / nullif(sum(ordered_qty) FILTER (WHERE is_due), 0) AS fill_rate,
       sum(rejected_qty) FILTER (WHERE is_due) / nullif(sum(received_qty) FILTER (WHERE is_due), 0) AS defect_rate,
       avg(lead_time_days) FILTER (WHERE is_due) AS lead_time_mean_days,
       quantile_cont(lead_time_days, 0.9) FILTER (WHERE is_due) AS lead_time_p90_days,
       stddev_samp(lead_time_days) FILTER (WHERE is_due) AS lead_time_stddev_days,
       count(*) FILTER (WHERE status NOT IN ('RECEIVED', 'OVER')) AS open_lines,
       count(*) FILTER (WHERE status NOT IN ('RECEIVED', 'OVER') AND is_due) AS late_open_lines,
       coalesce(sum(accepted_qty * unit_cost) FILTER (WHERE is_due), 0) AS spend
FROM lines
GROUP BY ALL
"""
LATEST_METRICS = """
SELECT * FROM supplier_metrics
QUALIFY row_number() OVER (PARTITION BY supplier_id, sku, "window" ORDER BY ingested_at DESC, revision DESC) = 1
"""
MEASURES = (
    "lines_due",
    "otif_rate",
    "on_time_rate",
    "in_full_rate",
    "fill_rate",
    "defect_rate",
    "lead_time_mean_days",
    "lead_time_p90_days",
    "lead_time_stddev_days",
    "open_lines",
    "late_open_lines",
    "spend",
)


def supplier_history(path: Path) -> Path:
    """30 days of the history simulator at a reduced demand, keeping the supplier events (faults
    included) and the PO receipts: the rest of the stream is other pipelines' business."""
    config = dataclasses.replace(
        history_config(7, faults=FaultConfig(duplicate=0.05, malformed_json=0.01, missing_field=0.01)),
        skus=20,
        warehouses=2,
        events_per_hour=1200,
    )
    events = Simulation(config).events(until=config.start + timedelta(days=DAYS))
    write_jsonl(
        (e for e in events if e.family == "suppliers" or e.event_type == "inventory.received"),
        path,
    )
    return path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("suppliers")
    path = supplier_history(root / "history.jsonl")
    # The suppliers pipeline alone: the receipts would also feed inventory and demand, not tested here.
    result = cli("run", "--input", str(path), data_dir=root / "data", env={"SUPPLYLAKE_PIPELINES": '["suppliers"]'})
    assert result.returncode == 0, result.stderr
    return path, root / "data"


def _payloads(path: Path) -> list[dict[str, Any]]:
    """The file's lines that are JSON objects (the malformed ones left out)."""
    payloads = []
    for line in path.read_bytes().splitlines():
        try:
            payload = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(payload, dict):
            payloads.append(payload)
    return payloads


def folded(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The line facts the domain functions give for the file: events per PO in event-time order,
    then every deadline up to the input's latest event time."""
    per_po: dict[str, list[PoEvent]] = defaultdict(list)
    latest = 0
    for line in path.read_bytes().splitlines():
        try:
            event = parse_event(line)
        except InvalidEvent:
            continue
        latest = max(latest, event.event_time_ms)
        parsed = PoEvent.from_contract(event)
        if parsed is not None:
            per_po[parsed.po_id].append(parsed)
    facts = {}
    for events in per_po.values():
        state = None
        for event in sorted(events, key=lambda e: e.sort_key):
            state, _ = apply_po_event(state, event)
        assert state is not None
        state, _ = fire_deadlines(state, latest)
        facts.update({(fact["po_id"], fact["sku"]): fact for fact in line_facts(state)})
    return facts


def test_po_line_facts_equal_the_domain_fold_of_the_file(history: tuple[Path, Path]) -> None:
    path, lake = history
    expected = folded(path)
    rows = sql(lake, "SELECT * FROM po_line_current")
    assert len(expected) > 100
    statuses = {row["status"] for row in rows}
    assert {"RECEIVED", "OPEN", "SHORT_CLOSED"} <= statuses, statuses
    got = {(row["po_id"], row["sku"]): row for row in rows}
    assert got.keys() == expected.keys()
    for key, fact in expected.items():
        row = got[key]
        for column in ("ordered_qty", "received_qty", "rejected_qty", "accepted_qty", "status", "otif", "in_full"):
            assert row[column] == fact[column], (key, column)
        assert row["lead_time_days"] == pytest.approx(fact["lead_time_days"]), key


def test_live_metrics_equal_the_sql_recomputation(history: tuple[Path, Path]) -> None:
    assert_metrics_equal_the_sql_recomputation(history[1])


def assert_metrics_equal_the_sql_recomputation(lake: Path) -> None:
    live = {(row["supplier_id"], row["sku"], row["window"]): row for row in sql(lake, LATEST_METRICS)}
    batch = {
        (row["supplier_id"], row["sku"], row["window"]): row
        for row in sql(lake, RECOMPUTED.format(latest=LATEST_METRICS))
    }
    assert live.keys() == batch.keys()
    current = sql(lake, 'SELECT supplier_id, "window", lines_due, otif_rate FROM supplier_current')
    assert len(current) == 2 * len({row["supplier_id"] for row in current}) >= 2 * 6
    assert sum(row["lines_due"] for row in current if row["window"] == "all") > 50
    for key, row in live.items():
        for measure in MEASURES:
            want = batch[key][measure]
            if isinstance(want, float):
                assert row[measure] == pytest.approx(want, rel=1e-9, abs=1e-9), (key, measure)
            else:
                assert row[measure] == want, (key, measure)


# What must not depend on how the run went: every supplier event and unmatched receipt once, what
# every line and supplier ends at, and the alerts but SUPPLIER_SLIPPING (whose id names the cut-off
# the episode started at, which depends on the order the supplier stage got the facts of different
# POs in; docs/suppliers.md).
SUPPLIER_TABLES = ("supplier_events", "unmatched_receipts", "po_line_current", "supplier_current")
SUPPLIER_ALERTS = (
    "SELECT alert_id, alert_type, entity_id FROM alerts WHERE alert_type IN "
    "('PO_LATE', 'PO_SHORT', 'PO_OVER', 'QUALITY_REJECT', 'LEAD_TIME_CHANGED') ORDER BY 1"
)


def test_two_instances_killed_at_random_lose_and_duplicate_nothing(history: tuple[Path, Path], tmp_path: Path) -> None:
    """The same history with two supplier pipeline instances SIGKILLed at random (each kill two
    rebalances: POs and suppliers change hands mid-stream) ends where the plain run ended.

    The po_lines history may have fewer rows: a receipt that reaches its PO's partition before
    the po.created (here, when the instance forwarding inventory-events restarted first) is held
    and applied with it, in the po.created's row (docs/suppliers.md, Limits), in either run. Every
    row is there once, caused by an input event or by a deadline the plain run fired too.
    """
    path, plain = history
    data_dir = tmp_path / "data"
    kills = replay_with_kills(path, load_settings(data_dir=data_dir, pipelines=["suppliers"]), kills=2, seed=3)
    assert len(kills) == 2
    want, got = lake_contents(plain), lake_contents(data_dir)
    for table in SUPPLIER_TABLES:
        assert got[table] == want[table], table
    killed_rows = Counter(got["po_lines"] or ())
    assert max(killed_rows.values()) == 1  # every change once
    input_ids = {payload.get("eventId") for payload in _payloads(path)}
    deadlines = {row.split("|", 1)[1] for row in want["po_lines"] or () if row.split("|", 1)[1].startswith("po:")}
    for row in killed_rows:
        cause = row.split("|", 1)[1]
        assert cause in input_ids or cause in deadlines, row  # caused by an input event or a plain run's deadline
    assert sql(data_dir, SUPPLIER_ALERTS) == sql(plain, SUPPLIER_ALERTS)
    assert_metrics_equal_the_sql_recomputation(data_dir)


def test_a_window_with_no_due_lines_has_no_rate_not_100_percent(history: tuple[Path, Path]) -> None:
    path, lake = history
    # Rows the lake kept with no due lines (a checkpoint keeps only its last row per supplier and
    # window, so how many there are depends on where the checkpoints fell) have no rates.
    rows = sql(lake, "SELECT lines_due, otif_rate, fill_rate FROM supplier_metrics WHERE lines_due = 0")
    assert all(row["otif_rate"] is None and row["fill_rate"] is None for row in rows)
    # And at the history's first cut-off, before any line is due, the rows have no rate at all
    # (the functions stage 4 runs, on the same file's facts).
    facts = folded(path).values()
    first = min(fact["po_created_at"] for fact in facts)
    early = supplier_metrics(facts, first)
    assert early and all(m.lines_due == 0 and m.otif_rate is None and m.fill_rate is None for m in early)


def test_duplicates_are_stored_once_and_bad_events_are_dead_letters(history: tuple[Path, Path]) -> None:
    path, lake = history
    ids = {p.get("eventId") for p in _payloads(path) if p.get("eventType") in SUPPLIER_TYPES - {"inventory.received"}}
    (stored,) = sql(lake, "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM supplier_events")
    assert stored["n"] == stored["d"]
    assert 0 < stored["n"] <= len(ids)
    dead = sql(lake, "SELECT source_offset, raw_value FROM dead_letters WHERE source_topic = 'supplier-events'")
    assert dead and all(row["source_offset"] is not None and row["raw_value"] for row in dead)


def test_po_alerts_name_their_line_and_lead_time_changes_list_open_lines(history: tuple[Path, Path]) -> None:
    _, lake = history
    counts = {
        row["alert_type"]: row["n"] for row in sql(lake, "SELECT alert_type, count(*) AS n FROM alerts GROUP BY 1")
    }
    assert counts.get("PO_LATE", 0) > 0 and counts.get("LEAD_TIME_CHANGED", 0) > 0, counts
    late = sql(
        lake,
        "SELECT a.entity_id, l.status FROM alerts a JOIN po_line_current l ON a.entity_id = l.po_id || ':' || l.sku "
        "WHERE a.alert_type = 'PO_LATE'",
    )
    assert len(late) == counts["PO_LATE"]
    changed = sql(lake, "SELECT entity_id, details FROM alerts WHERE alert_type = 'LEAD_TIME_CHANGED'")
    (events,) = sql(lake, "SELECT count(*) AS n FROM supplier_events WHERE event_type = 'supplier.leadtime.changed'")
    assert len(changed) == events["n"]
    for row in changed:
        # The lines known when the change is processed (in a replay, the facts of lines come
        # through the by-po topic and may not all be there yet).
        for line in orjson.loads(row["details"])["open_lines"]:
            assert line["status"] in ("OPEN", "PARTIAL") and line["new_expected_at_ms"] > 0


def test_the_named_queries_rank_suppliers_and_list_late_lines(history: tuple[Path, Path]) -> None:
    _, lake = history
    ranking = cli("sql", "--query", "supplier_ranking", "--param", "period=30d", "--format", "json", data_dir=lake)
    assert ranking.returncode == 0, ranking.stderr
    ranked = orjson.loads(ranking.stdout)
    current = {
        row["supplier_id"]: row["otif_rate"]
        for row in sql(lake, "SELECT supplier_id, otif_rate FROM supplier_current WHERE \"window\" = '30d'")
    }
    assert sorted(row["supplier_id"] for row in ranked) == sorted(current)
    # Worst OTIF first, suppliers with no data last.
    otif = [current[row["supplier_id"]] for row in ranked]
    known = [rate for rate in otif if rate is not None]
    assert known == sorted(known) and otif == known + [None] * (len(otif) - len(known))
    late = cli("sql", "--query", "late_open_po_lines", "--param", "supplier_id=*", "--format", "json", data_dir=lake)
    assert late.returncode == 0, late.stderr
    lines = orjson.loads(late.stdout)
    (expected,) = sql(
        lake,
        "SELECT count(*) AS n FROM po_line_current WHERE status IN ('OPEN', 'PARTIAL', 'SHORT_CLOSED') "
        "AND due_at < (SELECT max(changed_at) FROM po_lines)",
    )
    assert len(lines) == expected["n"] > 0
    assert [line["days_late"] for line in lines] == sorted((line["days_late"] for line in lines), reverse=True)
