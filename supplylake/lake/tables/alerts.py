"""The alerts table; its ``alert_type`` and ``entity_type`` docs list what the pipelines write.

The lists are read from the alerts contract (supplylake/contracts/alerts.py), so a new alert
type shows up in the column doc without an edit here.
"""

from __future__ import annotations

from supplylake.contracts.alerts import ALERT_TYPES as ALERT_TYPE_MEANINGS
from supplylake.contracts.alerts import ENTITY_TYPES as ENTITY_TYPE_MEANINGS
from supplylake.lake.tables.columns import STRING, TIMESTAMP, Column
from supplylake.lake.tables.spec import define_table

ALERT_TYPES: tuple[str, ...] = tuple(ALERT_TYPE_MEANINGS)
"""Every alert type a pipeline writes (inventory, shipments, orders, suppliers), from the alerts contract."""

ENTITY_TYPES: tuple[str, ...] = tuple(ENTITY_TYPE_MEANINGS)

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
        Column("entity_id", STRING, "Id of that entity: warehouseId:sku, shipmentId, orderId, poId:sku or supplierId."),
        Column("warehouse_id", STRING, "Warehouse, when the alert concerns one."),
        Column("sku", STRING, "SKU, when the alert concerns one."),
        Column("raised_at", TIMESTAMP, "Event time at which the alert condition started, UTC.", True),
        Column("details", STRING, "Alert specifics as JSON text (thresholds, levels, temperatures…)."),
    ),
)
