"""The order pipeline's stages, without a broker: which shipment events reach an order, with
which orderId, and what a re-keyed event writes."""

from __future__ import annotations

import json

from supplylake.lake.epoch_history import EpochHistory, dead_letter_digest
from supplylake.pipelines.control import KIND_TICK, ControlRecord
from supplylake.pipelines.orders.app import Intake, OrderIntake, OrderProcessor, forward_tracking
from supplylake.settings import Settings
from tests.support.fake_state import FakeTransaction, at_offset
from tests.support.shipment_stream import Stream


def raw(line: dict) -> bytes:
    return json.dumps(line).encode()


def test_shipment_events_are_forwarded_with_their_order_id() -> None:
    state = FakeTransaction().as_state(b"key")
    s = Stream()
    s.created("SHP-1", "ORD-1", 0, expected_minutes=60)
    scan = s.event("in.transit", 10, shipmentId="SHP-1")  # names no order
    s.event("shipment.telemetry", 11, shipmentId="SHP-1", lat=33.0, lon=-97.0)
    s.event("in.transit", 12, shipmentId="SHP-2")  # no shipment.created seen for it
    forwarded = [forward_tracking(raw(line), b"k", 0, None, state) for line in s.lines]
    assert [f and f["orderId"] for f in forwarded] == ["ORD-1", "ORD-1", None, None]
    assert forwarded[1] == {"orderId": "ORD-1", "event": raw(scan).decode()}  # the wire text as is
    tick = ControlRecord(KIND_TICK, 1)
    for value, headers in (
        (tick.encode(), tick.headers()),
        (b"{oops", None),
        (b'{"eventType": ["x"]}', None),
        (raw({"eventType": "delivered", "timestamp": "2025-03-01T08:00:00Z"}), None),
        # A key written twice: the shipment pipeline dead-letters it, so it is not forwarded either.
        (raw(s.lines[0])[:-1] + b', "orderId": "ORD-1"}', None),
    ):
        assert forward_tracking(value, b"k", 0, headers, state) is None


def test_order_events_are_validated_before_forwarding() -> None:
    intake = OrderIntake(cluster_id="test")
    s = Stream()
    placed = s.event(
        "order.placed",
        0,
        orderId="ORD-1",
        customerId="C",
        region="R",
        warehouseId="W",
        promisedDelivery="2025-03-02T00:00:00Z",
        lines=[{"sku": "A", "quantity": 1, "unitPrice": 2.0}],
    )
    at_offset("order-events", 7)
    assert intake(raw(placed), b"ORD-1", 0, None).forward == {"orderId": "ORD-1", "event": raw(placed).decode()}
    bad = intake(b'{"eventType": "order.placed", "timestamp": "2025-03-01T08:00:00Z"}', None, 0, None)
    assert bad.forward is None and bad.rejected is not None
    assert bad.rejected.dead_letter["source_offset"] == 7 and bad.rejected.dead_letter["error_code"] == "missing_field"
    wrong = intake(raw(s.event("in.transit", 1, shipmentId="SHP-1")), None, 0, None)
    assert wrong.rejected is not None and wrong.rejected.dead_letter["error_code"] == "wrong_topic"
    tick = ControlRecord(KIND_TICK, 1)
    assert intake(tick.encode(), None, 0, tick.headers()) == type(bad)()


def test_an_earlier_epoch_s_dead_letters_and_events_are_not_stored_again() -> None:
    bad = b'{"eventType": "order.placed", "timestamp": "2025-03-01T08:00:00Z"}'
    at_offset("order-events", 3)
    first = OrderIntake(cluster_id="epoch-1")(bad, None, 0, None).rejected
    assert first is not None and first.dead_letter is not None
    # A new broker epoch: the same bytes come back at another offset, the lake already holds them.
    at_offset("order-events", 0)
    history = EpochHistory(dead_letters=frozenset({dead_letter_digest(first.dead_letter)}))
    assert OrderIntake(cluster_id="epoch-2", history=history)(bad, None, 0, None) == Intake()
    assert OrderIntake(cluster_id="epoch-2", history=history)(b"{other", None, 0, None).rejected is not None

    s = Stream()
    s.placed("ORD-1", 0, promised_minutes=300)
    event_id = s.lines[0]["eventId"]
    state = FakeTransaction().as_state(b"ORD-1")
    at_offset("orders-by-order", 0)
    known = OrderProcessor(
        cluster_id="epoch-2", settings=Settings(), history=EpochHistory(event_ids=frozenset({event_id}))
    )
    value = {"orderId": "ORD-1", "event": raw(s.lines[0]).decode()}
    assert known(value, "ORD-1", 0, None, state).tables == {}
    assert OrderProcessor(cluster_id="epoch-2", settings=Settings())(value, "ORD-1", 0, None, state).tables


def test_a_repeated_event_on_the_internal_topic_writes_nothing() -> None:
    processor = OrderProcessor(cluster_id="test", settings=Settings())
    state = FakeTransaction().as_state(b"ORD-1")
    s = Stream()
    s.placed("ORD-1", 0, promised_minutes=300)
    s.created("SHP-1", "ORD-1", 10, expected_minutes=200)
    rows = []
    for offset, line in enumerate([*s.lines, s.lines[0]]):
        at_offset("supplylake-orders-by-order", offset)
        rows.append(processor({"orderId": "ORD-1", "event": raw(line).decode()}, "ORD-1", 0, None, state))
    assert set(rows[0].tables) == {"order_events", "order_status"}
    assert set(rows[1].tables) == {"order_status"}  # shipment events are the shipment pipeline's to store
    assert rows[1].tables["order_status"][0]["stage"] == "shipment_created"
    assert rows[1].tables["order_status"][0]["promised_delivery"] is not None
    assert rows[2].tables == {} and rows[2].counters == {"duplicates": 1}
