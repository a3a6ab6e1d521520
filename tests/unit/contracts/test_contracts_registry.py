"""Event type registry, families, default topics and Kafka message keys."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from supplylake.contracts import (
    EVENT_TYPES,
    FAMILIES,
    ErpChange,
    UnknownEventType,
    family_of,
    message_key,
    model_for,
    parse_event,
)
from supplylake.contracts.examples import example

# Straight from the table in docs/wire-format.md.
DOC_FAMILIES = {
    "inventory": (
        "inventory-events",
        {
            "inventory.received",
            "inventory.shipped",
            "inventory.adjusted",
            "inventory.counted",
            "inventory.reserved",
            "inventory.released",
        },
    ),
    "orders": ("order-events", {"order.placed", "warehouse.picking.started", "warehouse.picking.completed"}),
    "shipments": (
        "shipment-events",
        {
            "shipment.created",
            "carrier.picked_up",
            "in.transit",
            "out.for.delivery",
            "delivery.attempted",
            "delivered",
            "shipment.telemetry",
        },
    ),
    "suppliers": (
        "supplier-events",
        {"po.created", "asn.sent", "supplier.leadtime.changed", "quality.rejected"},
    ),
    "sales": ("sales-events", {"sale.recorded"}),
    "signals": ("external-signals", {"port.closure", "weather.alert"}),
    "erp": ("erp.public.inventory", {"erp.change"}),
}


def test_families_match_the_wire_format_doc() -> None:
    assert set(FAMILIES) == set(DOC_FAMILIES)
    for name, (topic, types) in DOC_FAMILIES.items():
        family = FAMILIES[name]
        assert (family.name, family.default_topic, set(family.event_types)) == (name, topic, types)


def test_event_types_cover_every_family_once() -> None:
    listed = [t for family in FAMILIES.values() for t in family.event_types]
    assert len(listed) == len(set(listed)) == len(EVENT_TYPES) == 24
    assert set(listed) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_model_family_and_type_agree(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    assert model_for(event_type) is model
    assert family_of(event_type) == model.family
    assert parse_event(example(event_type)).event_type == event_type


def test_cdc_is_registered_under_erp_change() -> None:
    assert EVENT_TYPES["erp.change"] is ErpChange
    assert family_of("erp.change") == "erp"


@pytest.mark.parametrize("bad", ["inventory.lost", "", "erp"])
def test_unknown_types_raise(bad: str) -> None:
    with pytest.raises(UnknownEventType) as info:
        family_of(bad)
    assert info.value.code == "unknown_event_type"
    with pytest.raises(UnknownEventType):
        model_for(bad)


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        EVENT_TYPES["x"] = ErpChange  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        FAMILIES["sales"].default_topic = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("event_type", "key"),
    [
        ("inventory.received", "WH-Dallas-01:LAPTOP-XPS-15"),
        ("inventory.adjusted", "WH-Dallas-01:LAPTOP-XPS-15"),
        ("order.placed", "ORD-1001"),
        ("warehouse.picking.completed", "ORD-1001"),
        ("shipment.created", "SHP-7731"),  # carries orderId too, but travels on shipment-events
        ("delivered", "SHP-7731"),
        ("shipment.telemetry", "SHP-7731"),
        ("po.created", "SUPP-8472"),
        ("quality.rejected", "SUPP-8472"),
        ("sale.recorded", "LAPTOP-XPS-15"),
        ("port.closure", "us-gulf"),
        ("weather.alert", "us-south"),
        ("erp.change", "42"),
    ],
)
def test_message_key_per_family(event_type: str, key: str) -> None:
    assert message_key(parse_event(example(event_type))) == key


def _cdc(**change: Any) -> ErpChange:
    event = parse_event(example("erp.change") | change)
    assert isinstance(event, ErpChange)
    return event


def test_cdc_key_falls_back_to_first_id_column() -> None:
    row = {"sku": "A", "warehouse_id": "WH-1", "supplier_id": "S-9"}
    assert message_key(_cdc(op="c", before=None, after=row)) == "WH-1"


def test_cdc_key_uses_before_for_deletes() -> None:
    assert message_key(_cdc(op="d", before={"id": "po-7"}, after=None)) == "po-7"


def test_cdc_key_without_id_columns_is_the_event_id() -> None:
    event = _cdc(op="c", before=None, after={"sku": "A", "qty": 1})
    assert message_key(event) == event.event_id
