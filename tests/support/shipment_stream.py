"""Small hand-written shipment and order streams with known outcomes, for integration tests."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ROUTE = [{"lat": 32.78, "lon": -96.80}, {"lat": 35.47, "lon": -97.52}]
MIN = 60_000


def ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def ms(minutes: float) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


def replay_partition(key: str, partitions: int = 2) -> int:
    """Where `supplylake run` puts a key: librdkafka's default partitioner (CRC32 of the key)."""
    return zlib.crc32(key.encode()) % partitions


@dataclass
class Stream:
    lines: list[dict[str, Any]] = field(default_factory=list)

    def event(self, kind: str, minutes: float, **fields: Any) -> dict[str, Any]:
        line = {"eventId": f"e-{len(self.lines) + 1:04d}", "eventType": kind, "timestamp": ts(minutes), **fields}
        self.lines.append(line)
        return line

    def created(self, shipment: str, order: str, minutes: float, expected_minutes: float, **fields: Any) -> None:
        fields.setdefault("category", "GENERAL")
        self.event(
            "shipment.created",
            minutes,
            shipmentId=shipment,
            orderId=order,
            carrier="UPS",
            warehouseId="WH-Dallas-01",
            expectedDelivery=ts(expected_minutes),
            origin=ROUTE[0],
            destination=ROUTE[-1],
            plannedRoute=ROUTE,
            **fields,
        )

    def scan(self, kind: str, shipment: str, order: str, minutes: float) -> None:
        self.event(kind, minutes, shipmentId=shipment, orderId=order, location=ROUTE[0])

    def placed(self, order: str, minutes: float, promised_minutes: float) -> None:
        self.event(
            "order.placed",
            minutes,
            orderId=order,
            customerId="C-1",
            region="US-South",
            warehouseId="WH-Dallas-01",
            promisedDelivery=ts(promised_minutes),
            lines=[{"sku": "SKU-1", "quantity": 2, "unitPrice": 10.0}],
        )

    def write(self, path: Path) -> Path:
        path.write_text("".join(json.dumps(line) + "\n" for line in self.lines))
        return path


@dataclass(frozen=True)
class Handwritten:
    path: Path
    silent: str  # goes silent after in.transit; its partition sees nothing after its deadline
    silent_deadline_ms: int
    filler: str  # keeps event time moving, on the other partition only
    pharma: str  # one excursion peaking at 9.7 °C, first reading out of range 9.5 °C
    late: str  # delivered after expectedDelivery + grace
    on_time: str  # delivered on time
    anomaly_order: str  # a scan stamped an hour after its delivery


def key_on_partition(prefix: str, partition: int) -> str:
    return next(f"{prefix}-{i}" for i in range(1000) if replay_partition(f"{prefix}-{i}") == partition)


def handwritten_stream(path: Path) -> Handwritten:
    s = Stream()
    silent = "SHP-SILENT-1"
    # Everything stamped after the silent shipment's deadline goes to the *other* partition, so
    # only the end-of-replay watermark can fire it there.
    other = 1 - replay_partition(silent)
    filler, late, on_time = (key_on_partition(prefix, other) for prefix in ("SHP-FILL", "SHP-LATE", "SHP-ONTIME"))
    s.placed("ORD-1", 0, promised_minutes=300)
    s.event("warehouse.picking.started", 10, orderId="ORD-1", warehouseId="WH-Dallas-01")
    s.event("warehouse.picking.completed", 20, orderId="ORD-1", warehouseId="WH-Dallas-01")
    s.created(silent, "ORD-1", 30, expected_minutes=240)
    s.scan("carrier.picked_up", silent, "ORD-1", 60)
    s.scan("in.transit", silent, "ORD-1", 90)

    pharma = "SHP-PHARMA-1"
    s.created(pharma, "ORD-2", 30, expected_minutes=2000, category="PHARMA")
    s.scan("carrier.picked_up", pharma, "ORD-2", 40)
    for i, temperature in enumerate((5.0, 9.5, 9.7, 6.0)):
        s.event(
            "shipment.telemetry", 50 + 15 * i, shipmentId=pharma, lat=33.0 + 0.1 * i, lon=-96.9, temperature=temperature
        )

    s.placed("ORD-4", 0, promised_minutes=200)
    s.created(late, "ORD-4", 20, expected_minutes=120)
    s.scan("carrier.picked_up", late, "ORD-4", 30)
    s.scan("out.for.delivery", late, "ORD-4", 200)
    s.scan("delivered", late, "ORD-4", 300)
    s.created(on_time, "ORD-5", 20, expected_minutes=600)
    s.scan("carrier.picked_up", on_time, "ORD-5", 30)
    s.scan("delivered", on_time, "ORD-5", 400)
    s.scan("in.transit", on_time, "ORD-5", 460)  # an hour after delivery: SEQUENCE_ANOMALY

    s.created(filler, "ORD-3", 30, expected_minutes=3000)
    s.scan("carrier.picked_up", filler, "ORD-3", 45)
    for i in range(12):
        s.event("shipment.telemetry", 100 + 60 * i, shipmentId=filler, lat=33.0 + 0.05 * i, lon=-96.9 - 0.02 * i)
    s.scan("in.transit", filler, "ORD-3", 700)
    s.lines.append({"eventType": "in.transit", "timestamp": ts(701), "orderId": "ORD-3"})  # no shipmentId
    return Handwritten(s.write(path), silent, ms(240 + 30), filler, pharma, late, on_time, "ORD-5")
