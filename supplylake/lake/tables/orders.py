"""Tables of the order pipeline: every order lifecycle event, and the order after each one."""

from __future__ import annotations

from typing import Any

from supplylake.contracts import orders
from supplylake.contracts.orders import OrderPlaced
from supplylake.lake.tables.columns import BOOLEAN, DOUBLE, INT, LONG, STRING, TIMESTAMP, Column
from supplylake.lake.tables.from_contracts import (
    EVENT_ID,
    EVENT_TIME,
    EVENT_TYPE,
    INGESTED_AT,
    PAYLOAD,
    Computed,
    FromField,
    event_table,
)
from supplylake.lake.tables.spec import define_table


def _line_count(event: Any) -> int:
    return len(event.lines)


def _units(event: Any) -> int:
    return sum(line.quantity for line in event.lines)


def _order_value(event: Any) -> float:
    return round(sum(line.quantity * line.unit_price for line in event.lines), 2)


ORDER_EVENTS = event_table(
    "order_events",
    "Every valid order lifecycle event as received (order.placed, warehouse.picking.*; topic order-events), "
    "once per eventId.",
    contracts=orders.MODELS,
    sort_by=("order_id", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TYPE,
        EVENT_TIME,
        FromField("order_id", required=True),
        "customer_id",
        "region",
        "warehouse_id",
        "promised_delivery",
        Computed(Column("line_count", INT, "Number of order lines (order.placed)."), _line_count, only=(OrderPlaced,)),
        Computed(Column("units", LONG, "Units over all lines (order.placed)."), _units, only=(OrderPlaced,)),
        Computed(
            Column("order_value", DOUBLE, "Sum of quantity × unit price over the lines (order.placed)."),
            _order_value,
            only=(OrderPlaced,),
        ),
        "lines",
        PAYLOAD,
        INGESTED_AT,
    ),
)

ORDER_STATUS = define_table(
    "order_status",
    "Order state after each lifecycle event (order events joined with the shipment's tracking): stage, stage "
    "times, promised vs actual delivery, sequence anomalies. order_current is the latest row per order.",
    time_column="event_time",
    key=("order_id", "event_id"),
    sort_by=("order_id", "revision"),
    columns=(
        Column("order_id", STRING, "Customer order.", True),
        Column(
            "stage",
            STRING,
            "placed, picking_started, picking_completed, shipment_created, picked_up, in_transit, out_for_delivery, "
            "delivery_attempted or delivered: the stage of the event with the latest event time (delivered is "
            "terminal).",
        ),
        Column("stage_time", TIMESTAMP, "Event time of that stage, UTC."),
        Column("customer_id", STRING, "Customer."),
        Column("region", STRING, "Delivery region."),
        Column("warehouse_id", STRING, "Fulfilling warehouse."),
        Column("shipment_id", STRING, "The order's shipment (the first, when split)."),
        Column("shipment_ids", STRING, "All shipments seen for the order, comma separated."),
        Column("promised_delivery", TIMESTAMP, "Delivery promised to the customer, UTC."),
        Column("placed_at", TIMESTAMP, "order.placed, UTC."),
        Column("picking_started_at", TIMESTAMP, "warehouse.picking.started (earliest), UTC."),
        Column("picking_completed_at", TIMESTAMP, "warehouse.picking.completed (earliest), UTC."),
        Column("shipped_at", TIMESTAMP, "shipment.created (earliest), UTC."),
        Column("picked_up_at", TIMESTAMP, "carrier.picked_up (earliest), UTC."),
        Column("out_for_delivery_at", TIMESTAMP, "out.for.delivery (earliest), UTC."),
        Column("delivered_at", TIMESTAMP, "Actual delivery: earliest delivered event time, UTC."),
        Column(
            "delivery_delta_ms", LONG, "delivered_at - promised_delivery in ms (negative = early, positive = late)."
        ),
        Column("is_late", BOOLEAN, "True when delivered after the promise; null while not delivered."),
        Column("anomalies", INT, "Stages stamped later than delivery + the allowed skew (SEQUENCE_ANOMALY)."),
        Column("anomaly_stages", STRING, "Those stages, comma separated."),
        Column("event_id", STRING, "Event that produced this row.", True),
        Column("event_type", STRING, "Its type.", True),
        Column("event_time", TIMESTAMP, "Its event time, UTC.", True),
        Column("revision", LONG, "Per-order counter of rows within one broker epoch.", True),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
    ),
)
