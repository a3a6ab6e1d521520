"""The tables derived from the contracts have exactly the Iceberg schemas they had when declared by hand.

``fixtures/lake_table_schemas.json`` is the snapshot of every table taken from the hand-written
``lake/tables.py`` before the event tables were derived. Existing lakes hold tables with these
schemas, so names, types, required flags, field ids (= order), identifier fields and partitioning
must not change; docs may (they are not part of a table's identity and ensure_table leaves
existing docs alone).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from supplylake.lake import TABLES
from supplylake.lake.tables import ALERTS, EventTableSpec
from supplylake.lake.tables.alerts import ALERT_TYPES, ENTITY_TYPES
from supplylake.lake.tables.spec import TableSpec
from supplylake.pipelines.demand.spikes import DEMAND_ALERT_TYPES
from supplylake.pipelines.inventory.alerts import AlertType
from supplylake.pipelines.shipments import alerts as shipment_alerts
from supplylake.pipelines.suppliers.alerts import SUPPLIER_ALERT_TYPES
from supplylake.planning.outputs import PLANNING_ALERT_TYPES

SNAPSHOT: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "lake_table_schemas.json").read_text(encoding="utf-8")
)

#: Hand-declared columns whose doc was changed on purpose (alerts: the old list named types never written).
CHANGED_DOCS = {("alerts", "alert_type"), ("alerts", "entity_type"), ("alerts", "entity_id")}


def _shape(spec: TableSpec) -> dict[str, Any]:
    schema = spec.schema
    return {
        "description": spec.description,
        "time_column": spec.time_column,
        "key": list(spec.key),
        "sort_by": list(spec.sort_by),
        "properties": dict(spec.properties),
        "identifier_field_ids": list(schema.identifier_field_ids),
        "partition_spec": [
            {"source_id": f.source_id, "field_id": f.field_id, "transform": str(f.transform), "name": f.name}
            for f in spec.partition_spec.fields
        ],
        "columns": [
            {"id": f.field_id, "name": f.name, "type": str(f.field_type), "required": f.required} for f in schema.fields
        ],
    }


def test_the_registry_holds_the_snapshotted_tables() -> None:
    assert [spec.name for spec in TABLES] == list(SNAPSHOT)


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.name)
def test_schema_is_identical_to_the_hand_written_one(spec: TableSpec) -> None:
    expected = SNAPSHOT[spec.name]
    without_docs = {**expected, "columns": [{k: v for k, v in c.items() if k != "doc"} for c in expected["columns"]]}
    assert _shape(spec) == without_docs


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.name)
def test_every_column_has_a_doc_and_declared_ones_kept_theirs(spec: TableSpec) -> None:
    old_docs = {c["name"]: c["doc"] for c in SNAPSHOT[spec.name]["columns"]}
    for field in spec.schema.fields:
        assert field.doc, f"{spec.name}.{field.name} has no doc"
        if not isinstance(spec, EventTableSpec) and (spec.name, field.name) not in CHANGED_DOCS:
            assert field.doc == old_docs[field.name], f"{spec.name}.{field.name}"


def test_event_tables_are_the_derived_ones() -> None:
    derived = {spec.name for spec in TABLES if isinstance(spec, EventTableSpec)}
    assert derived == {
        "inventory_events",
        "order_events",
        "shipment_events",
        "shipment_telemetry",
        "supplier_events",
        "sales_events",
        "consumption_events",
        "external_signals",
    }


def test_alert_type_doc_lists_the_types_the_pipelines_write_and_nothing_else() -> None:
    doc = ALERTS.column_docs["alert_type"]
    written = {t.value for t in AlertType} | {
        shipment_alerts.DELIVERY_DELAYED,
        shipment_alerts.DELIVERED_LATE,
        shipment_alerts.NO_TRACKING_UPDATE,
        shipment_alerts.TEMPERATURE_BREACH,
        shipment_alerts.TEMPERATURE_RECOVERED,
        shipment_alerts.ROUTE_DEVIATION,
        shipment_alerts.SHIPMENT_AT_RISK,
        shipment_alerts.SEQUENCE_ANOMALY,
        *SUPPLIER_ALERT_TYPES,
        *DEMAND_ALERT_TYPES,
        *PLANNING_ALERT_TYPES,
    }
    assert set(ALERT_TYPES) == written
    assert all(alert_type in doc for alert_type in written)
    for never_written in ("low_stock", "stock_out", "late_shipment", "cold_chain_breach", "…"):
        assert never_written not in doc
    assert set(ENTITY_TYPES) == {"stock", "shipment", "order", "po_line", "supplier"}
    assert all(entity_type in ALERTS.column_docs["entity_type"] for entity_type in ENTITY_TYPES)
