"""File intake routing: which topic and key a raw line goes to, and which lines no pipeline can own."""

from __future__ import annotations

import orjson
import pytest

from supplylake.contracts import EVENT_TYPES, FAMILIES, family_of
from supplylake.contracts.examples import example
from supplylake.contracts.registry import SOURCE_FAMILIES
from supplylake.ingest.routing import Unroutable, route, routing_key
from supplylake.settings import TopicSettings

TOPICS = TopicSettings()
SOURCE_TYPES = [t for t in EVENT_TYPES if family_of(t) in SOURCE_FAMILIES]


def _line(payload: object) -> bytes:
    return orjson.dumps(payload)


@pytest.mark.parametrize("event_type", SOURCE_TYPES)
def test_every_event_type_routes_to_its_family_topic_and_key(event_type: str) -> None:
    payload = example(event_type)
    family = FAMILIES[family_of(event_type)]
    target = route(_line(payload), TOPICS)
    assert (target.family, target.topic, target.event_type) == (family.name, family.default_topic, event_type)
    assert target.key == ":".join(str(payload[field]) for field in family.key_fields).encode()
    assert target.event_time == payload["timestamp"]


def test_keys_follow_the_wire_format_doc() -> None:
    documented = {
        "inventory": "warehouseId:sku",
        "orders": "orderId",
        "shipments": "shipmentId",
        "suppliers": "supplierId",
        "sales": "sku",
        "signals": "region",
        "erp": "primary key",
    }
    assert {name: family.key for name, family in FAMILIES.items()} == documented
    assert route(_line(example("inventory.received")), TOPICS).key == b"WH-Dallas-01:LAPTOP-XPS-15"


def test_topics_come_from_the_settings() -> None:
    topics = TopicSettings(inventory="inv-test")
    assert route(_line(example("inventory.counted")), topics).topic == "inv-test"


def test_every_source_family_has_a_topic_setting_defaulting_to_its_topic() -> None:
    assert TOPICS.source_topics() == {name: FAMILIES[name].default_topic for name in SOURCE_FAMILIES}
    assert "erp" not in SOURCE_FAMILIES  # one topic per table, written by Debezium


def test_missing_key_fields_still_route_to_the_family_topic_without_a_key() -> None:
    # The owning pipeline records the rejection against a real offset (missing_field).
    payload = example("inventory.received")
    del payload["warehouseId"]
    target = route(_line(payload), TOPICS)
    assert (target.topic, target.key) == ("inventory-events", None)
    assert routing_key("shipments", {"shipmentId": {"nested": 1}}) is None
    assert routing_key("orders", {"orderId": 1001}) == b"1001"


@pytest.mark.parametrize(
    ("raw", "code", "event_type"),
    [
        (b"{not json", "malformed_json", None),
        (b"", "malformed_json", None),
        (b'\xff\xfe{"eventType": "x"}', "malformed_json", None),
        (b"[1, 2]", "not_an_object", None),
        (b'"inventory.received"', "not_an_object", None),
        (b"null", "not_an_object", None),
        (b'{"sku": "A"}', "unknown_event_type", None),
        (b'{"eventType": 7}', "unknown_event_type", None),
        (b'{"eventType": "inventory.lost"}', "unknown_event_type", "inventory.lost"),
        # A duplicated key: which eventType (and which topic) is meant is ambiguous.
        (b'{"eventType": "inventory.received", "eventType": "order.placed"}', "duplicate_key", None),
        (b'{"eventType": "inventory.received", "sku": "A", "sku": "A"}', "duplicate_key", None),
    ],
)
def test_lines_no_pipeline_can_own_are_unroutable(raw: bytes, code: str, event_type: str | None) -> None:
    with pytest.raises(Unroutable) as info:
        route(raw, TOPICS)
    assert (info.value.code, info.value.event_type) == (code, event_type)
    assert info.value.reason


def test_erp_change_data_is_not_routed_from_files() -> None:
    with pytest.raises(Unroutable) as info:
        route(_line({"eventType": "erp.change", "timestamp": "2025-01-15T14:23:45Z"}), TOPICS)
    assert (info.value.code, info.value.event_type) == ("unknown_event_type", "erp.change")
    assert "no pipeline reads erp events from files" in info.value.reason
