"""Typical per-key states, built through the domain functions: a hot stock key and a cold-chain shipment.

Shared by the state codec's unit tests and ``bench/micro/state_codecs.py``.
"""

from __future__ import annotations

import uuid

from supplylake.pipelines.inventory.stock import StockEvent, StockState, apply_event
from supplylake.pipelines.shipments.tracking import ShipmentEvent, ShipmentState, apply_shipment_event

MIN = 60_000
T0 = 1_736_900_000_000


def stock_state(remembered: int = 705) -> StockState:
    """A hot key after a day: ~705 remembered ids and a few window entries (bench/REPORT.md §4)."""
    state = StockState.empty()
    kinds = ["inventory.received", "inventory.shipped", "inventory.reserved", "inventory.released"]
    for i in range(remembered):
        event_id = str(uuid.UUID(int=i * 7919 + 1, version=4))
        event = StockEvent(event_id, kinds[i % 4], T0 + i * 2 * MIN + (i % 3) * 1000, "WH-01", "SKU-0001", 1 + i % 9)
        state, _ = apply_event(state, event)
    return state


def shipment_state() -> ShipmentState:
    """A PHARMA shipment out for delivery: route, transitions, telemetry, one breach."""
    sid = "SHP-20250115-000123"
    route = ((32.78, -96.80), (33.5, -97.0), (34.4, -97.3), (35.47, -97.52))
    events = [
        ShipmentEvent(
            "e0",
            "shipment.created",
            T0,
            sid,
            order_id="ORD-1",
            carrier="UPS",
            expected_delivery_ms=T0 + 48 * 60 * MIN,
            category="PHARMA",
            planned_route=route,
        ),
        ShipmentEvent("e1", "carrier.picked_up", T0 + 60 * MIN, sid, lat=32.78, lon=-96.80),
        *(
            ShipmentEvent(
                f"t{i}",
                "shipment.telemetry",
                T0 + (90 + 30 * i) * MIN,
                sid,
                lat=32.8 + 0.3 * i,
                lon=-96.85 - 0.1 * i,
                temperature=9.0 if i == 3 else 4.0,
            )
            for i in range(6)
        ),
        ShipmentEvent("e2", "in.transit", T0 + 200 * MIN, sid, lat=34.0, lon=-97.2),
        ShipmentEvent("e3", "out.for.delivery", T0 + 600 * MIN, sid, lat=35.4, lon=-97.5),
    ]
    state: ShipmentState | None = None
    for event in events:
        state, _ = apply_shipment_event(state, event)
    assert state is not None
    return state
