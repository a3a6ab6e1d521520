"""Tables of the demand pipeline: sales and outbound consumption as counted, external disruption signals,
demand windows, forecasts.

The window tables share one layout (:func:`_window_table`); the demand definitions behind them
(streams, windows, lateness, the forecast models and their error measures) are documented in
``docs/demand.md``.
"""

from __future__ import annotations

from supplylake.contracts import sales, signals
from supplylake.contracts.inventory import InventoryShipped
from supplylake.lake.tables.columns import BOOLEAN, DOUBLE, INT, LONG, STRING, TIMESTAMP, Column
from supplylake.lake.tables.from_contracts import EVENT_ID, EVENT_TIME, EVENT_TYPE, INGESTED_AT, PAYLOAD, event_table
from supplylake.lake.tables.inventory import IS_LATE
from supplylake.lake.tables.spec import TableSpec, define_table

SALES_STREAM = "sales"
SHIPPED_STREAM = "shipped"

SALES_EVENTS = event_table(
    "sales_events",
    "Every valid sale as received (sale.recorded; topic sales-events), once per eventId; is_late marks a sale "
    "whose window was already final (kept, not counted in units).",
    contracts=sales.MODELS,
    sort_by=("sku", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TYPE,
        EVENT_TIME,
        "sku",
        "region",
        "channel",
        "quantity",
        "unit_price",
        "store_id",
        "order_id",
        IS_LATE,
        PAYLOAD,
        INGESTED_AT,
    ),
)

CONSUMPTION_EVENTS = event_table(
    "consumption_events",
    "Every inventory.shipped the demand pipeline counted as outbound consumption, once per eventId (the "
    "event itself is in inventory_events); is_late marks one whose window was already final.",
    contracts=(InventoryShipped,),
    sort_by=("warehouse_id", "sku", "event_time"),
    columns=(EVENT_ID, EVENT_TYPE, EVENT_TIME, "warehouse_id", "sku", "quantity", "order_id", IS_LATE, INGESTED_AT),
)


EXTERNAL_SIGNALS = event_table(
    "external_signals",
    "Every valid external disruption signal as received (port.closure, weather.alert; topic external-signals), "
    "once per eventId; the disruption assessment (supplylake plan) reads it.",
    contracts=signals.MODELS,
    sort_by=("region", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TYPE,
        EVENT_TIME,
        "region",
        "port",
        "severity",
        "description",
        "starts_at",
        "ends_at",
        PAYLOAD,
        INGESTED_AT,
    ),
)


def _window_table(name: str, width: str) -> TableSpec:
    return define_table(
        name,
        f"Demand per {width} of event time: sales per SKU x region (stream 'sales') and outbound units per "
        "warehouse x SKU (stream 'shipped'). A row whenever a window's figures change, at most one per window per "
        f"checkpoint; is_final once the clock passed the window's end plus the allowed lateness. {name}_current "
        "is the latest row per window.",
        time_column="window_start",
        key=("stream", "key", "window_start", "revision"),
        sort_by=("stream", "key", "window_start"),
        latest_per_commit=("stream", "key", "window_start"),
        columns=(
            Column(
                "stream", STRING, f"'{SALES_STREAM}' (sale.recorded) or '{SHIPPED_STREAM}' (inventory.shipped).", True
            ),
            Column("key", STRING, "'<sku>@<region>' for sales, '<warehouseId>:<sku>' for shipped.", True),
            Column("sku", STRING, "Stock keeping unit.", True),
            Column("region", STRING, "Sales region (sales rows; null on shipped rows)."),
            Column("warehouse_id", STRING, "Warehouse (shipped rows; null on sales rows)."),
            Column("window_start", TIMESTAMP, f"Start of the {width} (inclusive), UTC.", True),
            Column("window_end", TIMESTAMP, f"End of the {width} (exclusive), UTC."),
            Column("units", LONG, "Units sold or shipped in the window (late events excluded)."),
            Column("revenue", DOUBLE, "sum(quantity x unit price) of the sales; null on shipped rows."),
            Column("orders", LONG, "Events counted: sales transactions, or shipments out of the warehouse."),
            Column("late_units", LONG, "Units of events that arrived after the window was final (flagged, kept)."),
            Column("late_events", LONG, "How many such late events."),
            Column("is_final", BOOLEAN, "True once the window is closed: its units no longer change."),
            Column("revision", LONG, "Per-window counter of rows within one broker epoch.", True),
            Column(
                "ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC; orders rows across broker epochs."
            ),
        ),
    )


DEMAND_HOURLY = _window_table("demand_hourly", "hour")
DEMAND_DAILY = _window_table("demand_daily", "day (UTC)")

DEMAND_FORECAST = define_table(
    "demand_forecast",
    "Daily outbound-units forecast per warehouse x SKU over the horizon, made each time a day closes (as_of), "
    "with the model, its parameters and its error so far. demand_forecast_current holds the latest as_of per key.",
    time_column="as_of",
    key=("key", "as_of", "target_date"),
    sort_by=("key", "as_of", "target_date"),
    columns=(
        Column("key", STRING, "'<warehouseId>:<sku>'.", True),
        Column("warehouse_id", STRING, "Warehouse.", True),
        Column("sku", STRING, "Stock keeping unit.", True),
        Column(
            "as_of", TIMESTAMP, "End of the last day the forecast has seen (= the first target day's start), UTC.", True
        ),
        Column("target_date", TIMESTAMP, "The forecast day (its start, 00:00 UTC).", True),
        Column("horizon_day", INT, "1 for the day after as_of ... horizon_days."),
        Column("units", DOUBLE, "Forecast outbound units that day."),
        Column("model", STRING, "holt_winters, tsb or seasonal_naive (chosen by demand_class)."),
        Column(
            "demand_class", STRING, "new, none, smooth, erratic, intermittent or lumpy (ADI/CV2 rule, docs/demand.md)."
        ),
        Column(
            "parameters", STRING, "JSON: what explains the forecast (smoothing constants, level, seasonal indices)."
        ),
        Column("adi", DOUBLE, "Average inter-demand interval in days (days / days with demand)."),
        Column("cv2", DOUBLE, "Squared coefficient of variation of the non-zero daily units."),
        Column("days_observed", LONG, "Days folded into the model (zero days included)."),
        Column("mae", DOUBLE, "Mean absolute error of the one-day-ahead forecasts so far."),
        Column("bias", DOUBLE, "Mean error (actual - forecast): positive means the model under-forecasts."),
        Column("mase", DOUBLE, "MAE / MAE of the seasonal-naive forecast (same day last week) on the same days."),
        Column("errors_counted", LONG, "Days the error measures are over."),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC."),
    ),
)


REPLENISHMENT_SUGGESTIONS = define_table(
    "replenishment_suggestions",
    "A replenishment suggestion per warehouse x SKU whose inventory position fell below its reorder point at a "
    "daily review (`supplylake plan`), once per episode below it, with every input of the formula "
    "(docs/demand.md, Replenishment). Each raises one STOCKOUT_RISK alert.",
    time_column="as_of",
    key=("suggestion_id",),
    sort_by=("warehouse_id", "sku", "as_of"),
    columns=(
        Column("suggestion_id", STRING, "'<warehouseId>:<sku>@<start of the review day, epoch ms>'.", True),
        Column("warehouse_id", STRING, "Warehouse.", True),
        Column("sku", STRING, "Stock keeping unit.", True),
        Column("supplier_id", STRING, "Supplier to order from: the one of the key's latest PO line."),
        Column("as_of", TIMESTAMP, "End of the reviewed day: every input is as of this event time, UTC.", True),
        Column("suggested_quantity", LONG, "ceil(order_up_to - position): units to order."),
        Column(
            "order_by_date",
            TIMESTAMP,
            "Latest day to place the order: projected stock-out date - ceil(lead time), "
            "not before the day after the review.",
        ),
        Column(
            "projected_stockout_date",
            TIMESTAMP,
            "First day the projected stock ends below zero; null when not within the horizon.",
        ),
        Column("on_hand", LONG, "Units on hand at as_of (inventory_levels)."),
        Column("reserved", LONG, "Units reserved at as_of."),
        Column("open_po_quantity_in_lead_time", LONG, "Open PO units due within lead time + review period."),
        Column("open_po_quantity", LONG, "All open PO units (ordered - accepted of OPEN and PARTIAL lines)."),
        Column("position", LONG, "Inventory position: on_hand + open_po_quantity_in_lead_time - reserved."),
        Column("demand_mean", DOUBLE, "mu_D: mean forecast units per day over the horizon."),
        Column(
            "demand_stddev", DOUBLE, "sigma_D: a day's demand spread around its forecast (1.25 x the forecast's MAE)."
        ),
        Column(
            "lead_time_mean_days",
            DOUBLE,
            "mu_L: the supplier's mean lead time (supplier_metrics, else its promised lead times).",
        ),
        Column(
            "lead_time_stddev_days", DOUBLE, "sigma_L: the supplier's lead-time standard deviation (0 while unknown)."
        ),
        Column("review_period_days", DOUBLE, "R: days between reviews."),
        Column("service_level", DOUBLE, "Target cycle service level."),
        Column("z", DOUBLE, "Standard normal quantile of the service level."),
        Column("safety_stock", DOUBLE, "z x sqrt(mu_L x sigma_D^2 + mu_D^2 x sigma_L^2)."),
        Column("reorder_point", DOUBLE, "mu_D x mu_L + safety_stock."),
        Column("order_up_to", DOUBLE, "mu_D x (mu_L + R) + safety_stock."),
        Column("forecast_model", STRING, "The model of the forecast the plan used (demand_forecast.model)."),
        Column("ingested_at", TIMESTAMP, "When the review wrote this row, UTC."),
    ),
)


REPLENISHMENT_DELIVERIES = define_table(
    "replenishment_deliveries",
    "The restock webhook's outbox: one row per replenishment suggestion the configured webhook "
    "(SUPPLYLAKE_DEMAND__RESTOCK_WEBHOOK_URL) accepted, in suggestion order; "
    "a suggestion without one is still to send.",
    time_column="delivered_at",
    key=("suggestion_id",),
    sort_by=("delivered_at",),
    columns=(
        Column("suggestion_id", STRING, "The suggestion sent (replenishment_suggestions.suggestion_id).", True),
        Column(
            "idempotency_key", STRING, "The Idempotency-Key header it was sent with (the same on every retry).", True
        ),
        Column("endpoint", STRING, "scheme://host[:port] of the webhook (never its path or credentials)."),
        Column("http_status", INT, "The status of the response that accepted it (2xx)."),
        Column("attempts", INT, "POSTs made until it was accepted, by the run that got the answer."),
        Column("delivered_at", TIMESTAMP, "When the webhook accepted it, UTC.", True),
    ),
)


PROJECTION_PLAN = "plan"
PROJECTION_BEFORE = "before"
PROJECTION_AFTER = "after"

PROJECTED_INVENTORY = define_table(
    "projected_inventory",
    "Projected stock per warehouse x SKU x day over the forecast horizon, end = start + inbound - outbound: "
    "from each daily review (scenario 'plan', reference = the suggestion-id form '<warehouseId>:<sku>@<day ms>') "
    "and, for each warehouse x SKU a disruption signal affects, without and with the signal (scenarios 'before' "
    "and 'after', reference = the signal's event_id; docs/demand.md, Disruption impact).",
    time_column="as_of",
    key=("reference", "scenario", "warehouse_id", "sku", "day"),
    sort_by=("warehouse_id", "sku", "as_of", "day"),
    columns=(
        Column("reference", STRING, "The review or the signal the projection was made for.", True),
        Column("scenario", STRING, "'plan' (daily review), 'before' or 'after' (a disruption signal).", True),
        Column("warehouse_id", STRING, "Warehouse.", True),
        Column("sku", STRING, "Stock keeping unit.", True),
        Column("as_of", TIMESTAMP, "Event time the stock and open lines are as of, UTC.", True),
        Column("day", TIMESTAMP, "The projected day (its start, UTC).", True),
        Column("start_units", DOUBLE, "Stock at the start of the day (the first day: available at as_of)."),
        Column("inbound_units", DOUBLE, "Open PO units expected that day."),
        Column("outbound_units", DOUBLE, "Forecast units that day."),
        Column("end_units", DOUBLE, "start_units + inbound_units - outbound_units."),
        Column("ingested_at", TIMESTAMP, "When the review or assessment wrote this row, UTC."),
    ),
)


DISRUPTION_IMPACTS = define_table(
    "disruption_impacts",
    "One row per disruption signal (supplier.leadtime.changed, port.closure, weather.alert) and warehouse x SKU "
    "with open PO lines it delays: "
    "the lines and their new expected arrival, the projected stock-out before and after, and the quantity and "
    "value at risk (docs/demand.md, Disruption impact). An alerting row raises one DISRUPTION_IMPACT.",
    time_column="signal_time",
    key=("signal_id", "warehouse_id", "sku"),
    sort_by=("signal_time", "warehouse_id", "sku"),
    columns=(
        Column("signal_id", STRING, "The signal's eventId.", True),
        Column("signal_type", STRING, "The signal's eventType.", True),
        Column("signal_time", TIMESTAMP, "The signal's event time: stock and open lines are as of it, UTC.", True),
        Column("supplier_id", STRING, "The supplier whose lead time changed (lead-time changes only)."),
        Column("port", STRING, "The closed port (port closures only)."),
        Column("region", STRING, "The region the signal names (port closures and weather alerts)."),
        Column("warehouse_id", STRING, "Warehouse.", True),
        Column("sku", STRING, "Stock keeping unit.", True),
        Column(
            "lines",
            STRING,
            "JSON list of the delayed open lines: po_id, quantity, due_before and due_after (epoch ms of the day; "
            "due_after null: held by a closure with no end yet).",
        ),
        Column("delayed_quantity", LONG, "Open units of the delayed lines."),
        Column("available", LONG, "Available stock (on hand - reserved) at signal_time."),
        Column("stockout_before", TIMESTAMP, "Projected stock-out day without the signal; null: none in the horizon."),
        Column("stockout_after", TIMESTAMP, "Projected stock-out day with the signal; null: none in the horizon."),
        Column("quantity_at_risk", DOUBLE, "Forecast units unserved within the horizon because of the signal."),
        Column("value_at_risk", DOUBLE, "quantity_at_risk x the delayed lines' mean unit cost."),
        Column("alerting", BOOLEAN, "The stock-out moves inside the horizon (a DISRUPTION_IMPACT alert)."),
        Column("assessed_at", TIMESTAMP, "When the assessment wrote this row, UTC."),
    ),
)
