"""The inventory processor in-process, without a broker: raw record in, lake rows out.

Drives ``InventoryProcessor`` (pipelines/inventory/app.py) the way Quix does, one record at a
time with its message context, over a fake partition state (tests/support/fake_state.py):
accepted events, duplicates, mis-keyed and otherwise rejected records (dead letters), late
events, and alerts raised once per episode.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from supplylake.lake.sink import LakeRows
from supplylake.pipelines.inventory.app import InventoryProcessor
from supplylake.pipelines.inventory.reference import ReorderPoints
from supplylake.settings import Settings
from tests.support.fake_state import FakeState, FakeTransaction, at_offset

TOPIC = "inventory-events"
WH, SKU = "WH-Dallas-01", "SKU-0001"
KEY = f"{WH}:{SKU}".encode()
REORDER_POINT = 100  # the default; the default resolve margin is 10
T0 = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)


def make_processor() -> InventoryProcessor:
    """One processor as the pipeline builds it, with default settings and no epoch seed."""
    return InventoryProcessor(
        cluster_id="cluster-test", settings=Settings(), reorder_points=ReorderPoints(REORDER_POINT)
    )


def wire(
    event_type: str, quantity: int, *, minute: float, event_id: str, warehouse: str = WH, sku: str = SKU, **extra: Any
) -> bytes:
    """An inventory event as a producer sends it (camelCase JSON)."""
    timestamp = (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    event = {
        "eventId": event_id,
        "eventType": event_type,
        "timestamp": timestamp,
        "warehouseId": warehouse,
        "sku": sku,
        "quantity": quantity,
        **extra,
    }
    return json.dumps(event).encode()


class Partition:
    """Feeds records of one partition to a processor with consecutive offsets, like a consumer."""

    def __init__(self, processor: InventoryProcessor, transaction: FakeTransaction | None = None) -> None:
        self.processor = processor
        self.transaction = transaction or FakeTransaction()
        self._offsets = count()

    def state(self, key: bytes | None) -> FakeState:
        return self.transaction.as_state(key or b"")

    def feed(self, value: bytes | None, key: bytes | None = KEY) -> LakeRows:
        offset = next(self._offsets)
        at_offset(TOPIC, offset)
        return self.processor(value, key, T0_MS, None, self.state(key))


def alert_types(rows: LakeRows) -> list[str]:
    return [row["alert_type"] for row in rows.alerts]


def test_an_accepted_event_writes_its_event_row_and_the_level_after_it() -> None:
    partition = Partition(make_processor())
    value = wire("inventory.received", 250, minute=0, event_id="e-1", supplierId="SUPP-1", poId="PO-1")
    rows = partition.feed(value)
    assert rows.dead_letter is None and rows.alerts == []
    assert set(rows.tables) == {"inventory_events", "inventory_levels"}
    (event,) = rows.tables["inventory_events"]
    assert event["event_id"] == "e-1" and event["event_type"] == "inventory.received"
    assert event["event_time"] == T0_MS and (event["warehouse_id"], event["sku"]) == (WH, SKU)
    assert event["quantity"] == 250 and event["supplier_id"] == "SUPP-1" and event["po_id"] == "PO-1"
    assert event["is_late"] is False
    assert event["payload"] == value.decode()  # the wire text, as received
    (level,) = rows.tables["inventory_levels"]
    assert (level["on_hand"], level["reserved"], level["available"]) == (250, 0, 250)
    assert level["event_id"] == "e-1" and level["revision"] == 0 and level["is_current"] is True
    assert rows.max_event_time_ms == T0_MS
    assert rows.counters == {"late": 0}


def test_levels_follow_every_kind_of_change() -> None:
    partition = Partition(make_processor())
    steps = [
        ("inventory.received", 300, (300, 0)),
        ("inventory.reserved", 40, (300, 40)),
        ("inventory.shipped", 30, (270, 40)),
        ("inventory.released", 50, (270, 0)),  # released never below zero
        ("inventory.adjusted", -20, (250, 0)),
        ("inventory.counted", 200, (200, 0)),
    ]
    for i, (kind, quantity, expected) in enumerate(steps):
        extra = {"reason": "damage"} if kind == "inventory.adjusted" else {}
        rows = partition.feed(wire(kind, quantity, minute=i, event_id=f"e-{i}", **extra))
        (level,) = rows.tables["inventory_levels"]
        assert (level["on_hand"], level["reserved"]) == expected, kind
        assert level["available"] == expected[0] - expected[1]


def test_a_duplicate_event_id_is_counted_and_writes_nothing() -> None:
    partition = Partition(make_processor())
    first = partition.feed(wire("inventory.received", 250, minute=0, event_id="e-1"))
    assert first.tables["inventory_events"]
    again = partition.feed(wire("inventory.received", 250, minute=0, event_id="e-1"))
    assert again.tables == {} and again.alerts == [] and again.dead_letter is None
    assert again.counters == {"duplicates": 1}
    # The same id with other content is still the same event: applied once.
    changed = partition.feed(wire("inventory.received", 999, minute=1, event_id="e-1"))
    assert changed.tables == {} and changed.counters == {"duplicates": 1}
    nxt = partition.feed(wire("inventory.shipped", 10, minute=2, event_id="e-2"))
    assert nxt.tables["inventory_levels"][0]["on_hand"] == 240


def test_duplicates_are_recognised_across_a_checkpoint() -> None:
    """State written back at a checkpoint is what a restarted processor continues from."""
    partition = Partition(make_processor())
    partition.feed(wire("inventory.received", 250, minute=0, event_id="e-1"))
    partition.processor.cache.flush()  # the lake sink's before_flush hook at a checkpoint
    restarted = Partition(make_processor(), partition.transaction)
    assert restarted.feed(wire("inventory.received", 250, minute=0, event_id="e-1")).counters == {"duplicates": 1}
    rows = restarted.feed(wire("inventory.shipped", 10, minute=1, event_id="e-2"))
    assert rows.tables["inventory_levels"][0]["on_hand"] == 240


def test_a_mis_keyed_event_is_a_dead_letter_and_touches_no_stock() -> None:
    partition = Partition(make_processor())
    value = wire("inventory.received", 250, minute=0, event_id="e-1")
    rows = partition.feed(value, key=b"WH-Other:SKU-0001")
    assert rows.dead_letter is not None
    assert rows.dead_letter["error_code"] == "wrong_key"
    assert f"{WH}:{SKU}" in rows.dead_letter["reason"]
    assert rows.dead_letter["source_topic"] == TOPIC and rows.dead_letter["source_offset"] == 0
    assert rows.dead_letter["source_key"] == "WH-Other:SKU-0001"
    assert rows.tables == {"dead_letters": [rows.dead_letter]}
    assert rows.counters == {"dead_letters": 1} and rows.raw == value and rows.alerts == []
    assert partition.feed(value, key=None).dead_letter["error_code"] == "wrong_key"  # type: ignore[index]
    # Nothing was applied: the correctly keyed event is new, and the stock starts from zero.
    accepted = partition.feed(value)
    assert accepted.tables["inventory_levels"][0]["on_hand"] == 250


def test_unreadable_invalid_and_foreign_records_are_dead_letters() -> None:
    partition = Partition(make_processor())
    cases = [
        (b"{not json", None),
        (None, None),  # a tombstone
        (b'{"eventType": "inventory.received", "timestamp": "2025-01-15T10:00:00Z"}', None),  # fields missing
        (b'{"eventType": "inventory.teleported", "timestamp": "2025-01-15T10:00:00Z"}', None),
    ]
    for value, key in cases:
        rows = partition.feed(value, key=key)
        assert rows.dead_letter is not None, value
        assert rows.tables == {"dead_letters": [rows.dead_letter]} and rows.counters == {"dead_letters": 1}
    order = json.dumps(
        {
            "eventId": "o-1",
            "eventType": "order.placed",
            "timestamp": "2025-01-15T10:00:00Z",
            "orderId": "ORD-1",
            "customerId": "C-1",
            "region": "R",
            "warehouseId": WH,
            "promisedDelivery": "2025-01-17T10:00:00Z",
            "lines": [{"sku": SKU, "quantity": 1, "unitPrice": 2.0}],
        }
    ).encode()
    wrong_topic = partition.feed(order, key=b"ORD-1")
    assert wrong_topic.dead_letter is not None and wrong_topic.dead_letter["error_code"] == "wrong_topic"
    codes = [partition.feed(value, key=key).dead_letter["error_code"] for value, key in cases]  # type: ignore[index]
    assert len(set(codes)) > 1  # the code says which kind of problem it was


def test_a_late_event_is_applied_as_of_now_flagged_and_counted() -> None:
    partition = Partition(make_processor())
    partition.feed(wire("inventory.received", 300, minute=0, event_id="e-1"))
    partition.feed(wire("inventory.shipped", 10, minute=30, event_id="e-2"))
    # 20 minutes older than the newest event seen: beyond the allowed lateness (10 minutes).
    rows = partition.feed(wire("inventory.shipped", 5, minute=10, event_id="e-late"))
    assert rows.counters == {"late": 1}
    assert rows.tables["inventory_events"][0]["is_late"] is True
    (level,) = rows.tables["inventory_levels"]
    assert level["is_late"] is True and level["on_hand"] == 285 and level["is_current"] is True


def test_an_out_of_order_event_within_the_lateness_corrects_the_levels_after_it() -> None:
    partition = Partition(make_processor())
    partition.feed(wire("inventory.received", 300, minute=0, event_id="e-1"))
    partition.feed(wire("inventory.shipped", 10, minute=5, event_id="e-3"))
    rows = partition.feed(wire("inventory.shipped", 20, minute=3, event_id="e-2"))  # 2 minutes out of order
    assert rows.counters == {"late": 0} and rows.tables["inventory_events"][0]["is_late"] is False
    levels = {(r["event_id"], r["revision"]): r for r in rows.tables["inventory_levels"]}
    assert levels[("e-2", 0)]["on_hand"] == 280 and levels[("e-2", 0)]["is_current"] is False
    assert levels[("e-3", 1)]["on_hand"] == 270 and levels[("e-3", 1)]["is_current"] is True


def test_alerts_are_raised_once_per_episode() -> None:
    partition = Partition(make_processor())
    ids = (f"e-{i}" for i in count())
    minutes = count()

    def ship(quantity: int) -> LakeRows:
        return partition.feed(wire("inventory.shipped", quantity, minute=next(minutes), event_id=next(ids)))

    def receive(quantity: int) -> LakeRows:
        return partition.feed(wire("inventory.received", quantity, minute=next(minutes), event_id=next(ids)))

    assert alert_types(receive(150)) == []
    low = ship(60)  # available 90 < reorder point 100: the episode opens
    assert alert_types(low) == ["LOW_STOCK"]
    assert alert_types(ship(10)) == []  # still low: no repeat
    assert alert_types(ship(80)) == ["STOCKOUT"]  # 0: once per episode
    assert alert_types(receive(5)) == [] and alert_types(ship(5)) == []  # out again, same episode
    assert alert_types(receive(105)) == []  # 105: above the reorder point, below reorder point + margin
    assert alert_types(receive(5)) == ["RESOLVED"]  # 110 = reorder point + margin: the episode ends
    assert alert_types(ship(20)) == ["LOW_STOCK"]  # a new episode

    (row,) = low.tables["alerts"]
    assert low.alerts == [row]  # what goes to the alerts topic is the lake row
    assert row["entity_type"] == "stock" and row["entity_id"] == f"{WH}:{SKU}"
    assert (row["warehouse_id"], row["sku"]) == (WH, SKU)
    assert row["raised_at"] == T0_MS + 1 * 60_000  # the event time of the event that opened it


def test_alert_ids_are_the_same_when_the_same_records_are_replayed() -> None:
    def run() -> list[str]:
        partition = Partition(make_processor())
        ids: list[str] = []
        for i, (kind, quantity) in enumerate([("inventory.received", 150), ("inventory.shipped", 60)]):
            rows = partition.feed(wire(kind, quantity, minute=i, event_id=f"e-{i}"))
            ids.extend(row["alert_id"] for row in rows.alerts)
        return ids

    first = run()
    assert len(first) == 1 and run() == first


def test_negative_stock_is_raised_once_per_stretch() -> None:
    partition = Partition(make_processor())
    raised = [
        alert_types(partition.feed(wire("inventory.shipped", quantity, minute=i, event_id=f"e-{i}")))
        for i, quantity in enumerate([5, 5, 5])
    ]
    assert raised[0].count("NEGATIVE_STOCK") == 1
    assert "NEGATIVE_STOCK" not in raised[1] and "NEGATIVE_STOCK" not in raised[2]
