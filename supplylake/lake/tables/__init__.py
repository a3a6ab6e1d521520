"""The lake's tables: one typed definition each, from which schema, docs and rows come.

- :mod:`~supplylake.lake.tables.spec`: :class:`TableSpec` (schema, partitioning, Arrow schema).
- :mod:`~supplylake.lake.tables.from_contracts`: event tables derived from the contract models,
  with their row builders (:meth:`EventTableSpec.row`).
- :mod:`~supplylake.lake.tables.arrow`: row dicts / Arrow → Arrow with exactly a spec's schema.
- :mod:`~supplylake.lake.tables.evolution`: creating tables, additive schema evolution.
- one module per pipeline's tables (inventory, orders, shipments, suppliers, demand), plus alerts and dead_letters.

:data:`TABLES` is the registry of every sink table.
"""

from supplylake.lake.tables.alerts import ALERTS
from supplylake.lake.tables.arrow import conform_arrow, rows_to_arrow
from supplylake.lake.tables.columns import (
    SOURCE_COLUMNS,
    SRC_CLUSTER,
    SRC_OFFSET,
    SRC_PARTITION,
    SRC_TOPIC,
    Column,
)
from supplylake.lake.tables.dead_letters import DEAD_LETTERS
from supplylake.lake.tables.demand import (
    CONSUMPTION_EVENTS,
    DEMAND_DAILY,
    DEMAND_FORECAST,
    DEMAND_HOURLY,
    DISRUPTION_IMPACTS,
    EXTERNAL_SIGNALS,
    PROJECTED_INVENTORY,
    REPLENISHMENT_DELIVERIES,
    REPLENISHMENT_SUGGESTIONS,
    SALES_EVENTS,
)
from supplylake.lake.tables.evolution import SINK_TABLE_PROPERTIES, ensure_table
from supplylake.lake.tables.from_contracts import EventTableSpec, TableDefinitionError, event_table, payload_text
from supplylake.lake.tables.inventory import INVENTORY_EVENTS, INVENTORY_LEVELS
from supplylake.lake.tables.orders import ORDER_EVENTS, ORDER_STATUS
from supplylake.lake.tables.shipments import (
    SHIPMENT_EVENTS,
    SHIPMENT_RISK_MODELS,
    SHIPMENT_STATUS,
    SHIPMENT_TELEMETRY,
)
from supplylake.lake.tables.spec import TableSpec, define_table
from supplylake.lake.tables.suppliers import PO_LINES, SUPPLIER_EVENTS, SUPPLIER_METRICS, UNMATCHED_RECEIPTS

TABLES: tuple[TableSpec, ...] = (
    INVENTORY_EVENTS,
    INVENTORY_LEVELS,
    ALERTS,
    DEAD_LETTERS,
    ORDER_EVENTS,
    ORDER_STATUS,
    SHIPMENT_EVENTS,
    SHIPMENT_TELEMETRY,
    SHIPMENT_STATUS,
    SUPPLIER_EVENTS,
    PO_LINES,
    UNMATCHED_RECEIPTS,
    SUPPLIER_METRICS,
    SALES_EVENTS,
    CONSUMPTION_EVENTS,
    EXTERNAL_SIGNALS,
    DEMAND_HOURLY,
    DEMAND_DAILY,
    DEMAND_FORECAST,
    REPLENISHMENT_SUGGESTIONS,
    REPLENISHMENT_DELIVERIES,
    PROJECTED_INVENTORY,
    DISRUPTION_IMPACTS,
    SHIPMENT_RISK_MODELS,
)

__all__ = [
    "ALERTS",
    "CONSUMPTION_EVENTS",
    "DEAD_LETTERS",
    "DEMAND_DAILY",
    "DEMAND_FORECAST",
    "DEMAND_HOURLY",
    "DISRUPTION_IMPACTS",
    "EXTERNAL_SIGNALS",
    "INVENTORY_EVENTS",
    "INVENTORY_LEVELS",
    "ORDER_EVENTS",
    "ORDER_STATUS",
    "PO_LINES",
    "PROJECTED_INVENTORY",
    "REPLENISHMENT_DELIVERIES",
    "REPLENISHMENT_SUGGESTIONS",
    "SALES_EVENTS",
    "SHIPMENT_EVENTS",
    "SHIPMENT_RISK_MODELS",
    "SHIPMENT_STATUS",
    "SHIPMENT_TELEMETRY",
    "SINK_TABLE_PROPERTIES",
    "SOURCE_COLUMNS",
    "SRC_CLUSTER",
    "SRC_OFFSET",
    "SRC_PARTITION",
    "SRC_TOPIC",
    "SUPPLIER_EVENTS",
    "SUPPLIER_METRICS",
    "TABLES",
    "UNMATCHED_RECEIPTS",
    "Column",
    "EventTableSpec",
    "TableDefinitionError",
    "TableSpec",
    "conform_arrow",
    "define_table",
    "ensure_table",
    "event_table",
    "payload_text",
    "rows_to_arrow",
]
