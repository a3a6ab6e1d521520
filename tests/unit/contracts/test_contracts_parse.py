"""parse_event: decoding, routing, timestamps, derived ids, round trips."""

from __future__ import annotations

import pickle
import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.contracts import (
    EVENT_ID_NAMESPACE,
    EVENT_TYPES,
    ContractViolation,
    ErpChange,
    InvalidEvent,
    InventoryReceived,
    MalformedEvent,
    UnknownEventType,
    derive_event_id,
    parse_event,
)
from supplylake.contracts.examples import example
from supplylake.contracts.fields import MAX_QUANTITY
from supplylake.errors import FatalError

ALL_TYPES = list(EVENT_TYPES)


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_parses_from_bytes_to_its_model(event_type: str) -> None:
    event = parse_event(orjson.dumps(example(event_type)))
    assert type(event) is EVENT_TYPES[event_type]
    assert event.event_type == event_type
    assert event.timestamp.tzinfo is UTC


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_to_wire_round_trips_through_parse_event(event_type: str) -> None:
    event = parse_event(example(event_type))
    wire = event.to_wire()
    assert wire["eventType"] == event_type
    assert wire["eventId"] == event.event_id
    again = parse_event(orjson.dumps(wire))
    assert again == event
    assert again.to_wire() == wire


def test_to_wire_is_camel_case_json() -> None:
    wire = parse_event(example("order.placed")).to_wire()
    assert wire["promisedDelivery"] == "2025-01-18T17:00:00Z"
    assert wire["lines"][0] == {"sku": "LAPTOP-XPS-15", "quantity": 3, "unitPrice": 1499.0}
    assert not any("_" in key for key in wire)
    orjson.dumps(wire)  # JSON-compatible: no datetime objects left


def test_python_attributes_are_snake_case_and_str_input_works() -> None:
    event = parse_event(orjson.dumps(example("inventory.received")).decode())
    assert isinstance(event, InventoryReceived)
    assert (event.warehouse_id, event.po_id, event.unit_cost) == ("WH-Dallas-01", "PO-2025-0042", 812.5)


def test_models_accept_python_names() -> None:
    event = InventoryReceived(
        event_id="e-1",
        event_type="inventory.received",
        timestamp=datetime(2025, 1, 15, 16, 23, 45, tzinfo=timezone(timedelta(hours=2))),
        warehouse_id="WH-1",
        sku="SKU-1",
        quantity=1,
    )
    assert event.timestamp == datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)
    assert event.timestamp.tzinfo is UTC


def test_extra_fields_are_ignored() -> None:
    payload = example("inventory.received") | {"producerVersion": "9.9", "nested": {"anything": [1, 2]}}
    event = parse_event(payload)
    assert event == parse_event(example("inventory.received"))
    assert "producerVersion" not in event.to_wire()


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2025-01-15T14:23:45Z", datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)),
        ("2025-01-15T16:23:45+02:00", datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)),
        ("2025-01-15T09:23:45.250-05:00", datetime(2025, 1, 15, 14, 23, 45, 250000, tzinfo=UTC)),
        ("2025-01-15 14:23:45+00:00", datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)),
    ],
)
def test_timestamp_is_normalised_to_utc(stamp: str, expected: datetime) -> None:
    event = parse_event(example("inventory.received") | {"timestamp": stamp})
    assert event.timestamp == expected
    assert event.timestamp.utcoffset() == timedelta(0)
    assert event.to_wire()["timestamp"].endswith("Z")


def test_event_time_ms_is_exact_epoch_millis() -> None:
    event = parse_event(example("inventory.received") | {"timestamp": "2025-01-15T14:23:45.999Z"})
    assert event.event_time_ms == 1736951025999
    assert isinstance(event.event_time_ms, int)


@pytest.mark.parametrize("stamp", ["2025-01-15T14:23:45", "2025-01-15T14:23:45.123", "2025-01-15 14:23"])
def test_naive_timestamp_is_rejected_with_a_clear_reason(stamp: str) -> None:
    with pytest.raises(ContractViolation) as info:
        parse_event(example("inventory.received") | {"timestamp": stamp})
    assert info.value.reason.startswith("field 'timestamp': date-time has no time zone")
    assert info.value.code == "invalid_value"
    assert info.value.event_type == "inventory.received"


def test_naive_datetime_object_is_rejected() -> None:
    payload = example("inventory.received") | {"timestamp": datetime(2025, 1, 15, 14, 23, 45)}
    with pytest.raises(ContractViolation, match="no time zone"):
        parse_event(payload)


@pytest.mark.parametrize("stamp", [1736951025, "yesterday", "2025-13-01T00:00:00Z", "2025-01-15T14:23:45+0200"])
def test_non_iso_timestamp_is_rejected(stamp: Any) -> None:
    with pytest.raises(ContractViolation) as info:
        parse_event(example("inventory.received") | {"timestamp": stamp})
    assert info.value.reason.startswith("field 'timestamp': ")


def test_nested_datetimes_are_utc_too() -> None:
    event = parse_event(example("asn.sent"))
    assert event.expected_arrival == datetime(2025, 1, 19, 15, 0, tzinfo=UTC)


# --- malformed input and routing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "malformed_json"),
        (b'{"eventType": "inventory.received",', "malformed_json"),
        (b"", "malformed_json"),
        (b'{"eventType": "caf\xe9"}', "malformed_json"),  # latin-1, not UTF-8
        (b"[1, 2]", "not_an_object"),
        (b'"inventory.received"', "not_an_object"),
        (b"42", "not_an_object"),
        (b"null", "not_an_object"),
        ([{"eventType": "inventory.received"}], "not_an_object"),
    ],
)
def test_malformed_input(raw: Any, code: str) -> None:
    with pytest.raises(MalformedEvent) as info:
        parse_event(raw)
    assert info.value.code == code
    assert info.value.reason
    assert info.value.event_type is None


@pytest.mark.parametrize("event_type", ["inventory.teleported", "", 7, ["order.placed"], None])
def test_unknown_or_missing_event_type(event_type: Any) -> None:
    payload = example("inventory.received")
    if event_type is None:
        del payload["eventType"]
    else:
        payload["eventType"] = event_type
    with pytest.raises(UnknownEventType) as info:
        parse_event(orjson.dumps(payload))
    assert info.value.code == "unknown_event_type"
    assert info.value.reason.startswith("field 'eventType': ")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"eventType":"inventory.received","quantity":5,"quantity":-5}',
        b'{"eventType":"inventory.received","sku":"A","sku":"A"}',  # both values valid
        b'{"eventType":"order.placed","lines":[{"sku":"A","sku":"B"}]}',  # nested
        b'{"eventType" : "inventory.received", "eventType" : "inventory.shipped"}',  # spaced
        b'{"eventType":"inventory.received","note":"say \\"hi\\": x","sku":1,"sku":2}',  # escapes
        b'{"eventType":"inventory.received","a\\u0022":1,"a\\"":2}',  # the same key, spelt twice
    ],
)
def test_duplicate_keys_are_refused(raw: bytes) -> None:
    with pytest.raises(MalformedEvent) as info:
        parse_event(raw)
    assert info.value.code == "duplicate_key"
    assert "duplicate JSON keys" in info.value.reason


@pytest.mark.parametrize(
    "value",
    ['say "hi": now', 'back\\slash": {"x": 1', "a:b:c", '{"sku": "A", "sku": "B"}'],
)
def test_colons_and_quotes_inside_strings_are_not_keys(value: str) -> None:
    payload = example("inventory.adjusted") | {"reason": value}
    for raw in (orjson.dumps(payload), orjson.dumps(payload, option=orjson.OPT_INDENT_2)):
        assert parse_event(raw).reason == value  # type: ignore[attr-defined]


def test_a_huge_debezium_ts_ms_is_refused_not_a_crash() -> None:
    raw = b'{"op":"c","source":{"table":"t"},"after":{"id":1},"ts_ms":9223372036854775807}'
    with pytest.raises(ContractViolation) as info:
        parse_event(raw, topic="inventory-events")
    assert "ts_ms" in info.value.reason


def test_invalid_events_are_fatal_and_picklable() -> None:
    with pytest.raises(InvalidEvent) as info:
        parse_event(example("inventory.received") | {"quantity": -5})
    error = info.value
    assert isinstance(error, FatalError) and not error.retryable
    assert "inventory.received" in error.one_line() and "quantity" in error.one_line()
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, a round trip
    assert type(copy) is ContractViolation
    assert (copy.code, copy.reason, copy.event_type) == (error.code, error.reason, error.event_type)


def test_caller_mapping_is_not_mutated() -> None:
    payload = example("inventory.received")
    del payload["eventId"]
    before = dict(payload)
    parse_event(payload)
    assert payload == before


# --- CDC -------------------------------------------------------------------------------------


def test_debezium_envelope_is_detected_without_topic() -> None:
    envelope = example("erp.change")
    event = parse_event(orjson.dumps(envelope))
    assert isinstance(event, ErpChange)
    assert event.event_type == "erp.change"
    assert event.timestamp == datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)
    assert event.event_time_ms == envelope["ts_ms"]
    assert event.event_id == derive_event_id(envelope)
    assert event.source.table == "inventory" and event.source.schema_name == "public"


def test_erp_topic_forces_cdc_parsing() -> None:
    envelope = example("erp.change")
    del envelope["source"]  # not recognisable as Debezium by shape alone
    with pytest.raises(ContractViolation) as info:
        parse_event(envelope, topic="erp.public.inventory")
    assert info.value.event_type == "erp.change"
    assert info.value.reason == "field 'source': Field required"
    assert info.value.code == "missing_field"
    with pytest.raises(UnknownEventType):
        parse_event(envelope)


def test_non_cdc_event_on_erp_topic_is_a_contract_violation() -> None:
    with pytest.raises(ContractViolation, match="field 'eventType'"):
        parse_event(example("inventory.received"), topic="erp.public.inventory")


def test_json_converter_wrapper_is_unwrapped_to_the_same_event() -> None:
    envelope = example("erp.change")
    wrapped = {"schema": {"type": "struct", "fields": []}, "payload": envelope}
    assert parse_event(orjson.dumps(wrapped)) == parse_event(envelope)


def test_cdc_timestamp_comes_from_ts_ms_even_when_stated() -> None:
    envelope = example("erp.change") | {"timestamp": "2030-01-01T00:00:00Z", "eventId": "x-1"}
    assert parse_event(envelope).timestamp == datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)


def test_cdc_extra_envelope_keys_are_ignored_and_source_extras_kept() -> None:
    envelope = example("erp.change") | {"transaction": None, "ts_us": 1736951025000000}
    event = parse_event(envelope)
    assert event.to_wire()["source"]["lsn"] == 24023128
    assert "ts_us" not in event.to_wire()


# --- derived event ids --------------------------------------------------------------------------


def test_missing_event_id_is_derived_deterministically() -> None:
    payload = example("inventory.received")
    del payload["eventId"]
    first = parse_event(orjson.dumps(payload))
    reordered = dict(reversed(list(payload.items())))
    second = parse_event(orjson.dumps(reordered, option=orjson.OPT_INDENT_2))
    assert first.event_id == second.event_id == derive_event_id(payload)
    assert uuid.UUID(first.event_id).version == 5
    changed = parse_event(payload | {"quantity": 501})
    assert changed.event_id != first.event_id


def test_given_event_id_is_kept() -> None:
    assert parse_event(example("inventory.received")).event_id == "00000000-0000-4000-8000-000000000001"


def test_derive_event_id_is_uuid5_over_canonical_json() -> None:
    payload = {"b": 1, "eventId": "ignored", "a": {"y": [1, 2.5, None], "x": "é"}}
    canonical = '{"a":{"x":"é","y":[1,2.5,null]},"b":1}'
    assert derive_event_id(payload) == str(uuid.uuid5(EVENT_ID_NAMESPACE, canonical))
    assert uuid.uuid5(uuid.NAMESPACE_URL, "https://supplylake.dev/event-id") == EVENT_ID_NAMESPACE


def test_unserialisable_payload_gives_malformed_event() -> None:
    with pytest.raises(MalformedEvent):
        derive_event_id({"quantity": 2**70})


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_json = st.recursive(
    _json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
_payloads = st.dictionaries(st.text(max_size=8), _json, min_size=1, max_size=6)


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = [(key, _shuffled(item, rng)) for key, item in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@settings(max_examples=150, deadline=None)
@given(payload=_payloads, rng=st.randoms(use_true_random=False), event_id=st.text(min_size=1, max_size=8))
def test_derived_id_ignores_key_order_and_event_id(payload: dict[str, Any], rng: random.Random, event_id: str) -> None:
    expected = derive_event_id(payload)
    assert derive_event_id(_shuffled(payload, rng)) == expected
    without_id = {key: value for key, value in payload.items() if key != "eventId"}
    assert derive_event_id(payload | {"eventId": event_id}) == derive_event_id(without_id)


@settings(max_examples=150, deadline=None)
@given(a=_payloads, b=_payloads)
def test_derived_ids_differ_when_content_differs(a: dict[str, Any], b: dict[str, Any]) -> None:
    def canonical(p: dict[str, Any]) -> bytes:
        return orjson.dumps({k: v for k, v in p.items() if k != "eventId"}, option=orjson.OPT_SORT_KEYS)

    assert (derive_event_id(a) == derive_event_id(b)) == (canonical(a) == canonical(b))


@settings(max_examples=60, deadline=None)
@given(
    quantity=st.integers(min_value=1, max_value=MAX_QUANTITY),
    sku=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=10).filter(str.strip),
)
def test_parse_event_id_derivation_is_stable_for_any_valid_payload(quantity: int, sku: str) -> None:
    payload = example("inventory.received") | {"quantity": quantity, "sku": sku}
    del payload["eventId"]
    raw = orjson.dumps(payload)
    event = parse_event(raw)
    assert event.event_id == parse_event(raw).event_id == derive_event_id(payload)
    assert event.quantity == quantity and event.sku == sku
