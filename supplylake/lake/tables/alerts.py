"""The alerts table; its ``alert_type`` and ``entity_type`` docs list what the pipelines write.

The lists are read from the pipelines' alert constants, so a new alert type shows up in the
column doc without an edit here (the constants are plain data: importing them pulls in no Quix).
"""

from __future__ import annotations

from supplylake.lake.tables.columns import STRING, TIMESTAMP, Column
from supplylake.lake.tables.spec import define_table
from supplylake.pipelines.inventory.alerts import ENTITY_TYPE_STOCK, AlertType
from supplylake.pipelines.shipments import alerts as shipment_alerts

ALERT_TYPES: tuple[str, ...] = (
    *(t.value for t in AlertType),
    shipment_alerts.DELIVERY_DELAYED,
    shipment_alerts.DELIVERED_LATE,
    shipment_alerts.NO_TRACKING_UPDATE,
    shipment_alerts.TEMPERATURE_BREACH,
    shipment_alerts.TEMPERATURE_RECOVERED,
    shipment_alerts.ROUTE_DEVIATION,
    shipment_alerts.SEQUENCE_ANOMALY,
)
"""Every alert type a pipeline writes (inventory, shipments, orders)."""

ENTITY_TYPES: tuple[str, ...] = (ENTITY_TYPE_STOCK, shipment_alerts.ENTITY_SHIPMENT, shipment_alerts.ENTITY_ORDER)

ALERTS = define_table(
    "alerts",
    "Alerts raised by the pipelines (deduplicated, one per episode).",
    time_column="raised_at",
    key=("alert_id",),
    sort_by=("alert_type", "raised_at"),
    columns=(
        Column("alert_id", STRING, "Deterministic id derived from the source event (replays give the same id).", True),
        Column("alert_type", STRING, f"What was detected: {', '.join(ALERT_TYPES)}.", True),
        Column("entity_type", STRING, f"What the alert is about: {', '.join(ENTITY_TYPES)}."),
        Column("entity_id", STRING, "Id of that entity (warehouseId:sku, a shipmentId or an orderId)."),
        Column("warehouse_id", STRING, "Warehouse, when the alert concerns one."),
        Column("sku", STRING, "SKU, when the alert concerns one."),
        Column("raised_at", TIMESTAMP, "Event time at which the alert condition started, UTC.", True),
        Column("details", STRING, "Alert specifics as JSON text (thresholds, levels, temperatures…)."),
    ),
)
