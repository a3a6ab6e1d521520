"""Rows built from an event table's definition: the expected values, and a lossless trip through Arrow."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from supplylake.contracts import parse_event
from supplylake.contracts.examples import example
from supplylake.contracts.sales import SaleRecorded
from supplylake.lake.tables import (
    INVENTORY_EVENTS,
    ORDER_EVENTS,
    SHIPMENT_EVENTS,
    SHIPMENT_TELEMETRY,
    EventTableSpec,
    TableDefinitionError,
    payload_text,
    rows_to_arrow,
)

T_MS = 1_736_951_025_000  # 2025-01-15T14:23:45Z, the examples' timestamp
PROMISED_MS = 1_737_219_600_000  # 2025-01-18T17:00:00Z
EVENT_TABLES = (INVENTORY_EVENTS, ORDER_EVENTS, SHIPMENT_EVENTS, SHIPMENT_TELEMETRY)
SOURCE = {"_src_topic": "t", "_src_partition": 0, "_src_offset": 1, "_src_cluster": "c"}


def _row(spec: EventTableSpec, event_type: str, **passed: Any) -> dict[str, Any]:
    raw = orjson.dumps(example(event_type))
    return spec.row(parse_event(raw), payload=payload_text(raw), ingested_at=T_MS + 1, **passed)


def test_inventory_row_has_the_contract_values_and_the_passed_ones() -> None:
    row = _row(INVENTORY_EVENTS, "inventory.received", is_late=False)
    payload = row.pop("payload")
    assert orjson.loads(payload) == example("inventory.received")
    assert row == {
        "event_id": "00000000-0000-4000-8000-000000000001",
        "event_type": "inventory.received",
        "event_time": T_MS,
        "warehouse_id": "WH-Dallas-01",
        "sku": "LAPTOP-XPS-15",
        "quantity": 500,
        "supplier_id": "SUPP-8472",
        "batch_id": "BATCH-2025-0115",
        "po_id": "PO-2025-0042",
        "unit_cost": 812.5,
        "is_late": False,
        "ingested_at": T_MS + 1,
    }
    shipped = _row(INVENTORY_EVENTS, "inventory.shipped", is_late=True)
    assert "supplier_id" not in shipped  # a column the event type lacks is left out: null in the lake
    assert shipped["order_id"] == example("inventory.shipped").get("orderId")


def test_order_placed_row_flattens_the_lines() -> None:
    row = _row(ORDER_EVENTS, "order.placed")
    assert {k: v for k, v in row.items() if k != "payload"} == {
        "event_id": "00000000-0000-4000-8000-000000000007",
        "event_type": "order.placed",
        "event_time": T_MS,
        "order_id": "ORD-1001",
        "customer_id": "CUST-55",
        "region": "us-south",
        "warehouse_id": "WH-Dallas-01",
        "promised_delivery": PROMISED_MS,
        "line_count": 2,
        "units": 4,
        "order_value": 4497.0,
        "lines": '[{"sku":"LAPTOP-XPS-15","quantity":3,"unitPrice":1499.0},'
        '{"sku":"USB-C-DOCK","quantity":1,"unitPrice":0.0}]',
        "ingested_at": T_MS + 1,
    }
    picking = _row(ORDER_EVENTS, "warehouse.picking.started")
    assert {"line_count", "units", "order_value", "lines", "customer_id"}.isdisjoint(picking)


def test_shipment_rows_take_position_and_cold_chain_from_the_right_fields() -> None:
    created = _row(SHIPMENT_EVENTS, "shipment.created")
    assert (created["lat"], created["lon"]) == (32.7767, -96.797)  # the origin
    assert (created["temperature_min"], created["temperature_max"]) == (2.0, 8.0)
    assert created["category"] == "PHARMA" and created["expected_delivery"] == 1_737_219_600_000
    assert {"origin", "destination", "planned_route", "temperature_range"}.isdisjoint(created)
    scan = _row(SHIPMENT_EVENTS, "in.transit")
    assert (scan["lat"], scan["lon"], scan["note"], scan["carrier"]) == (35.4676, -97.5164, "hub scan", "UPS")
    assert "temperature_min" not in scan and "warehouse_id" not in scan
    reading = _row(SHIPMENT_TELEMETRY, "shipment.telemetry", temperature_in_range=True, route_distance_km=1.5)
    assert {k: v for k, v in reading.items() if k != "payload"} == {
        "event_id": "00000000-0000-4000-8000-000000000016",
        "event_time": T_MS,
        "shipment_id": "SHP-7731",
        "lat": 35.4676,
        "lon": -97.5164,
        "temperature": 5.4,
        "humidity": 41.0,
        "temperature_in_range": True,
        "route_distance_km": 1.5,
        "ingested_at": T_MS + 1,
    }


def test_a_pharma_shipment_without_a_range_gets_the_default_and_general_none() -> None:
    wire = {k: v for k, v in example("shipment.created").items() if k != "temperatureRange"}
    pharma = SHIPMENT_EVENTS.row(parse_event(wire))
    assert (pharma["temperature_min"], pharma["temperature_max"]) == (2.0, 8.0)
    general = SHIPMENT_EVENTS.row(parse_event({**wire, "category": "GENERAL"}))
    assert general["temperature_min"] is None and general["temperature_max"] is None


@pytest.mark.parametrize("spec", EVENT_TABLES, ids=lambda spec: spec.name)
def test_rows_of_every_event_type_go_through_arrow_unchanged(spec: EventTableSpec) -> None:
    passed = {"is_late": False, "temperature_in_range": None, "route_distance_km": None}
    rows = []
    for model in spec.contracts:
        (event_type,) = model.model_fields["event_type"].annotation.__args__  # type: ignore[union-attr]
        extra = {k: v for k, v in passed.items() if k in spec.passed}
        rows.append({**_row(spec, event_type, **extra), **SOURCE})
    table = rows_to_arrow(spec, rows)
    assert table.schema == spec.arrow_schema
    back = table.to_pylist()
    columns = [c.name for c in spec.columns]
    for row, got in zip(rows, back, strict=True):
        assert set(row) <= set(columns)
        for name in columns:
            value = got[name]
            if name in {"event_time", "ingested_at", "promised_delivery", "expected_delivery"} and value is not None:
                value = int(value.timestamp() * 1000)
            assert value == row.get(name), f"{spec.name}.{name}"


def test_an_event_of_another_table_is_refused_with_the_fix() -> None:
    sale = parse_event(example("sale.recorded"))
    assert isinstance(sale, SaleRecorded)
    with pytest.raises(TableDefinitionError, match="add it to the table's contracts"):
        INVENTORY_EVENTS.row(sale)
    with pytest.raises(TableDefinitionError, match=r"\['quantity'\] are not passed-in columns"):
        INVENTORY_EVENTS.row(parse_event(example("inventory.received")), quantity=3)
