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
        Column("revision", _I, "Revision of this event's level: 0 when applied, +1 each time an out-of-order event before it corrected it.", True),
        Column("is_current", _B, "True when, at the time it was written, this row was the level the warehouse×SKU stood at (what inventory_current shows)."),
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
        Column("dead_letter_id", _S, "Deterministic id from the source cluster/topic/partition/offset (supplylake.dead_letters).", True),
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

TABLES: tuple[TableSpec, ...] = (INVENTORY_EVENTS, INVENTORY_LEVELS, ALERTS, DEAD_LETTERS)
