"""Business rules: every event type rejects impossible values, and the exported JSON Schema
rejects exactly the same samples wherever JSON Schema can express the rule."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
import pytest

from supplylake.contracts import (
    EVENT_TYPES,
    ContractViolation,
    ShipmentCreated,
    json_schema_for,
    parse_event,
)
from supplylake.contracts.examples import example

DELETE = object()
NAIVE = "2025-01-15T14:23:45"
ROUTE_POINT = {"lat": 1.0, "lon": 2.0}

# (event type, wire path, new value or DELETE). The path is also the field the reason must name.
INVALID: list[tuple[str, str, Any]] = [
    ("inventory.received", "quantity", -5),
    ("inventory.received", "quantity", 0),
    ("inventory.received", "quantity", "5"),
    ("inventory.received", "quantity", 2.5),
    ("inventory.received", "quantity", True),
    ("inventory.received", "unitCost", -0.01),
    ("inventory.received", "warehouseId", DELETE),
    ("inventory.received", "sku", "   "),
    ("inventory.received", "timestamp", NAIVE),
    ("inventory.received", "timestamp", DELETE),
    ("inventory.received", "eventId", ""),
    ("inventory.received", "schemaVersion", 0),
    ("inventory.shipped", "quantity", 0),
    ("inventory.shipped", "orderId", 17),
    ("inventory.adjusted", "quantity", 0),
    ("inventory.adjusted", "reason", ""),
    ("inventory.adjusted", "reason", DELETE),
    ("inventory.counted", "quantity", -1),
    ("inventory.counted", "quantity", DELETE),
    ("inventory.reserved", "quantity", -3),
    ("inventory.released", "quantity", 0),
    ("order.placed", "lines", []),
    ("order.placed", "lines.0.quantity", 0),
    ("order.placed", "lines.0.unitPrice", -1),
    ("order.placed", "lines.0.sku", DELETE),
    ("order.placed", "promisedDelivery", NAIVE),
    ("order.placed", "customerId", DELETE),
    ("warehouse.picking.started", "warehouseId", DELETE),
    ("warehouse.picking.completed", "orderId", ""),
    ("shipment.created", "category", "TOXIC"),
    ("shipment.created", "origin.lat", 91),
    ("shipment.created", "destination.lon", -180.5),
    ("shipment.created", "orderId", DELETE),
    ("shipment.created", "plannedRoute", [ROUTE_POINT]),
    ("shipment.created", "temperatureRange.min", "2"),
    ("shipment.created", "expectedDelivery", DELETE),
    ("carrier.picked_up", "location.lat", -91),
    ("in.transit", "shipmentId", DELETE),
    ("out.for.delivery", "carrier", ""),
    ("delivery.attempted", "timestamp", 1736951025),
    ("delivered", "location", "front door"),
    ("shipment.telemetry", "lat", 91),
    ("shipment.telemetry", "lon", 181),
    ("shipment.telemetry", "humidity", 100.5),
    ("shipment.telemetry", "temperature", "cold"),
    ("po.created", "lines", []),
    ("po.created", "lines.0.unitCost", -0.01),
    ("po.created", "promisedDate", DELETE),
    ("asn.sent", "lines.0.quantity", 0),
    ("asn.sent", "expectedArrival", NAIVE),
    ("supplier.leadtime.changed", "newLeadTimeDays", -1),
    ("supplier.leadtime.changed", "previousLeadTimeDays", DELETE),
    ("quality.rejected", "quantity", 0),
    ("quality.rejected", "reason", DELETE),
    ("sale.recorded", "channel", "phone"),
    ("sale.recorded", "unitPrice", -1),
    ("sale.recorded", "quantity", 0),
    ("port.closure", "severity", "extreme"),
    ("port.closure", "startsAt", DELETE),
    ("weather.alert", "description", " "),
    ("weather.alert", "region", DELETE),
    ("erp.change", "op", "x"),
    ("erp.change", "ts_ms", -1),
    ("erp.change", "ts_ms", DELETE),
    ("erp.change", "source", DELETE),
    ("erp.change", "source.table", DELETE),
    ("erp.change", "after", [1, 2]),
    # Hostile input (issue 9): numbers the lake cannot hold, times outside 1970–2099, controls.
    ("inventory.received", "quantity", 2**31),
    ("inventory.received", "quantity", 2**63),
    ("inventory.adjusted", "quantity", -(2**31)),
    ("order.placed", "lines.0.quantity", 2**64 - 1),
    ("inventory.received", "schemaVersion", 2**63),
    ("erp.change", "ts_ms", 2**63),
    ("erp.change", "ts_ms", 4102444800000),  # 2100-01-01
    ("inventory.received", "timestamp", "0001-01-01T00:00:00Z"),
    ("inventory.received", "timestamp", "0001-01-01T00:00:00+01:00"),
    ("inventory.received", "timestamp", "1969-12-31T23:59:59Z"),
    ("inventory.shipped", "timestamp", "9999-12-31T23:59:59-01:00"),
    ("shipment.created", "expectedDelivery", "2100-01-01T00:00:00Z"),
    ("inventory.received", "warehouseId", "WH\x00-1"),
    ("inventory.received", "sku", "SKU\x07"),
    ("order.placed", "lines.0.sku", "\x1b[31mSKU"),
    ("shipment.created", "carrier", "DHL\x85"),
    ("in.transit", "note", "left at\x00door"),
    ("supplier.leadtime.changed", "reason", "port\x1bclosed"),
    ("inventory.received", "unitCost", 2.0**63),
    ("order.placed", "lines.0.unitPrice", 1e30),
    ("shipment.telemetry", "temperature", 2**63),
    ("shipment.telemetry", "temperature", -273.16),
    ("shipment.created", "temperatureRange.max", 1e4),
]

# Debezium op rules: (op, before, after) combinations that must be refused; reason names 'op'.
INVALID_OPS: list[tuple[str, Any, Any]] = [
    ("u", None, {"id": 1}),
    ("u", {"id": 1}, None),
    ("c", None, None),
    ("r", {"id": 1}, None),
    ("d", None, {"id": 1}),
]


def mutated(event_type: str, path: str, value: Any) -> dict[str, Any]:
    payload = example(event_type)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    node: Any = payload
    for part in parents:
        node = node[part]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return payload


def cdc(op: str, before: Any, after: Any) -> dict[str, Any]:
    return example("erp.change") | {"op": op, "before": before, "after": after}


@cache
def validator(event_type: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema_for(event_type))


def _id(case: tuple[str, str, Any]) -> str:
    event_type, path, value = case
    return f"{event_type}:{path}={'<deleted>' if value is DELETE else repr(value)}"


def test_every_event_type_has_invalid_samples() -> None:
    assert {event_type for event_type, _, _ in INVALID} == set(EVENT_TYPES)


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_model_rejects_and_names_the_field(case: tuple[str, str, Any]) -> None:
    event_type, path, value = case
    # CDC without 'source' is only recognisable by its topic, as in production.
    topic = "erp.public.inventory" if event_type == "erp.change" else None
    with pytest.raises(ContractViolation) as info:
        parse_event(mutated(event_type, path, value), topic=topic)
    error = info.value
    assert error.reason.startswith(f"field '{path}': "), error.reason
    assert error.event_type == event_type
    assert error.code == ("missing_field" if value is DELETE else "invalid_value")


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_json_schema_rejects_the_same_samples(case: tuple[str, str, Any]) -> None:
    event_type, path, value = case
    assert not validator(event_type).is_valid(mutated(event_type, path, value))


@pytest.mark.parametrize(("op", "before", "after"), INVALID_OPS)
def test_debezium_op_rules_in_model_and_schema(op: str, before: Any, after: Any) -> None:
    payload = cdc(op, before, after)
    with pytest.raises(ContractViolation) as info:
        parse_event(payload)
    assert info.value.reason.startswith(f"field 'op': op '{op}' needs ")
    assert not validator("erp.change").is_valid(payload)


@pytest.mark.parametrize(
    ("op", "before", "after"),
    [("c", None, {"id": 1}), ("r", None, {"id": 1}), ("d", {"id": 1}, None), ("u", {"id": 1}, {"id": 1})],
)
def test_debezium_op_rules_accept_complete_changes(op: str, before: Any, after: Any) -> None:
    payload = cdc(op, before, after)
    assert parse_event(payload).op == op
    assert validator("erp.change").is_valid(payload)


# Rules JSON Schema cannot express (two fields compared, calendar validity, 5.0 vs 5). Only the
# model enforces them; pinned here so docs that promise "schema and model agree" stay precise.
MODEL_ONLY: list[tuple[str, str, Any, str]] = [
    ("shipment.created", "temperatureRange", {"min": 8, "max": 2}, "min must be below max"),
    ("shipment.created", "temperatureRange", {"min": 5, "max": 5}, "min must be below max"),
    ("port.closure", "endsAt", "2025-01-14T00:00:00Z", "not be before startsAt"),
    ("inventory.received", "timestamp", "2025-02-30T00:00:00Z", "not a valid date-time"),
    ("inventory.received", "quantity", 5.0, "valid integer"),
]


@pytest.mark.parametrize("case", MODEL_ONLY, ids=lambda case: f"{case[0]}:{case[1]}")
def test_cross_field_rules_are_enforced_by_the_model(case: tuple[str, str, Any, str]) -> None:
    event_type, path, value, message = case
    payload = mutated(event_type, path, value)
    with pytest.raises(ContractViolation) as info:
        parse_event(payload)
    assert info.value.reason.startswith(f"field '{path}': ") and message in info.value.reason
    assert validator(event_type).is_valid(payload)


def test_reason_shows_the_offending_value() -> None:
    with pytest.raises(ContractViolation) as info:
        parse_event(mutated("inventory.received", "quantity", -5))
    assert info.value.reason == "field 'quantity': Input should be greater than 0 (got -5)"


def test_reason_for_a_missing_nested_field() -> None:
    with pytest.raises(ContractViolation) as info:
        parse_event(mutated("order.placed", "lines.0.sku", DELETE))
    assert info.value.reason == "field 'lines.0.sku': Field required"
    assert info.value.code == "missing_field"


def test_reason_joins_the_first_three_errors() -> None:
    payload = example("order.placed") | {"customerId": "", "region": 5, "warehouseId": None}
    payload["lines"][0]["quantity"] = -1
    payload["lines"][1]["unitPrice"] = -1
    with pytest.raises(ContractViolation) as info:
        parse_event(payload)
    parts = info.value.reason.split("; ")
    fields = [part.split(":")[0] for part in parts[:3]]
    assert fields == ["field 'customerId'", "field 'region'", "field 'warehouseId'"]
    assert parts[3] == "(+2 more)"
    assert info.value.code == "invalid_value"


@pytest.mark.parametrize("quantity", [-7, 3])
def test_adjustment_is_signed(quantity: int) -> None:
    assert parse_event(mutated("inventory.adjusted", "quantity", quantity)).quantity == quantity


def test_counted_zero_is_a_valid_level() -> None:
    assert parse_event(mutated("inventory.counted", "quantity", 0)).quantity == 0


def test_pharma_without_range_defaults_to_two_to_eight() -> None:
    event = parse_event(mutated("shipment.created", "temperatureRange", DELETE))
    assert isinstance(event, ShipmentCreated)
    assert event.temperature_range is None
    assert event.effective_temperature_range is not None
    assert (event.effective_temperature_range.min, event.effective_temperature_range.max) == (2.0, 8.0)
    assert "temperatureRange" in event.to_wire() and event.to_wire()["temperatureRange"] is None


def test_stated_range_wins_and_general_has_none() -> None:
    cold = {"category": "FROZEN", "temperatureRange": {"min": -25, "max": -18}}
    frozen = parse_event(example("shipment.created") | cold)
    assert isinstance(frozen, ShipmentCreated)
    assert frozen.effective_temperature_range == frozen.temperature_range
    general = parse_event(mutated("shipment.created", "category", "GENERAL") | {"temperatureRange": None})
    assert isinstance(general, ShipmentCreated)
    assert general.effective_temperature_range is None


@pytest.mark.parametrize(("lat", "lon"), [(90, 180), (-90, -180), (0, 0)])
def test_coordinate_bounds_are_inclusive(lat: float, lon: float) -> None:
    event = parse_event(example("shipment.telemetry") | {"lat": lat, "lon": lon})
    assert (event.lat, event.lon) == (lat, lon)


@pytest.mark.parametrize("text", ["two\nlines", "tab\tseparated", "crlf\r\n", "", "é ünïcode ✓"])
def test_free_text_keeps_tabs_and_newlines(text: str) -> None:
    assert parse_event(example("in.transit") | {"note": text}).note == text  # type: ignore[attr-defined]


def test_control_characters_get_their_own_reason() -> None:
    with pytest.raises(ContractViolation) as info:
        parse_event(example("inventory.received") | {"sku": "A\x00B"})
    assert "field 'sku': Input should not contain control characters" in info.value.reason


@pytest.mark.parametrize("stamp", ["1970-01-01T00:00:00Z", "2099-12-31T23:59:59.999999Z", "1970-01-01T01:00:00+01:00"])
def test_the_time_window_is_inclusive_at_the_start(stamp: str) -> None:
    assert parse_event(example("inventory.received") | {"timestamp": stamp}).event_time_ms >= 0


def test_a_time_out_of_range_says_which_range() -> None:
    with pytest.raises(ContractViolation) as info:
        parse_event(example("inventory.received") | {"timestamp": "9999-12-31T23:59:59-01:00"})
    assert "from 1970-01-01T00:00:00Z up to (not including) 2100-01-01T00:00:00Z" in info.value.reason
