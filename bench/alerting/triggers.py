"""Our producer and the trigger events, each of which raises exactly one known alert at once.

- inventory: 20 bench warehouse×SKU keys (reorder point 100, resolve at 110), cycling
  shipped 60 → ``LOW_STOCK`` (150 → 90), shipped 90 → ``STOCKOUT`` (→ 0), received 150 →
  ``RESOLVED`` (→ 150);
- cold chain: 20 bench PHARMA shipments (2–8 °C), alternating telemetry at 9.5 °C →
  ``TEMPERATURE_BREACH`` and 5.0 °C → ``TEMPERATURE_RECOVERED``;
- timer shipments: ``shipment.created`` with ``expectedDelivery`` a few seconds ahead and
  nothing after it, so only a timer can raise its ``DELIVERY_DELAYED``.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from confluent_kafka import Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.pipelines.inventory.alerts import alert_id
from supplylake.settings import TopicSettings

PROBE_TOPIC = "bench-alert-probe"
INV_WAREHOUSE = "WH-BENCH-1"
INV_KEYS = [f"SKU-BENCH-{i:02d}" for i in range(20)]
INV_CYCLE = [  # (event type, quantity, expected alert) starting from available 150
    ("inventory.shipped", 60, "LOW_STOCK"),
    ("inventory.shipped", 90, "STOCKOUT"),
    ("inventory.received", 150, "RESOLVED"),
]
PHARMA = [f"SHP-BENCH-PH-{i:02d}" for i in range(20)]
PHARMA_CYCLE = [(9.5, "TEMPERATURE_BREACH"), (5.0, "TEMPERATURE_RECOVERED")]
ORIGIN = {"lat": 32.78, "lon": -96.80}
DESTINATION = {"lat": 35.47, "lon": -97.52}
TWO_DAYS_MS = 2 * 86_400_000
# The lake tables freshness and completeness are measured on: every event of these lands in one.
EVENT_TABLES = ("inventory_events", "shipment_events", "shipment_telemetry", "order_events")
# Rows attributed to the orders pipeline's internal topic's offsets, not ours: watched by event id.
BY_ID_TABLES = ("order_events",)
FAMILY_TABLE = {"inventory": "inventory_events", "shipments": "shipment_events", "orders": "order_events"}


def event_table(family: str, event_type: str | None) -> str | None:
    """The event table an event of ``family``/``event_type`` lands in (None: none we measure)."""
    if event_type == "shipment.telemetry":
        return "shipment_telemetry"
    return FAMILY_TABLE.get(family)


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Expected:
    """An alert we know must come: its id, type, and what it is measured against."""

    alert_id: str
    alert_type: str
    family: str  # "inventory", "cold chain"
    phase: str  # "load", "quiet", "warm-up"
    ref_ms: float  # produce time
    event_id: str


@dataclass
class Produced:
    """What we produced, for the analysis: produce times by event id, end offsets, expectations."""

    produced_at: dict[str, float] = field(default_factory=dict)  # event id -> produce wall ms
    phase_of_event: dict[str, str] = field(default_factory=dict)
    expected: dict[str, Expected] = field(default_factory=dict)  # alert id -> expected
    timer_deadlines: dict[str, tuple[float, str]] = field(default_factory=dict)  # shipment -> (deadline ms, phase)
    end_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    by_topic: Counter[str] = field(default_factory=Counter)
    # event table -> partition -> (offsets, CreateTime ms) in delivery order, from the delivery reports
    delivered: dict[str, dict[int, tuple[array[int], array[float]]]] = field(default_factory=lambda: defaultdict(dict))
    ids_by_table: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class Producing:
    """Our producer: records produce times by event id and the last delivered offset per partition."""

    def __init__(self, connection: BrokerConnection, produced: Produced) -> None:
        self.produced = produced
        config: dict[str, str | int | float | bool] = {"linger.ms": 5, "acks": "all", "log_level": 3}
        self.producer = Producer(connection.config(**config))
        self.errors = 0

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self.errors += 1
            return
        tp = (msg.topic(), msg.partition())
        if msg.offset() > self.produced.end_offsets.get(tp, -1):
            self.produced.end_offsets[tp] = msg.offset()

    def _delivered_to(self, table: str, err: Any, msg: Any) -> None:
        """Also remember (offset, CreateTime) per partition of the event's lake table."""
        self._delivered(err, msg)
        if err is None:
            by_partition = self.produced.delivered[table]
            partition = msg.partition()
            if partition not in by_partition:
                by_partition[partition] = (array("q"), array("d"))
            offsets, created = by_partition[partition]
            offsets.append(msg.offset())
            created.append(float(msg.timestamp()[1]))

    def send(
        self, topic: str, key: str, value: bytes, event_id: str | None, phase: str, table: str | None = None
    ) -> float:
        on_delivery = self._delivered if table is None else partial(self._delivered_to, table)
        while True:
            sent = time.time() * 1000
            try:
                self.producer.produce(topic, value=value, key=key.encode(), on_delivery=on_delivery)
                break
            except BufferError:
                self.producer.poll(0.05)
        if event_id is not None:
            self.produced.produced_at[event_id] = sent
            self.produced.phase_of_event[event_id] = phase
            if table is not None:
                self.produced.ids_by_table[table].append(event_id)
        self.produced.by_topic[topic] += 1
        return sent

    def probe(self) -> None:
        self.producer.produce(PROBE_TOPIC, value=str(time.time() * 1000).encode())

    def poll(self) -> None:
        self.producer.poll(0)

    def flush(self) -> None:
        self.producer.flush(30)


def inventory_event(event_id: str, kind: str, t: int, sku: str, quantity: int) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventType": kind,
        "timestamp": iso(t),
        "warehouseId": INV_WAREHOUSE,
        "sku": sku,
        "quantity": quantity,
    }


def shipment_created(event_id: str, t: int, shipment: str, expected_ms: int, category: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventType": "shipment.created",
        "timestamp": iso(t),
        "shipmentId": shipment,
        "orderId": f"ORD-{shipment}",
        "carrier": "UPS",
        "warehouseId": "WH-Dallas-01",
        "expectedDelivery": iso(expected_ms),
        "category": category,
        "origin": ORIGIN,
        "destination": DESTINATION,
    }


def telemetry(event_id: str, t: int, shipment: str, temperature: float, lat: float) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventType": "shipment.telemetry",
        "timestamp": iso(t),
        "shipmentId": shipment,
        "lat": lat,
        "lon": ORIGIN["lon"],
        "temperature": temperature,
    }


class Triggers:
    """Trigger events that each raise exactly one known alert at once."""

    def __init__(self, topics: TopicSettings, producing: Producing) -> None:
        self.topics = topics
        self.producing = producing
        self.produced = producing.produced
        self.inv_n = 0
        self.ph_n = 0
        self.timer_n = 0
        self.count = 0

    def _event(self, topic: str, key: str, payload: dict[str, Any], phase: str) -> float:
        family = {self.topics.inventory: "inventory", self.topics.shipments: "shipments"}.get(topic, "orders")
        table = event_table(family, payload["eventType"])
        return self.producing.send(topic, key, json.dumps(payload).encode(), payload["eventId"], phase, table)

    def setup(self) -> None:
        """Initial stock for the bench keys and the PHARMA shipments (no alert expected)."""
        t = now_ms()
        for sku in INV_KEYS:
            event = inventory_event(f"bench-inv-init-{sku}", "inventory.received", t, sku, 150)
            self._event(self.topics.inventory, f"{INV_WAREHOUSE}:{sku}", event, "setup")
        for shipment in PHARMA:
            event = shipment_created(f"bench-ph-created-{shipment}", t, shipment, t + TWO_DAYS_MS, "PHARMA")
            self._event(self.topics.shipments, shipment, event, "setup")

    def warmup(self) -> set[str]:
        """One alert from each of inventory and shipments: the pipelines are up when both arrived."""
        t = now_ms()
        sku, shipment = "SKU-BENCH-WARM", "SHP-BENCH-WARM"
        warm_inv = inventory_event("bench-warm-inv", "inventory.received", t, sku, 10)
        self._event(self.topics.inventory, f"{INV_WAREHOUSE}:{sku}", warm_inv, "warm-up")
        created = shipment_created("bench-warm-created", t, shipment, t + TWO_DAYS_MS, "PHARMA")
        created["orderId"] = "ORD-BENCH-WARM"
        self._event(self.topics.shipments, shipment, created, "warm-up")
        warm_tel = telemetry("bench-warm-tel", t + 1, shipment, 9.5, ORIGIN["lat"])
        self._event(self.topics.shipments, shipment, warm_tel, "warm-up")
        order = {
            "eventId": "bench-warm-order",
            "eventType": "order.placed",
            "timestamp": iso(t),
            "orderId": "ORD-BENCH-WARM",
            "customerId": "C-BENCH",
            "region": "US-South",
            "warehouseId": "WH-Dallas-01",
            "promisedDelivery": iso(t + TWO_DAYS_MS),
            "lines": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 1.0}],
        }
        self._event(self.topics.orders, "ORD-BENCH-WARM", order, "warm-up")
        return {alert_id("bench-warm-inv", "LOW_STOCK"), alert_id("bench-warm-tel", "TEMPERATURE_BREACH")}

    def next(self, phase: str) -> None:
        """The next trigger, alternating inventory and cold chain."""
        self.count += 1
        t = now_ms()
        if self.count % 2:
            n, self.inv_n = self.inv_n, self.inv_n + 1
            sku = INV_KEYS[n % len(INV_KEYS)]
            kind, quantity, alert_type = INV_CYCLE[(n // len(INV_KEYS)) % len(INV_CYCLE)]
            event_id, family = f"bench-inv-{n}", "inventory"
            payload = inventory_event(event_id, kind, t, sku, quantity)
            sent = self._event(self.topics.inventory, f"{INV_WAREHOUSE}:{sku}", payload, phase)
        else:
            n, self.ph_n = self.ph_n, self.ph_n + 1
            shipment = PHARMA[n % len(PHARMA)]
            temperature, alert_type = PHARMA_CYCLE[(n // len(PHARMA)) % len(PHARMA_CYCLE)]
            event_id, family = f"bench-tel-{n}", "cold chain"
            payload = telemetry(event_id, t, shipment, temperature, ORIGIN["lat"] + 0.01)
            sent = self._event(self.topics.shipments, shipment, payload, phase)
        aid = alert_id(event_id, alert_type)
        self.produced.expected[aid] = Expected(aid, alert_type, family, phase, sent, event_id)

    def timer_shipment(self, phase: str, lead_s: float, grace_s: int) -> None:
        self.timer_n += 1
        t = now_ms()
        shipment = f"SHP-BENCH-T-{self.timer_n:04d}"
        expected_delivery = t + int(lead_s * 1000)
        event = shipment_created(f"bench-timer-{self.timer_n}", t, shipment, expected_delivery, "GENERAL")
        self._event(self.topics.shipments, shipment, event, phase)
        self.produced.timer_deadlines[shipment] = (expected_delivery + grace_s * 1000, phase)
