"""`supplylake run --input` carries orders and shipments end to end: file -> broker -> the shipment
and order pipelines (timers, cold chain, re-keying by order) -> lake, and the named query reads it.

A hand-written file checks the cases by name; a simulated one is checked against an independent
recomputation from the raw file (tests/support/shipments_model.py).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from supplylake.simulator import FaultConfig, Simulation, SimulationConfig, write_jsonl
from tests.support.lake_identity import sql_rows as sql
from tests.support.processes import cli
from tests.support.shipment_stream import MIN, Handwritten, handwritten_stream, ms
from tests.support.shipments_model import expected_from_file

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SHIPMENT_ALERTS = (
    "DELIVERY_DELAYED",
    "DELIVERED_LATE",
    "NO_TRACKING_UPDATE",
    "TEMPERATURE_BREACH",
    "TEMPERATURE_RECOVERED",
    "ROUTE_DEVIATION",
)


def run(path: Path, data_dir: Path) -> None:
    # The pipelines these events are for (the others would only add minutes).
    result = cli(
        "run", "--input", str(path), data_dir=data_dir, env={"SUPPLYLAKE_PIPELINES": '["shipments", "orders"]'}
    )
    assert result.returncode == 0, result.stderr
    assert "replayed" in result.stdout


@pytest.fixture(scope="module")
def handwritten(tmp_path_factory: pytest.TempPathFactory) -> tuple[Handwritten, Path]:
    root = tmp_path_factory.mktemp("hand")
    stream = handwritten_stream(root / "events.jsonl")
    run(stream.path, root / "data")
    return stream, root / "data"


def test_a_shipment_gone_silent_gets_exactly_one_delivery_delayed(handwritten: tuple[Handwritten, Path]) -> None:
    stream, lake = handwritten
    alerts = sql(
        lake,
        f"SELECT alert_type, raised_at, details FROM alerts WHERE entity_id = '{stream.silent}' "
        "AND entity_type = 'shipment'",
    )
    delayed = [a for a in alerts if a["alert_type"] == "DELIVERY_DELAYED"]
    assert len(delayed) == 1
    details = json.loads(delayed[0]["details"])
    assert details["deadline_ms"] == stream.silent_deadline_ms and details["order_id"] == "ORD-1"
    # Nothing on its partition was stamped past the deadline: only the end-of-replay watermark
    # (the latest event time of the whole file, from the other partition) can have fired it.
    (mine,) = sql(
        lake, f"SELECT DISTINCT _src_partition AS p FROM shipment_events WHERE shipment_id = '{stream.silent}'"
    )
    (latest,) = sql(
        lake,
        f"""
        SELECT max(epoch_ms(event_time)) AS own, (SELECT max(epoch_ms(event_time)) FROM shipment_telemetry) AS any
        FROM (SELECT event_time, _src_partition FROM shipment_events UNION ALL
              SELECT event_time, _src_partition FROM shipment_telemetry) WHERE _src_partition = {mine["p"]}""",
    )
    assert latest["own"] < stream.silent_deadline_ms < latest["any"]
    (status,) = sql(lake, f"SELECT status, sla_state FROM shipment_current WHERE shipment_id = '{stream.silent}'")
    assert status == {"status": "in_transit", "sla_state": "LATE"}


def test_a_pharma_reading_of_9_5_degrees_raises_one_breach(handwritten: tuple[Handwritten, Path]) -> None:
    stream, lake = handwritten
    alerts = sql(
        lake,
        f"SELECT alert_type, details FROM alerts WHERE entity_id = '{stream.pharma}' "
        "AND alert_type LIKE 'TEMPERATURE%' ORDER BY raised_at",
    )
    assert [a["alert_type"] for a in alerts] == ["TEMPERATURE_BREACH", "TEMPERATURE_RECOVERED"]
    breach, recovered = (json.loads(a["details"]) for a in alerts)
    assert breach["temperature"] == 9.5 and breach["range"] == {"min": 2.0, "max": 8.0}
    assert recovered["max_temperature"] == 9.7 and recovered["excursion_duration_ms"] == 30 * MIN
    readings = sql(
        lake,
        f"SELECT temperature, temperature_in_range FROM shipment_telemetry "
        f"WHERE shipment_id = '{stream.pharma}' ORDER BY event_time",
    )
    assert [(r["temperature"], r["temperature_in_range"]) for r in readings] == [
        (5.0, True),
        (9.5, False),
        (9.7, False),
        (6.0, True),
    ]


def test_late_delivery_resolves_the_delay_and_orders_see_the_whole_lifecycle(
    handwritten: tuple[Handwritten, Path],
) -> None:
    stream, lake = handwritten
    alerts = sql(lake, f"SELECT alert_type FROM alerts WHERE entity_id = '{stream.late}' ORDER BY raised_at")
    assert [a["alert_type"] for a in alerts] == ["DELIVERY_DELAYED", "DELIVERED_LATE"]
    orders = {r["order_id"]: r for r in sql(lake, "SELECT * FROM order_current")}
    assert orders["ORD-4"]["stage"] == "delivered" and orders["ORD-4"]["is_late"] is True
    assert orders["ORD-4"]["delivery_delta_ms"] == ms(300) - ms(200)
    assert orders["ORD-1"]["stage"] == "in_transit" and orders["ORD-1"]["placed_at"] is not None
    assert orders["ORD-1"]["shipment_id"] == stream.silent
    anomalies = sql(lake, "SELECT entity_type, entity_id FROM alerts WHERE alert_type = 'SEQUENCE_ANOMALY'")
    assert anomalies == [{"entity_type": "order", "entity_id": stream.anomaly_order}]
    assert orders[stream.anomaly_order]["stage"] == "delivered"  # the later scan is kept, not obeyed


def test_control_records_are_neither_events_nor_dead_letters(handwritten: tuple[Handwritten, Path]) -> None:
    stream, lake = handwritten
    expected = expected_from_file(stream.path)
    dead = sql(lake, "SELECT error_code, source_topic FROM dead_letters")
    assert dead == [{"error_code": "missing_field", "source_topic": "shipment-events"}]
    counts = sql(
        lake,
        """SELECT (SELECT count(*) FROM shipment_events) AS events,
                                 (SELECT count(*) FROM shipment_telemetry) AS telemetry,
                                 (SELECT count(*) FROM order_events) AS orders""",
    )[0]
    assert counts == {
        "events": len(expected.status_event_ids),
        "telemetry": len(expected.telemetry_ids),
        "orders": len(expected.order_event_ids),
    }


def test_where_is_my_order_answers_in_one_query(handwritten: tuple[Handwritten, Path]) -> None:
    stream, lake = handwritten
    query = str(ROOT / "sql" / "where_is_my_order.sql")
    result = cli("sql", "--file", query, "--param", "order_id=ORD-1", "--format", "json", data_dir=lake)
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["shipment_id"] == stream.silent and row["shipment_status"] == "in_transit"
    assert row["last_lat"] is not None and "DELIVERY_DELAYED" in row["alerts"]
    assert "past the expected delivery" in row["why"] and "no carrier scan since" in row["why"]
    late = json.loads(
        cli("sql", "--file", query, "--param", "order_id=ORD-4", "--format", "json", data_dir=lake).stdout
    )
    assert late[0]["late_vs_promise_min"] == 100 and "delivered 100 min after the promise" in late[0]["why"]
    unknown = cli("sql", "--file", query, "--param", "order_id=nope' OR '1'='1", "--format", "json", data_dir=lake)
    assert unknown.returncode == 0 and json.loads(unknown.stdout) == []
    missing = cli("sql", "--file", query, data_dir=lake)
    assert missing.returncode != 0 and "--param order_id=" in missing.stderr


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sim")
    # No `late` fault: an event later than the allowed lateness meets whatever deadlines its
    # partition's other keys moved past, so its outcome is not a function of the file alone.
    faults = FaultConfig(
        duplicate=0.02,
        out_of_order=0.02,
        late=0.0,
        malformed_json=0.005,
        missing_field=0.005,
        unknown_type=0.003,
        schema_drift=0.02,
    )
    sim = Simulation(SimulationConfig(seed=5, events_per_hour=600, faults=faults))
    events = root / "events.jsonl"
    write_jsonl(sim.events(max_events=6_000), events)
    run(events, root / "data")
    return events, root / "data"


def test_simulated_shipments_equal_an_independent_recomputation(simulated: tuple[Path, Path]) -> None:
    events, lake = simulated
    expected = expected_from_file(events)
    assert all(expected.alerts[kind] > 0 for kind in SHIPMENT_ALERTS)  # the input exercises every kind
    rows = sql(
        lake,
        "SELECT alert_type, count(*) AS n, count(DISTINCT alert_id) AS ids FROM alerts "
        "WHERE entity_type IN ('shipment', 'order') GROUP BY 1",
    )
    assert all(r["n"] == r["ids"] for r in rows)
    assert {r["alert_type"]: r["n"] for r in rows} == dict(expected.alerts)
    per_entity = sql(lake, "SELECT alert_type, entity_id FROM alerts WHERE entity_type IN ('shipment', 'order')")
    assert Counter((r["alert_type"], r["entity_id"]) for r in per_entity) == expected.alerts_by_entity

    current = sql(lake, "SELECT shipment_id, status, sla_state FROM shipment_current")
    assert {r["shipment_id"]: r["status"] for r in current} == expected.shipment_status
    delivered = {r["shipment_id"]: r["sla_state"] == "DELIVERED_LATE" for r in current if r["status"] == "delivered"}
    assert {k: v for k, v in delivered.items() if k in expected.delivered_late} == expected.delivered_late
    orders = sql(lake, "SELECT order_id, stage FROM order_current")
    assert {r["order_id"]: r["stage"] for r in orders} == expected.order_stage


def test_simulated_events_are_stored_exactly_once(simulated: tuple[Path, Path]) -> None:
    events, lake = simulated
    expected = expected_from_file(events)
    for table, ids in (
        ("shipment_events", expected.status_event_ids),
        ("shipment_telemetry", expected.telemetry_ids),
        ("order_events", expected.order_event_ids),
    ):
        (row,) = sql(lake, f"SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM {table}")
        assert row == {"n": len(ids), "ids": len(ids)}, table
        assert {r["event_id"] for r in sql(lake, f"SELECT event_id FROM {table}")} == ids, table
    (status,) = sql(lake, "SELECT count(*) AS n, count(DISTINCT (shipment_id, cause_id)) AS k FROM shipment_status")
    assert status["n"] == status["k"]
