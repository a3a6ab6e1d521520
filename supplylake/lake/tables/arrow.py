"""Row dicts and Arrow tables → Arrow tables with exactly a spec's schema.

Timestamp columns take epoch milliseconds (int), the unit Kafka and Quix use, which converts
column-wise without per-row Python objects. Timezone-aware ``datetime`` values are also accepted
(slower); naive ones are refused because their instant is ambiguous.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from supplylake.lake.errors import InvalidBatch


class ArrowTarget(Protocol):
    """What conversion needs of a table (a :class:`~supplylake.lake.tables.spec.TableSpec` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def arrow_schema(self) -> pa.Schema: ...


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


def rows_to_arrow(spec: ArrowTarget, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Build the Arrow table; unknown keys and nulls in required columns are errors.

    Arrow converts the rows in one call (``Table.from_pylist``, about three times faster than a
    Python list per column); timestamp columns, which take epoch milliseconds or aware
    datetimes, are built on their own. When Arrow refuses a value, the batch is built again
    column by column to say which column is wrong.
    """
    schema = spec.arrow_schema
    known = set(schema.names)
    seen: set[str] = set()
    for row in rows:
        seen.update(row.keys())
    if unknown := seen - known:
        raise InvalidBatch(f"{spec.name}: unknown columns {sorted(unknown)}", hint=f"columns are {schema.names}")
    plain, stamps = _split_timestamps(schema)
    try:
        table = pa.Table.from_pylist(list(rows), schema=plain)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _rows_to_arrow_by_column(spec, rows)
    for arrow_field in stamps:
        values = [row.get(arrow_field.name) for row in rows]
        table = table.append_column(
            arrow_field.with_nullable(True), _timestamp_column(arrow_field.name, values, arrow_field.type)
        )
    return conform_arrow(spec, table.select(schema.names))


@functools.cache
def _split_timestamps(schema: pa.Schema) -> tuple[pa.Schema, tuple[pa.Field, ...]]:
    """The schema's non-timestamp columns (nullable: conform_arrow checks required ones), and its timestamp fields."""
    stamps = tuple(f for f in schema if pa.types.is_timestamp(f.type))
    return pa.schema([f.with_nullable(True) for f in schema if f not in stamps]), stamps


def _rows_to_arrow_by_column(spec: ArrowTarget, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    schema = spec.arrow_schema
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


def conform_arrow(spec: ArrowTarget, table: pa.Table) -> pa.Table:
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


def _as_timestamps(spec: ArrowTarget, arrow_field: pa.Field, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integers are epoch milliseconds (as in row dicts); zone-less timestamps are ambiguous."""
    if pa.types.is_integer(column.type):
        return pc.multiply_checked(column.cast(pa.int64()), 1000).cast(arrow_field.type)
    if pa.types.is_timestamp(column.type) and column.type.tz is None:
        raise InvalidBatch(
            f"{spec.name}.{arrow_field.name} is a timestamp without time zone",
            hint="give timestamps as UTC (timestamp with tz) or as epoch milliseconds",
        )
    return column
