"""One valid wire payload per event type.

They document the format (exported as the schemas' ``examples``), seed tests, and give producers
and the simulator a starting point. ``example()`` hands out copies, so callers may mutate them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_T = "2025-01-15T14:23:45Z"


def _common(event_type: str, n: int) -> dict[str, Any]:
    return {"eventId": f"00000000-0000-4000-8000-{n:012d}", "eventType": event_type, "timestamp": _T}


def _inventory(event_type: str, n: int, **fields: Any) -> dict[str, Any]:
    return {**_common(event_type, n), "warehouseId": "WH-Dallas-01", "sku": "LAPTOP-XPS-15", **fields}


def _tracking(event_type: str, n: int, **fields: Any) -> dict[str, Any]:
    ids = {"shipmentId": "SHP-7731", "orderId": "ORD-1001", "carrier": "UPS"}
    return {**_common(event_type, n), **ids, **fields}


# Dallas -> Oklahoma City -> Kansas City
_ROUTE = [
    {"lat": 32.7767, "lon": -96.797},
    {"lat": 35.4676, "lon": -97.5164},
    {"lat": 39.0997, "lon": -94.5786},
]

_EXAMPLES: dict[str, dict[str, Any]] = {
    "inventory.received": _inventory(
        "inventory.received",
        1,
        quantity=500,
        supplierId="SUPP-8472",
        batchId="BATCH-2025-0115",
        poId="PO-2025-0042",
        unitCost=812.5,
    ),
    "inventory.shipped": _inventory("inventory.shipped", 2, quantity=3, orderId="ORD-1001"),
    "inventory.adjusted": _inventory("inventory.adjusted", 3, quantity=-2, reason="damaged in storage"),
    "inventory.counted": _inventory("inventory.counted", 4, quantity=497),
    "inventory.reserved": _inventory("inventory.reserved", 5, quantity=3, orderId="ORD-1001"),
    "inventory.released": _inventory("inventory.released", 6, quantity=1, orderId="ORD-1001"),
    "order.placed": {
        **_common("order.placed", 7),
        "orderId": "ORD-1001",
        "customerId": "CUST-55",
        "region": "us-south",
        "warehouseId": "WH-Dallas-01",
        "promisedDelivery": "2025-01-18T17:00:00Z",
        "lines": [
            {"sku": "LAPTOP-XPS-15", "quantity": 3, "unitPrice": 1499.0},
            {"sku": "USB-C-DOCK", "quantity": 1, "unitPrice": 0},
        ],
    },
    "warehouse.picking.started": {
        **_common("warehouse.picking.started", 8),
        "orderId": "ORD-1001",
        "warehouseId": "WH-Dallas-01",
    },
    "warehouse.picking.completed": {
        **_common("warehouse.picking.completed", 9),
        "orderId": "ORD-1001",
        "warehouseId": "WH-Dallas-01",
    },
    "shipment.created": {
        **_common("shipment.created", 10),
        "shipmentId": "SHP-7731",
        "orderId": "ORD-1001",
        "carrier": "UPS",
        "warehouseId": "WH-Dallas-01",
        "expectedDelivery": "2025-01-18T17:00:00Z",
        "category": "PHARMA",
        "temperatureRange": {"min": 2, "max": 8},
        "origin": _ROUTE[0],
        "destination": _ROUTE[-1],
        "plannedRoute": _ROUTE,
    },
    "carrier.picked_up": _tracking("carrier.picked_up", 11, location=_ROUTE[0]),
    "in.transit": _tracking("in.transit", 12, location=_ROUTE[1], note="hub scan"),
    "out.for.delivery": _tracking("out.for.delivery", 13, location=_ROUTE[2]),
    "delivery.attempted": _tracking("delivery.attempted", 14, note="recipient absent"),
    "delivered": _tracking("delivered", 15, location=_ROUTE[2]),
    "shipment.telemetry": {
        **_common("shipment.telemetry", 16),
        "shipmentId": "SHP-7731",
        "lat": 35.4676,
        "lon": -97.5164,
        "temperature": 5.4,
        "humidity": 41.0,
    },
    "po.created": {
        **_common("po.created", 17),
        "supplierId": "SUPP-8472",
        "poId": "PO-2025-0042",
        "warehouseId": "WH-Dallas-01",
        "promisedDate": "2025-01-20T00:00:00Z",
        "lines": [{"sku": "LAPTOP-XPS-15", "quantity": 500, "unitCost": 812.5}],
        "port": "Houston",
        "warehouseRegion": "us-south",
    },
    "asn.sent": {
        **_common("asn.sent", 18),
        "supplierId": "SUPP-8472",
        "asnId": "ASN-991",
        "poId": "PO-2025-0042",
        "expectedArrival": "2025-01-19T09:00:00-06:00",
        "lines": [{"sku": "LAPTOP-XPS-15", "quantity": 500}],
    },
    "supplier.leadtime.changed": {
        **_common("supplier.leadtime.changed", 19),
        "supplierId": "SUPP-8472",
        "previousLeadTimeDays": 5,
        "newLeadTimeDays": 9.5,
        "reason": "port congestion",
    },
    "quality.rejected": {
        **_common("quality.rejected", 20),
        "supplierId": "SUPP-8472",
        "poId": "PO-2025-0042",
        "warehouseId": "WH-Dallas-01",
        "sku": "LAPTOP-XPS-15",
        "quantity": 12,
        "reason": "cracked screens",
    },
    "sale.recorded": {
        **_common("sale.recorded", 21),
        "sku": "LAPTOP-XPS-15",
        "region": "us-south",
        "channel": "web",
        "quantity": 1,
        "unitPrice": 1499.0,
        "orderId": "ORD-1001",
    },
    "port.closure": {
        **_common("port.closure", 22),
        "region": "us-gulf",
        "port": "Houston",
        "severity": "high",
        "startsAt": "2025-01-15T12:00:00Z",
        "endsAt": "2025-01-17T12:00:00Z",
    },
    "weather.alert": {
        **_common("weather.alert", 23),
        "region": "us-south",
        "severity": "medium",
        "description": "ice storm warning",
        "startsAt": "2025-01-15T18:00:00Z",
    },
    # The Debezium envelope as it arrives: no eventId/eventType/timestamp.
    "erp.change": {
        "before": {"id": 42, "warehouse_id": "WH-Dallas-01", "sku": "LAPTOP-XPS-15", "on_hand": 497},
        "after": {"id": 42, "warehouse_id": "WH-Dallas-01", "sku": "LAPTOP-XPS-15", "on_hand": 500},
        "op": "u",
        "ts_ms": 1736951025000,
        "source": {"schema": "public", "table": "inventory", "db": "erp", "lsn": 24023128},
    },
}

EXAMPLES: Mapping[str, Mapping[str, Any]] = MappingProxyType(_EXAMPLES)


def example(event_type: str) -> dict[str, Any]:
    """A fresh deep copy of the example payload of ``event_type`` (``KeyError`` if unknown)."""
    return copy.deepcopy(_EXAMPLES[event_type])
