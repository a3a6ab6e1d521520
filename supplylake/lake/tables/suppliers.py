"""Tables of the supplier pipeline: supplier events, PO line facts, unmatched receipts, supplier metrics.

The PO line columns are the keys of :func:`~supplylake.pipelines.suppliers.po_lines.line_fact`
(:data:`~supplylake.pipelines.suppliers.po_lines.LINE_FACT_COLUMNS`, checked by a unit test), the
metrics columns the fields of :class:`~supplylake.pipelines.suppliers.metrics.SupplierMetrics`;
the definitions behind them are documented in ``docs/SUPPLIERS.md``.
"""

from __future__ import annotations

from supplylake.contracts import suppliers
from supplylake.lake.tables.columns import BOOLEAN, DOUBLE, INT, LONG, STRING, TIMESTAMP, Column
from supplylake.lake.tables.from_contracts import EVENT_ID, EVENT_TIME, EVENT_TYPE, INGESTED_AT, PAYLOAD, event_table
from supplylake.lake.tables.spec import define_table

SUPPLIER_EVENTS = event_table(
    "supplier_events",
    "Every valid supplier event as received (po.created, asn.sent, quality.rejected, supplier.leadtime.changed; "
    "topic supplier-events), once per eventId.",
    contracts=suppliers.MODELS,
    sort_by=("supplier_id", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TYPE,
        EVENT_TIME,
        "supplier_id",
        "po_id",
        "warehouse_id",
        "sku",
        "quantity",
        "reason",
        "asn_id",
        "promised_date",
        "expected_arrival",
        "previous_lead_time_days",
        "new_lead_time_days",
        "lines",
        PAYLOAD,
        INGESTED_AT,
        # Added later: an existing table gets them as optional columns at its end.
        "port",
        "warehouse_region",
    ),
)

PO_LINES = define_table(
    "po_lines",
    "A purchase order line after each change (its po.created, a receipt, an ASN, a rejection, a deadline): "
    "quantities, status, OTIF, fill rate, lead time. po_line_current is the latest row per line.",
    time_column="changed_at",
    key=("po_id", "sku", "cause_id"),
    sort_by=("po_id", "sku", "revision"),
    columns=(
        Column("po_id", STRING, "Purchase order.", True),
        Column("sku", STRING, "Stock keeping unit (one line per SKU of the PO).", True),
        Column("supplier_id", STRING, "Supplier."),
        Column("warehouse_id", STRING, "Warehouse the goods are ordered for."),
        Column("ordered_qty", LONG, "Units ordered (lines of the same SKU added)."),
        Column("unit_cost", DOUBLE, "Agreed cost per unit (quantity-weighted over lines of the same SKU)."),
        Column("po_created_at", TIMESTAMP, "Event time of the po.created, UTC."),
        Column("promised_at", TIMESTAMP, "Delivery date the supplier promised, UTC."),
        Column("due_at", TIMESTAMP, "promised_at + the late tolerance, UTC."),
        Column("asn_expected_at", TIMESTAMP, "Expected arrival of the latest ASN listing the line, UTC."),
        Column("received_qty", LONG, "Units received (sum of the receipts)."),
        Column("rejected_qty", LONG, "Units rejected at inspection."),
        Column("accepted_qty", LONG, "received - rejected (never below 0)."),
        Column("first_receipt_at", TIMESTAMP, "First receipt, UTC."),
        Column("last_receipt_at", TIMESTAMP, "Latest receipt, UTC."),
        Column("status", STRING, "OPEN, PARTIAL, RECEIVED, OVER or SHORT_CLOSED."),
        Column("on_time", BOOLEAN, "The completing (or last) receipt was at or before due; null until decided."),
        Column("in_full", BOOLEAN, "accepted >= ordered x (1 - quantity tolerance); null until decided."),
        Column("otif", INT, "1 when in full by due, else 0; decided at due (or once in full), then frozen."),
        Column("lead_time_days", DOUBLE, "First receipt - po.created, in days."),
        Column("fill_rate", DOUBLE, "min(accepted, ordered) / ordered."),
        Column("definition_version", STRING, "The definitions (SUPPLYLAKE_SUPPLIERS__*) the row was computed by."),
        Column("cause", STRING, "An event type, or deadline (due, due + grace, a hold expiring).", True),
        Column("cause_id", STRING, "The event id, or po:<poId>@<deadline in epoch ms>.", True),
        Column("changed_at", TIMESTAMP, "Event time of the cause, UTC.", True),
        Column("revision", LONG, "Per-PO counter of rows within one broker epoch.", True),
        Column("is_current", BOOLEAN, "Always true: every row is the line's latest when written (as the view reads)."),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
    ),
)

UNMATCHED_RECEIPTS = define_table(
    "unmatched_receipts",
    "Receipts, rejections and ASN lines that match no PO line: the SKU is not on the PO, or no po.created "
    "arrived within the hold (reason). Still valid stock movements, so not dead letters.",
    time_column="event_time",
    key=("event_id", "sku", "reason"),
    sort_by=("po_id", "event_time"),
    columns=(
        Column("event_id", STRING, "The receipt, rejection or ASN.", True),
        Column("event_type", STRING, "inventory.received, quality.rejected or asn.sent.", True),
        Column("event_time", TIMESTAMP, "Its event time, UTC.", True),
        Column("po_id", STRING, "The PO it names.", True),
        Column("sku", STRING, "Stock keeping unit (an ASN gives a row per line).", True),
        Column("quantity", LONG, "Units."),
        Column("supplier_id", STRING, "Supplier."),
        Column("warehouse_id", STRING, "Warehouse."),
        Column("reason", STRING, "sku_not_on_po, no_po_within_hold or hold_full.", True),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC."),
    ),
)

SUPPLIER_METRICS = define_table(
    "supplier_metrics",
    "Supplier performance per supplier (sku null) and per supplier x SKU, over the lines due in the trailing "
    "window ('30d') and over all time ('all'), at a cut-off in event time (as_of): a row whenever the figures "
    "change, at most one per supplier (x SKU) and window per checkpoint. supplier_current is the latest "
    "supplier row per window.",
    time_column="as_of",
    sort_by=("supplier_id", "window", "revision"),
    latest_per_commit=("supplier_id", "sku", "window"),
    columns=(
        Column("supplier_id", STRING, "Supplier.", True),
        Column("sku", STRING, "Stock keeping unit; null on the supplier's own rows."),
        Column("window", STRING, "'30d' (trailing window of event time) or 'all'.", True),
        Column("as_of", TIMESTAMP, "The cut-off: latest event time the supplier's lines were judged at, UTC.", True),
        Column("window_start", TIMESTAMP, "Exclusive start of the trailing window (null for 'all'), UTC."),
        Column("lines_due", LONG, "PO lines due in the window (due_at <= as_of)."),
        Column("otif_rate", DOUBLE, "Mean OTIF of the due lines where decided; null with none (no data)."),
        Column("on_time_rate", DOUBLE, "Mean on_time of the due lines where decided; null with none."),
        Column("in_full_rate", DOUBLE, "Mean in_full of the due lines where decided; null with none."),
        Column("fill_rate", DOUBLE, "Quantity-weighted: sum(min(accepted, ordered)) / sum(ordered); null with none."),
        Column("defect_rate", DOUBLE, "sum(rejected) / sum(received) over the due lines; null when none received."),
        Column("lead_time_mean_days", DOUBLE, "Mean lead time of the due lines with a receipt."),
        Column("lead_time_p90_days", DOUBLE, "90th percentile lead time (linear interpolation, quantile_cont)."),
        Column("lead_time_stddev_days", DOUBLE, "Sample standard deviation of the lead time (null below 2 lines)."),
        Column("open_lines", LONG, "Lines in the window or not due yet whose status is not RECEIVED or OVER."),
        Column("late_open_lines", LONG, "Of those, the lines already past due."),
        Column("spend", DOUBLE, "sum(accepted x unit cost) over the due lines."),
        Column(
            "revision",
            LONG,
            "Per-supplier counter of figure changes within one broker epoch (increasing; gaps where "
            "a checkpoint kept only its last row).",
            True,
        ),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
    ),
)
