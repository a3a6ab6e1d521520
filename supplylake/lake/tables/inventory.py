"""Tables of the inventory pipeline: every inventory event, and the level after each change."""

from __future__ import annotations

from supplylake.contracts import inventory
from supplylake.lake.tables.columns import BOOLEAN, INT, LONG, STRING, TIMESTAMP, Column
from supplylake.lake.tables.from_contracts import EVENT_ID, EVENT_TIME, EVENT_TYPE, INGESTED_AT, PAYLOAD, event_table
from supplylake.lake.tables.spec import define_table

IS_LATE = Column("is_late", BOOLEAN, "True when the event arrived later than the allowed lateness (kept, flagged).")

INVENTORY_EVENTS = event_table(
    "inventory_events",
    "Every valid inventory event as received (one row per event; topic inventory-events).",
    contracts=inventory.MODELS,
    sort_by=("warehouse_id", "sku", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TYPE,
        EVENT_TIME,
        "warehouse_id",
        "sku",
        "quantity",
        "supplier_id",
        "batch_id",
        "po_id",
        "order_id",
        "reason",
        "unit_cost",
        IS_LATE,
        PAYLOAD,
        INGESTED_AT,
    ),
)

INVENTORY_LEVELS = define_table(
    "inventory_levels",
    "Stock level per warehouse and SKU after each change, in event-time order (one row per revision).",
    time_column="event_time",
    key=("event_id", "revision"),
    sort_by=("warehouse_id", "sku", "revision"),
    columns=(
        Column("warehouse_id", STRING, "Warehouse.", True),
        Column("sku", STRING, "Stock keeping unit.", True),
        Column("on_hand", LONG, "Units physically on hand."),
        Column("reserved", LONG, "Units reserved for orders."),
        Column("available", LONG, "Units available to promise (on_hand - reserved)."),
        Column("event_id", STRING, "Event that caused this revision.", True),
        Column("event_time", TIMESTAMP, "Event time of that event, UTC.", True),
        Column("is_late", BOOLEAN, "True when the causing event was later than the allowed lateness."),
        Column(
            "revision",
            INT,
            "Revision of this event's level: 0 when applied, +1 each time an out-of-order event before it "
            "corrected it.",
            True,
        ),
        Column(
            "is_current",
            BOOLEAN,
            "True when, at the time it was written, this row was the level the warehouse×SKU stood at "
            "(what inventory_current shows).",
        ),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
    ),
)
