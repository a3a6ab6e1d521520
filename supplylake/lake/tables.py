"""The lake's tables: typed schemas, day partitions, docs, and how rows become Arrow.

A :class:`TableSpec` is the single description of a table. It builds the Iceberg schema (with
per-column docs, which DuckDB and other engines show), the ``day(<time column>)`` partition
spec and the Arrow schema the writer feeds. Add a table by calling :func:`define_table`; the
source columns every sink table needs are appended for you.

Timestamps: every ``*_at`` / ``*_time`` column is an Iceberg ``timestamptz`` (microseconds,
UTC). Row dicts give them as **epoch milliseconds (int)**, the unit Kafka and Quix use, which
converts column-wise without per-row Python objects. Timezone-aware ``datetime`` values are also
accepted (slower); naive ones are refused because their instant is ambiguous.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError, TableAlreadyExistsError
from pyiceberg.io.pyarrow import schema_to_pyarrow
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import Table, TableProperties
from pyiceberg.transforms import DayTransform
from pyiceberg.types import (
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    NestedField,
    PrimitiveType,
    StringType,
    TimestamptzType,
)

from supplylake.lake.catalog import NAMESPACE
from supplylake.lake.errors import InvalidBatch, SchemaConflict

SRC_TOPIC = "_src_topic"
SRC_PARTITION = "_src_partition"
SRC_OFFSET = "_src_offset"
SRC_CLUSTER = "_src_cluster"

#: Properties every sink table carries (existing tables are brought in line by ensure_table).
SINK_TABLE_PROPERTIES: Mapping[str, str] = {
    # pyiceberg's own retry rebases a conflicting append onto the new head without re-reading
    # the offsets ledger, which duplicates rows; the writer runs its own reload → re-filter loop.
    TableProperties.COMMIT_NUM_RETRIES: "0",
    # One commit a second would otherwise leave a metadata JSON per commit on disk forever.
    # Readers pin a metadata file, so keep a generous window of previous ones.
    TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED: "true",
    TableProperties.METADATA_PREVIOUS_VERSIONS_MAX: "100",
}


@dataclass(frozen=True)
class Column:
    """One column: name, Iceberg type, doc; ``required`` columns must never be null."""

    name: str
    type: PrimitiveType
    doc: str
    required: bool = False


SOURCE_COLUMNS: tuple[Column, ...] = (
    Column(SRC_TOPIC, StringType(), "Kafka topic of the source record this row was derived from.", required=True),
    Column(SRC_PARTITION, IntegerType(), "Kafka partition of the source record.", required=True),
    Column(
        SRC_OFFSET,
        LongType(),
        "Kafka offset of the source record; with topic and partition it is what the offsets ledger "
        "deduplicates on (rows at or below the committed offset are replays).",
        required=True,
    ),
    Column(
        SRC_CLUSTER,
        StringType(),
        "Cluster id of the broker the source record came from. The embedded broker gets a new one "
        "at every start (a new epoch), so offsets are only comparable within one cluster id.",
    ),
)


@dataclass(frozen=True)
class TableSpec:
    """Everything the lake needs to know about one table (build with :func:`define_table`).

    ``key`` names the columns that identify a row (set as Iceberg identifier fields);
    ``sort_by`` is the order compaction writes rows in, so readers can skip row groups.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    time_column: str
    key: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = ()
    properties: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column names")
        by_name = {c.name: c for c in self.columns}
        time = by_name.get(self.time_column)
        if time is None or not isinstance(time.type, TimestamptzType):
            raise ValueError(f"{self.name}: time column {self.time_column!r} must be a timestamptz column")
        for name in (*self.key, *self.sort_by):
            if name not in by_name:
                raise ValueError(f"{self.name}: unknown column {name!r} in key/sort_by")
        for name in self.key:
            if not by_name[name].required:
                raise ValueError(f"{self.name}: key column {name!r} must be required")

    @cached_property
    def schema(self) -> Schema:
        fields = [
            NestedField(field_id=i, name=c.name, field_type=c.type, required=c.required, doc=c.doc)
            for i, c in enumerate(self.columns, start=1)
        ]
        ids = {f.name: f.field_id for f in fields}
        return Schema(*fields, identifier_field_ids=[ids[name] for name in self.key])

    @cached_property
    def partition_spec(self) -> PartitionSpec:
        source_id = self.schema.find_field(self.time_column).field_id
        return PartitionSpec(
            PartitionField(source_id=source_id, field_id=1000, transform=DayTransform(), name=f"{self.time_column}_day")
        )

    @cached_property
    def arrow_schema(self) -> pa.Schema:
        return schema_to_pyarrow(self.schema, include_field_ids=False)

    @property
    def column_docs(self) -> dict[str, str]:
        return {c.name: c.doc for c in self.columns}

    def identifier(self, namespace: str = NAMESPACE) -> tuple[str, str]:
        return (namespace, self.name)

    def to_arrow(self, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        """Row dicts → Arrow table with exactly this spec's schema (see module doc for timestamps)."""
        return rows_to_arrow(self, rows)


def define_table(
    name: str,
    description: str,
    *,
    time_column: str,
    columns: Iterable[Column],
    key: tuple[str, ...] = (),
    sort_by: tuple[str, ...] = (),
    properties: Mapping[str, str] | None = None,
) -> TableSpec:
    """A sink table spec: ``columns`` followed by the source columns every sink table carries."""
    return TableSpec(
        name=name,
        description=description,
        columns=(*columns, *SOURCE_COLUMNS),
        time_column=time_column,
        key=key,
        sort_by=sort_by,
        properties=dict(properties or {}),
    )


# --- conversion ---------------------------------------------------------------------------------


def _timestamp_column(name: str, values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    try:
        millis = pa.array(values, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    else:
        return pc.multiply_checked(millis, 1000).cast(arrow_type)
    for value in values:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise InvalidBatch(
                f"column {name!r} got a naive datetime ({value.isoformat()})",
                hint="pass epoch milliseconds or a timezone-aware datetime",
            )
    try:
        return pa.array(values, arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidBatch(
            f"column {name!r} needs epoch milliseconds or aware datetimes: {exc}",
            hint="pass epoch milliseconds (int) or a timezone-aware datetime",
        ) from exc


def rows_to_arrow(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Build the Arrow table column by column; unknown keys and nulls in required columns are errors."""
    schema = spec.arrow_schema
    known = set(schema.names)
    seen: set[str] = set()
    for row in rows:
        seen.update(row.keys())
    if unknown := seen - known:
        raise InvalidBatch(f"{spec.name}: unknown columns {sorted(unknown)}", hint=f"columns are {schema.names}")
    arrays: list[pa.Array] = []
    for arrow_field in schema:
        values = [row.get(arrow_field.name) for row in rows]
        if pa.types.is_timestamp(arrow_field.type):
            array = _timestamp_column(arrow_field.name, values, arrow_field.type)
        else:
            try:
                array = pa.array(values, arrow_field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise InvalidBatch(f"{spec.name}.{arrow_field.name}: {exc}") from exc
        arrays.append(array)
    return conform_arrow(spec, pa.Table.from_arrays(arrays, schema=_nullable(schema)))


def _nullable(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])


def conform_arrow(spec: TableSpec, table: pa.Table) -> pa.Table:
    """Cast an Arrow table to the spec's schema: missing optional columns become nulls.

    Extra columns, missing required ones and nulls in required columns are :class:`InvalidBatch`.
    """
    target = spec.arrow_schema
    if extra := set(table.column_names) - set(target.names):
        raise InvalidBatch(f"{spec.name}: unknown columns {sorted(extra)}", hint=f"columns are {target.names}")
    arrays: list[pa.ChunkedArray | pa.Array] = []
    for arrow_field in target:
        if arrow_field.name not in table.column_names:
            if not arrow_field.nullable:
                raise InvalidBatch(f"{spec.name}: required column {arrow_field.name!r} is missing")
            arrays.append(pa.nulls(table.num_rows, arrow_field.type))
            continue
        column = table.column(arrow_field.name)
        if pa.types.is_timestamp(arrow_field.type):
            column = _as_timestamps(spec, arrow_field, column)
        if not arrow_field.nullable and column.null_count:
            raise InvalidBatch(f"{spec.name}: required column {arrow_field.name!r} has {column.null_count} null(s)")
        try:
            arrays.append(column.cast(arrow_field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InvalidBatch(
                f"{spec.name}.{arrow_field.name}: cannot cast {column.type} to {arrow_field.type}"
            ) from exc
    return pa.Table.from_arrays(arrays, schema=target)


def _as_timestamps(spec: TableSpec, arrow_field: pa.Field, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integers are epoch milliseconds (as in row dicts); zone-less timestamps are ambiguous."""
    if pa.types.is_integer(column.type):
        return pc.multiply_checked(column.cast(pa.int64()), 1000).cast(arrow_field.type)
    if pa.types.is_timestamp(column.type) and column.type.tz is None:
        raise InvalidBatch(
            f"{spec.name}.{arrow_field.name} is a timestamp without time zone",
            hint="give timestamps as UTC (timestamp with tz) or as epoch milliseconds",
        )
    return column


# --- creating and evolving tables ---------------------------------------------------------------


def ensure_table(catalog: Catalog, spec: TableSpec, *, namespace: str = NAMESPACE) -> Table:
    """Create the table if missing; otherwise add missing columns (as optional) and sink properties.

    Existing columns are never changed: a type that differs from the spec is a
    :class:`SchemaConflict`. Safe to call from several processes at once.
    """
    identifier = spec.identifier(namespace)
    properties = {**SINK_TABLE_PROPERTIES, "comment": spec.description, **spec.properties}
    for _ in range(5):
        try:
            table = catalog.load_table(identifier)
        except NoSuchTableError:
            try:
                return catalog.create_table(
                    identifier, schema=spec.schema, partition_spec=spec.partition_spec, properties=properties
                )
            except TableAlreadyExistsError:
                continue  # created by someone else meanwhile: evolve it like any existing table
        try:
            return _reconcile(table, spec, properties)
        except CommitFailedException:
            continue  # raced another ensure_table / writer: reload and look again
    raise SchemaConflict(
        f"could not bring table {'.'.join(identifier)} in line with its spec: it kept changing",
        hint="retry once the other writers have settled",
    )


def _reconcile(table: Table, spec: TableSpec, properties: Mapping[str, str]) -> Table:
    current = table.schema()
    missing: list[Column] = []
    for column in spec.columns:
        try:
            existing = current.find_field(column.name)
        except ValueError:
            missing.append(column)
            continue
        if existing.field_type != column.type:
            raise SchemaConflict(
                f"{spec.name}.{column.name} is {existing.field_type} in the table but {column.type} in the spec",
                hint="the lake only adds optional columns; migrate the column by hand (or rename it in the spec)",
            )
    stale = {k: v for k, v in properties.items() if table.properties.get(k) != v}
    if not missing and not stale:
        return table
    with table.transaction() as tx:
        if missing:
            with tx.update_schema() as update:
                for column in missing:
                    # Old rows have no value, so an added column can only be optional.
                    update.add_column(column.name, column.type, doc=column.doc, required=False)
        if stale:
            tx.set_properties(stale)
    return table


# --- the tables -----------------------------------------------------------------------------------

_S, _L, _I, _D, _B, _TS = StringType(), LongType(), IntegerType(), DoubleType(), BooleanType(), TimestamptzType()

INVENTORY_EVENTS = define_table(
    "inventory_events",
    "Every valid inventory event as received (one row per event; topic inventory-events).",
    time_column="event_time",
    key=("event_id",),
    sort_by=("warehouse_id", "sku", "event_time"),
    columns=(
        Column("event_id", _S, "Idempotency key (eventId; a hash of the payload when the producer sent none).", True),
        Column("event_type", _S, "Dotted event type, e.g. inventory.received.", True),
        Column("event_time", _TS, "Event time (timestamp field of the event), UTC.", True),
        Column("warehouse_id", _S, "Warehouse, e.g. WH-Dallas-01."),
        Column("sku", _S, "Stock keeping unit."),
        Column("quantity", _L, "Units; signed delta for inventory.adjusted, the counted level for inventory.counted."),
        Column("supplier_id", _S, "Supplier (receipts)."),
        Column("batch_id", _S, "Supplier batch / lot."),
        Column("po_id", _S, "Purchase order a receipt belongs to."),
        Column("order_id", _S, "Customer order a shipment or reservation belongs to."),
        Column("reason", _S, "Reason of an adjustment."),
        Column("unit_cost", _D, "Cost per unit in the company currency."),
        Column("is_late", _B, "True when the event arrived later than the allowed lateness (kept, flagged)."),
        Column("payload", _S, "The event exactly as received on the wire (JSON text)."),
        Column("ingested_at", _TS, "When the pipeline processed the event, UTC."),
    ),
)

INVENTORY_LEVELS = define_table(
    "inventory_levels",
    "Stock level per warehouse and SKU after each change, in event-time order (one row per revision).",
    time_column="event_time",
    key=("event_id", "revision"),
    sort_by=("warehouse_id", "sku", "revision"),
    columns=(
        Column("warehouse_id", _S, "Warehouse.", True),
        Column("sku", _S, "Stock keeping unit.", True),
        Column("on_hand", _L, "Units physically on hand."),
        Column("reserved", _L, "Units reserved for orders."),
        Column("available", _L, "Units available to promise (on_hand - reserved)."),
        Column("event_id", _S, "Event that caused this revision.", True),
        Column("event_time", _TS, "Event time of that event, UTC.", True),
        Column("is_late", _B, "True when the causing event was later than the allowed lateness."),
        Column(
            "revision",
            _I,
            "Revision of this event's level: 0 when applied, +1 each time an out-of-order event before it corrected it.",
            True,
        ),
        Column(
            "is_current",
            _B,
            "True when, at the time it was written, this row was the level the warehouse×SKU stood at (what inventory_current shows).",
        ),
        Column("ingested_at", _TS, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
    ),
)

ALERTS = define_table(
    "alerts",
    "Alerts raised by the pipelines (deduplicated, one per episode).",
    time_column="raised_at",
    key=("alert_id",),
    sort_by=("alert_type", "raised_at"),
    columns=(
        Column("alert_id", _S, "Deterministic id derived from the source event (replays give the same id).", True),
        Column("alert_type", _S, "low_stock, stock_out, late_shipment, cold_chain_breach, …", True),
        Column("entity_type", _S, "What the alert is about: stock, shipment, supplier, …"),
        Column("entity_id", _S, "Id of that entity (e.g. warehouseId:sku or a shipmentId)."),
        Column("warehouse_id", _S, "Warehouse, when the alert concerns one."),
        Column("sku", _S, "SKU, when the alert concerns one."),
        Column("raised_at", _TS, "Event time at which the alert condition started, UTC.", True),
        Column("details", _S, "Alert specifics as JSON text (thresholds, levels, temperatures…)."),
    ),
)

DEAD_LETTERS = define_table(
    "dead_letters",
    "Input that could not be processed, with the reason (mirror of the DLQ topics).",
    time_column="failed_at",
    key=("dead_letter_id",),
    sort_by=("source_topic", "source_partition", "source_offset"),
    columns=(
        Column(
            "dead_letter_id",
            _S,
            "Deterministic id from the source cluster/topic/partition/offset (supplylake.dead_letters).",
            True,
        ),
        Column("reason", _S, "Human-readable reason the record was rejected.", True),
        Column("error_code", _S, "Stable machine-readable error code.", True),
        Column("event_type", _S, "Event type, when it could be read."),
        Column("source_topic", _S, "Topic (or replayed file) the bad record came from.", True),
        Column("source_partition", _I, "Partition of the bad record.", True),
        Column("source_offset", _L, "Offset of the bad record.", True),
        Column("source_key", _S, "Message key of the bad record, if any."),
        Column("raw_value", _S, "The record's value: UTF-8 text, or base64 when it was not valid UTF-8."),
        Column("raw_encoding", _S, "How raw_value is encoded: utf-8 or base64.", True),
        Column("failed_at", _TS, "When the record was rejected, UTC.", True),
        Column("line_number", _L, "Line number, for records replayed from a file."),
    ),
)

# --- orders and shipments (pipelines/orders, pipelines/shipments; docs/shipments.md) -------------

ORDER_EVENTS = define_table(
    "order_events",
    "Every valid order lifecycle event as received (order.placed, warehouse.picking.*; topic order-events), once per eventId.",
    time_column="event_time",
    key=("event_id",),
    sort_by=("order_id", "event_time"),
    columns=(
        Column("event_id", _S, "Idempotency key (eventId; a hash of the payload when the producer sent none).", True),
        Column("event_type", _S, "order.placed, warehouse.picking.started or warehouse.picking.completed.", True),
        Column("event_time", _TS, "Event time (timestamp field of the event), UTC.", True),
        Column("order_id", _S, "Customer order.", True),
        Column("customer_id", _S, "Customer (order.placed)."),
        Column("region", _S, "Delivery region (order.placed)."),
        Column("warehouse_id", _S, "Fulfilling warehouse."),
        Column("promised_delivery", _TS, "Delivery promised to the customer (order.placed), UTC."),
        Column("line_count", _I, "Number of order lines (order.placed)."),
        Column("units", _L, "Units over all lines (order.placed)."),
        Column("order_value", _D, "Sum of quantity × unit price over the lines (order.placed)."),
        Column("lines", _S, "Order lines as JSON text: [{sku, quantity, unitPrice}] (order.placed)."),
        Column("payload", _S, "The event exactly as received on the wire (JSON text)."),
        Column("ingested_at", _TS, "When the pipeline processed the event, UTC."),
    ),
)

SHIPMENT_EVENTS = define_table(
    "shipment_events",
    "Every valid shipment status event as received (shipment.created and the carrier scans up to delivered; "
    "topic shipment-events), once per eventId. Telemetry is in shipment_telemetry.",
    time_column="event_time",
    key=("event_id",),
    sort_by=("shipment_id", "event_time"),
    columns=(
        Column("event_id", _S, "Idempotency key (eventId; a hash of the payload when the producer sent none).", True),
        Column(
            "event_type",
            _S,
            "shipment.created, carrier.picked_up, in.transit, out.for.delivery, delivery.attempted or delivered.",
            True,
        ),
        Column("event_time", _TS, "Event time (timestamp field of the event), UTC.", True),
        Column("shipment_id", _S, "Shipment.", True),
        Column("order_id", _S, "Order the shipment delivers (always on shipment.created, optional on scans)."),
        Column("carrier", _S, "Carrier."),
        Column("warehouse_id", _S, "Shipping warehouse (shipment.created)."),
        Column("category", _S, "GENERAL, PHARMA, FROZEN or FRESH (shipment.created)."),
        Column("expected_delivery", _TS, "Carrier's expected delivery (shipment.created), UTC."),
        Column("temperature_min", _D, "Lowest allowed cargo temperature in °C (explicit, or the PHARMA default 2)."),
        Column("temperature_max", _D, "Highest allowed cargo temperature in °C (explicit, or the PHARMA default 8)."),
        Column("lat", _D, "Latitude of the scan (location), or of the origin for shipment.created."),
        Column("lon", _D, "Longitude of the scan (location), or of the origin for shipment.created."),
        Column("note", _S, "Carrier note (e.g. why a delivery attempt failed)."),
        Column("payload", _S, "The event exactly as received on the wire (JSON text)."),
        Column("ingested_at", _TS, "When the pipeline processed the event, UTC."),
    ),
)

SHIPMENT_TELEMETRY = define_table(
    "shipment_telemetry",
    "Every valid shipment.telemetry reading (position, temperature, humidity), once per eventId, with what the "
    "pipeline made of it (in range, distance to the planned route).",
    time_column="event_time",
    key=("event_id",),
    sort_by=("shipment_id", "event_time"),
    columns=(
        Column("event_id", _S, "Idempotency key (eventId; a hash of the payload when the producer sent none).", True),
        Column("event_time", _TS, "Event time of the reading, UTC.", True),
        Column("shipment_id", _S, "Shipment.", True),
        Column("lat", _D, "Latitude.", True),
        Column("lon", _D, "Longitude.", True),
        Column("temperature", _D, "Cargo temperature in °C, when the sensor has one."),
        Column("humidity", _D, "Relative humidity in %, when the sensor has one."),
        Column(
            "temperature_in_range",
            _B,
            "False when outside the shipment's allowed range; null when there is no range (yet) or no temperature.",
        ),
        Column(
            "route_distance_km",
            _D,
            "Great-circle distance to the planned route in km; null without a planned route (yet) or for readings older than the last one.",
        ),
        Column("payload", _S, "The event exactly as received on the wire (JSON text)."),
        Column("ingested_at", _TS, "When the pipeline processed the reading, UTC."),
    ),
)

SHIPMENT_STATUS = define_table(
    "shipment_status",
    "Shipment state after each change (status, SLA, ETA, position, cold chain, route), one row per cause: a status "
    "event, a reading that changed something, or a deadline firing. shipment_current is the latest row per shipment.",
    time_column="event_time",
    key=("shipment_id", "cause_id"),
    sort_by=("shipment_id", "revision"),
    columns=(
        Column("shipment_id", _S, "Shipment.", True),
        Column("order_id", _S, "Order the shipment delivers."),
        Column("carrier", _S, "Carrier."),
        Column("category", _S, "Cargo category (GENERAL, PHARMA, FROZEN, FRESH)."),
        Column(
            "status",
            _S,
            "created, picked_up, in_transit, out_for_delivery, delivery_attempted or delivered: the status event with the latest event time (delivered is terminal).",
        ),
        Column("status_time", _TS, "Event time of that status, UTC."),
        Column("sla_state", _S, "ON_TRACK, AT_RISK, LATE, DELIVERED_ON_TIME or DELIVERED_LATE, judged on event time."),
        Column("expected_delivery", _TS, "Carrier's expected delivery, UTC."),
        Column(
            "eta",
            _TS,
            "Estimated delivery: from progress along the planned route, else the expected delivery (or the shipment's clock once overdue), UTC.",
        ),
        Column("delivered_at", _TS, "Earliest delivered event time, UTC."),
        Column("late_by_ms", _L, "delivered_at - expected_delivery in ms once delivered (negative = early)."),
        Column("last_lat", _D, "Last known latitude (scan or telemetry, by event time)."),
        Column("last_lon", _D, "Last known longitude."),
        Column("position_at", _TS, "Event time of the last known position, UTC."),
        Column("last_scan_at", _TS, "Event time of the last carrier scan (picked up … delivery attempted), UTC."),
        Column(
            "dwell_ms",
            _S,
            "Time spent per status up to delivery, JSON text {status: ms} (the current status's open dwell is not included).",
        ),
        Column(
            "temperature_breach",
            _B,
            "True while a cold-chain breach is open (TEMPERATURE_BREACH raised, not recovered).",
        ),
        Column("off_route", _B, "True while the shipment is farther than the threshold from its planned route."),
        Column("cause", _S, "What produced this row: an event type, or deadline:<KIND> when a deadline fired.", True),
        Column("cause_id", _S, "The causing event's eventId, or the deadline firing's id (<timer id>@<due ms>).", True),
        Column("event_time", _TS, "Event time of the cause (the event's time, or the deadline), UTC.", True),
        Column(
            "revision",
            _L,
            "Per-shipment counter of rows within one broker epoch (orders rows with equal ingested_at).",
            True,
        ),
        Column("ingested_at", _TS, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
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
        Column("order_id", _S, "Customer order.", True),
        Column(
            "stage",
            _S,
            "placed, picking_started, picking_completed, shipment_created, picked_up, in_transit, out_for_delivery, delivery_attempted or delivered: the stage of the event with the latest event time (delivered is terminal).",
        ),
        Column("stage_time", _TS, "Event time of that stage, UTC."),
        Column("customer_id", _S, "Customer."),
        Column("region", _S, "Delivery region."),
        Column("warehouse_id", _S, "Fulfilling warehouse."),
        Column("shipment_id", _S, "The order's shipment (the first, when split)."),
        Column("shipment_ids", _S, "All shipments seen for the order, comma separated."),
        Column("promised_delivery", _TS, "Delivery promised to the customer, UTC."),
        Column("placed_at", _TS, "order.placed, UTC."),
        Column("picking_started_at", _TS, "warehouse.picking.started (earliest), UTC."),
        Column("picking_completed_at", _TS, "warehouse.picking.completed (earliest), UTC."),
        Column("shipped_at", _TS, "shipment.created (earliest), UTC."),
        Column("picked_up_at", _TS, "carrier.picked_up (earliest), UTC."),
        Column("out_for_delivery_at", _TS, "out.for.delivery (earliest), UTC."),
        Column("delivered_at", _TS, "Actual delivery: earliest delivered event time, UTC."),
        Column("delivery_delta_ms", _L, "delivered_at - promised_delivery in ms (negative = early, positive = late)."),
        Column("is_late", _B, "True when delivered after the promise; null while not delivered."),
        Column("anomalies", _I, "Stages stamped later than delivery + the allowed skew (SEQUENCE_ANOMALY)."),
        Column("anomaly_stages", _S, "Those stages, comma separated."),
        Column("event_id", _S, "Event that produced this row.", True),
        Column("event_type", _S, "Its type.", True),
        Column("event_time", _TS, "Its event time, UTC.", True),
        Column("revision", _L, "Per-order counter of rows within one broker epoch.", True),
        Column("ingested_at", _TS, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
    ),
)

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
)
