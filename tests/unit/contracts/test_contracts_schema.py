"""Exported JSON Schemas: file layout, metadata, and agreement with the models on valid input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from supplylake.contracts import EVENT_TYPES, export_json_schemas, json_schema_for, parse_event
from supplylake.contracts.examples import example

ALL_TYPES = list(EVENT_TYPES)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("schemas")
    paths = export_json_schemas(out)
    assert sorted(paths) == sorted(out.iterdir())
    return {path.name.removesuffix(".schema.json"): json.loads(path.read_text()) for path in paths}


def test_one_file_per_event_type(exported: dict[str, dict[str, Any]]) -> None:
    assert set(exported) == set(EVENT_TYPES)


def test_export_is_reproducible(tmp_path: Path) -> None:
    first = {path.name: path.read_bytes() for path in export_json_schemas(tmp_path / "a")}
    second = {path.name: path.read_bytes() for path in export_json_schemas(tmp_path / "a")}
    assert first == second
    assert "inventory.received.schema.json" in first


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_schema_metadata(exported: dict[str, dict[str, Any]], event_type: str) -> None:
    schema = exported[event_type]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://supplylake.dev/schemas/{event_type}/v1.json"
    assert schema["title"] == event_type
    assert schema["properties"]["eventType"]["const"] == event_type
    assert "eventId" not in schema.get("required", [])
    stamp = schema["properties"]["timestamp"]
    assert stamp["format"] == "date-time" and "Z|" in stamp["pattern"]
    assert all("_" not in name for name in schema["properties"] if name != "ts_ms")


@pytest.mark.parametrize("event_type", [t for t in ALL_TYPES if t != "erp.change"])
def test_event_type_and_timestamp_are_required(exported: dict[str, dict[str, Any]], event_type: str) -> None:
    assert {"eventType", "timestamp"} <= set(exported[event_type]["required"])


def test_cdc_fields_assigned_by_supplylake_are_optional(exported: dict[str, dict[str, Any]]) -> None:
    schema = exported["erp.change"]
    assert set(schema["required"]) == {"op", "ts_ms", "source"}
    assert "default" not in schema["properties"]["timestamp"]


def test_business_rules_are_in_the_schemas(exported: dict[str, dict[str, Any]]) -> None:
    props = {event_type: schema["properties"] for event_type, schema in exported.items()}
    assert props["inventory.received"]["quantity"]["exclusiveMinimum"] == 0
    assert props["inventory.adjusted"]["quantity"]["not"] == {"const": 0}
    assert props["inventory.counted"]["quantity"]["minimum"] == 0
    assert props["order.placed"]["lines"]["minItems"] == 1
    assert props["shipment.created"]["category"]["enum"] == ["GENERAL", "PHARMA", "FROZEN", "FRESH"]
    assert props["sale.recorded"]["channel"]["enum"] == ["pos", "web"]
    assert props["shipment.telemetry"]["lat"] == {
        "description": "Latitude.",
        "maximum": 90,
        "minimum": -90,
        "title": "lat",
        "type": "number",
    }
    assert len(exported["erp.change"]["allOf"]) == 4


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_schema_carries_a_valid_example(exported: dict[str, dict[str, Any]], event_type: str) -> None:
    (sample,) = exported[event_type]["examples"]
    assert sample == example(event_type)


def _valid_variants(event_type: str) -> list[dict[str, Any]]:
    base = example(event_type)
    without_id = {key: value for key, value in base.items() if key != "eventId"}
    variants = [base, without_id, base | {"unknownDriftField": {"any": [1, None]}}]
    if event_type != "erp.change":
        variants += [
            base | {"timestamp": "2025-01-15T16:23:45.123456+02:00"},
            base | {"timestamp": "2025-01-15 14:23:45-00:30", "schemaVersion": 2},
        ]
    return variants


EDGE_VALID: list[tuple[str, dict[str, Any]]] = [
    ("inventory.adjusted", {"quantity": -1}),
    ("inventory.counted", {"quantity": 0}),
    ("inventory.received", {"unitCost": 0, "supplierId": None, "batchId": None}),
    ("order.placed", {"lines": [{"sku": "A", "quantity": 1, "unitPrice": 0}]}),
    ("shipment.created", {"temperatureRange": None, "plannedRoute": None, "category": "GENERAL"}),
    ("shipment.telemetry", {"lat": -90, "lon": 180, "humidity": 100, "temperature": -30.5}),
    ("shipment.telemetry", {"humidity": 0, "temperature": None}),
    ("in.transit", {"location": None, "note": "", "carrier": None}),
    ("asn.sent", {"lines": []}),
    ("supplier.leadtime.changed", {"previousLeadTimeDays": 0, "reason": None}),
    ("port.closure", {"endsAt": None}),
    ("erp.change", {"op": "r", "before": None}),
    ("erp.change", {"op": "d", "after": None}),
]

VALID_CASES = [(t, variant) for t in ALL_TYPES for variant in _valid_variants(t)] + [
    (t, example(t) | change) for t, change in EDGE_VALID
]


@pytest.mark.parametrize(("event_type", "payload"), VALID_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_valid_samples_pass_schema_and_model(event_type: str, payload: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(json_schema_for(event_type)).validate(payload)
    assert parse_event(payload).event_type == event_type


def test_wire_output_validates_against_its_schema() -> None:
    for event_type in ALL_TYPES:
        wire = parse_event(example(event_type)).to_wire()
        jsonschema.Draft202012Validator(json_schema_for(event_type)).validate(wire)
        pattern = json_schema_for(event_type)["properties"]["timestamp"]["pattern"]
        assert re.fullmatch(pattern, wire["timestamp"])
