"""Every alert type and entity type the pipelines write, and the one recipe for alert ids.

A contract: these values are what the alerts topic and the ``alerts`` table carry. One home
for what used to live in each pipeline (and had drifted from the ``alerts`` table's column
doc): a pipeline that raises a new kind of alert adds it here, with its meaning, and the docs
read :data:`ALERT_TYPES`.

Alert ids are derived from what caused the alert (a source event id, a timer firing, an
(order, anomaly) pair) and the alert type, so a replay after a crash re-creates the same id
and any consumer can dedupe. Never change :data:`ALERT_ID_NAMESPACE` or the recipe: ids
already in the lake and on the alerts topic depend on them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

# -- alert types ------------------------------------------------------------------------------

LOW_STOCK: Final = "LOW_STOCK"
STOCKOUT: Final = "STOCKOUT"
RESOLVED: Final = "RESOLVED"
NEGATIVE_STOCK: Final = "NEGATIVE_STOCK"
DELIVERY_DELAYED: Final = "DELIVERY_DELAYED"
DELIVERED_LATE: Final = "DELIVERED_LATE"
NO_TRACKING_UPDATE: Final = "NO_TRACKING_UPDATE"
TEMPERATURE_BREACH: Final = "TEMPERATURE_BREACH"
TEMPERATURE_RECOVERED: Final = "TEMPERATURE_RECOVERED"
ROUTE_DEVIATION: Final = "ROUTE_DEVIATION"
SEQUENCE_ANOMALY: Final = "SEQUENCE_ANOMALY"
PO_LATE: Final = "PO_LATE"
PO_SHORT: Final = "PO_SHORT"
PO_OVER: Final = "PO_OVER"
QUALITY_REJECT: Final = "QUALITY_REJECT"
SUPPLIER_SLIPPING: Final = "SUPPLIER_SLIPPING"
LEAD_TIME_CHANGED: Final = "LEAD_TIME_CHANGED"
DEMAND_SPIKE: Final = "DEMAND_SPIKE"
STOCKOUT_RISK: Final = "STOCKOUT_RISK"
DISRUPTION_IMPACT: Final = "DISRUPTION_IMPACT"
SHIPMENT_AT_RISK: Final = "SHIPMENT_AT_RISK"

ALERT_TYPES: Mapping[str, str] = {
    LOW_STOCK: "available stock fell below the SKU's reorder point (opens a stock episode)",
    STOCKOUT: "available stock reached zero or less (once per stock episode)",
    RESOLVED: "available stock is back at the reorder point plus the resolve margin (closes the episode)",
    NEGATIVE_STOCK: "on-hand stock went below zero: more shipped than held, a data problem",
    DELIVERY_DELAYED: "expected delivery plus the grace period passed without a delivery",
    DELIVERED_LATE: "a shipment that had a delay alert was delivered (resolves it)",
    NO_TRACKING_UPDATE: "no carrier scan for longer than the no-tracking-update threshold",
    TEMPERATURE_BREACH: "a cold-chain reading stayed outside the cargo's range for the minimum duration",
    TEMPERATURE_RECOVERED: "a breached cold-chain excursion ended (resolves the breach)",
    ROUTE_DEVIATION: "a position farther from the planned route than the deviation threshold",
    SEQUENCE_ANOMALY: "an order's events contradict each other in time (e.g. a scan after delivery)",
    PO_LATE: "a purchase order line was not in full by its due time plus the grace period (once per line)",
    PO_SHORT: "a purchase order line was closed short: past due plus grace and not in full (once per line)",
    PO_OVER: "more was received on a purchase order line than ordered plus the over tolerance (once per line)",
    QUALITY_REJECT: "received goods of a purchase order line were rejected by quality inspection",
    SUPPLIER_SLIPPING: "a supplier's trailing OTIF fell below the threshold (once per episode, with hysteresis)",
    LEAD_TIME_CHANGED: "a supplier announced a new lead time",
    DEMAND_SPIKE: "a day's outbound units of a warehouse x SKU beyond the robust z-score threshold "
    "against its forecast (once per episode of consecutive spike days)",
    STOCKOUT_RISK: "a warehouse x SKU's inventory position fell below its reorder point at a daily review: "
    "a replenishment suggestion (once per episode below the reorder point)",
    DISRUPTION_IMPACT: "a disruption signal (a supplier's lead-time change, a port closure, a weather alert) delays "
    "open PO lines of a warehouse x SKU so that its projected stock-out moves inside the forecast horizon (one per "
    "signal and warehouse x SKU)",
    SHIPMENT_AT_RISK: "the late-delivery risk model (supplylake train) scores an in-transit shipment at or above its "
    "threshold (once per shipment)",
}
"""Alert type -> one-line meaning, for the ``alerts.alert_type`` column doc and the README."""

# -- entity types (the ``alerts.entity_type`` column) -----------------------------------------

ENTITY_STOCK: Final = "stock"
ENTITY_SHIPMENT: Final = "shipment"
ENTITY_ORDER: Final = "order"
ENTITY_PO_LINE: Final = "po_line"
ENTITY_SUPPLIER: Final = "supplier"

ENTITY_TYPES: Mapping[str, str] = {
    ENTITY_STOCK: "a warehouse x SKU stock level; entity_id is warehouseId:sku",
    ENTITY_SHIPMENT: "a shipment; entity_id is its shipmentId",
    ENTITY_ORDER: "an order; entity_id is its orderId",
    ENTITY_PO_LINE: "a purchase order line; entity_id is poId:sku",
    ENTITY_SUPPLIER: "a supplier; entity_id is its supplierId",
}

# -- alert ids --------------------------------------------------------------------------------

ALERT_ID_NAMESPACE: Final = uuid.UUID("5b0c8f3e-6a7d-5e0f-9c1a-2d4b6e8f0a13")
"""uuid5 namespace of every alert id. Fixed forever (see the module docstring)."""


def alert_id(source_id: str, alert_type: str) -> str:
    """Deterministic id of the ``alert_type`` alert that ``source_id`` caused:
    ``uuid5(ALERT_ID_NAMESPACE, source_id + "\\x1f" + alert_type)``."""
    return str(uuid.uuid5(ALERT_ID_NAMESPACE, f"{source_id}\x1f{alert_type}"))
