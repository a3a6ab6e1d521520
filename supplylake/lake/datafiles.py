"""Write Arrow rows as Iceberg data files, partitioned without ``pyiceberg-core``.

pyiceberg 0.12 computes time partition transforms (``day(event_time)`` and friends) through the
optional Rust package ``pyiceberg-core``; without it every write to a day-partitioned table fails
with ``NotInstalledError``. That package is not part of our environment, so this module computes
the identity/year/month/day/hour transforms with pyarrow compute and hands pyiceberg ready-made
partition keys. Everything after that (Parquet writing, column statistics, file naming) is
pyiceberg's own ``write_file``, the same code ``Table.append`` runs.

The result is a list of ``DataFile`` for a snapshot producer
(``transaction.update_snapshot(...).fast_append()`` / ``.overwrite()``), which lets the writer
and the compactor control exactly which snapshot the files land in.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import operator
import uuid
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.io import FileIO
from pyiceberg.io.pyarrow import (
    _check_pyarrow_schema_compatible,
    bin_pack_arrow_table,
    pyarrow_to_schema,
    write_file,
)
from pyiceberg.manifest import DataFile
from pyiceberg.partitioning import PartitionFieldValue, PartitionKey, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import TableProperties, WriteTask
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.transforms import (
    DayTransform,
    HourTransform,
    IdentityTransform,
    MonthTransform,
    Transform,
    YearTransform,
)
from pyiceberg.types import DateType, IcebergType, TimestampType, TimestamptzType
from pyiceberg.utils.properties import property_as_int

_MICROS_PER_HOUR = 3_600_000_000


def _floor_div(values: pa.Array, divisor: int) -> pa.Array:
    """Integer floor division (pyarrow's integer ``divide`` truncates towards zero)."""
    quotient = pc.divide(values, divisor)
    inexact_negative = pc.and_(pc.less(values, 0), pc.not_equal(pc.multiply(quotient, divisor), values))
    return pc.subtract(quotient, pc.cast(inexact_negative, values.type))


def _as_utc_timestamp(values: pa.Array) -> pa.Array:
    """View a timestamp/date column as naive UTC microseconds, so calendar functions mean UTC."""
    if pa.types.is_date(values.type):
        return pc.cast(values, pa.timestamp("us"))
    # Dropping the zone keeps the stored UTC instant (no local-time conversion).
    return pc.cast(values, pa.timestamp("us", tz=values.type.tz)).cast(pa.timestamp("us"))


def _day(values: pa.Array) -> pa.Array:
    return pc.cast(pc.cast(_as_utc_timestamp(values), pa.date32()), pa.int32())


def _hour(values: pa.Array) -> pa.Array:
    micros = pc.cast(_as_utc_timestamp(values), pa.int64())
    return pc.cast(_floor_div(micros, _MICROS_PER_HOUR), pa.int32())


def _month(values: pa.Array) -> pa.Array:
    ts = _as_utc_timestamp(values)
    months = pc.add(pc.multiply(pc.subtract(pc.year(ts), 1970), 12), pc.subtract(pc.month(ts), 1))
    return pc.cast(months, pa.int32())


def _year(values: pa.Array) -> pa.Array:
    return pc.cast(pc.subtract(pc.year(_as_utc_timestamp(values)), 1970), pa.int32())


_TIME_TRANSFORMS: dict[type[Transform], Callable[[pa.Array], pa.Array]] = {
    YearTransform: _year,
    MonthTransform: _month,
    DayTransform: _day,
    HourTransform: _hour,
}


def transform_array(
    transform: Transform,
    source_type: IcebergType,
    values: pa.Array,
) -> pa.Array:
    """Apply an Iceberg partition transform to an Arrow column (same values as the Iceberg spec)."""
    if isinstance(transform, IdentityTransform):
        return values
    fn = _TIME_TRANSFORMS.get(type(transform))
    if fn is None or not isinstance(source_type, (DateType, TimestampType, TimestamptzType)):
        raise NotImplementedError(
            f"partition transform {transform} on {source_type} is not supported without pyiceberg-core; "
            "use identity, year, month, day or hour on a date/timestamp column"
        )
    if isinstance(transform, HourTransform) and isinstance(source_type, DateType):
        raise NotImplementedError("hour transform on a date column")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return fn(values)


def _split_by_partition(spec: PartitionSpec, schema: Schema, df: pa.Table) -> list[tuple[PartitionKey, pa.Table]]:
    key_columns: list[pa.Array] = []
    for field in spec.fields:
        source = schema.find_field(field.source_id)
        key_columns.append(transform_array(field.transform, source.field_type, df.column(source.name)))
    names = [f"_partition_{i}" for i in range(len(key_columns))]
    keys = pa.table(dict(zip(names, key_columns, strict=True)))
    uniques = keys.group_by(names).aggregate([]).to_pylist()

    def key_of(unique: dict[str, object]) -> PartitionKey:
        return PartitionKey(
            field_values=[
                PartitionFieldValue(field=field, value=unique[name])
                for field, name in zip(spec.fields, names, strict=True)
            ],
            partition_spec=spec,
            schema=schema,
        )

    if len(uniques) == 1:  # the usual streaming batch: one day, nothing to split
        return [(key_of(uniques[0]), df)]
    with_keys = df
    for name in names:
        with_keys = with_keys.append_column(name, keys.column(name))
    parts: list[tuple[PartitionKey, pa.Table]] = []
    for unique in uniques:
        mask = functools.reduce(
            operator.and_,
            [pc.field(name).is_null() if unique[name] is None else pc.field(name) == unique[name] for name in names],
        )
        parts.append((key_of(unique), with_keys.filter(mask).drop_columns(names).combine_chunks()))
    return parts


def write_data_files(
    metadata: TableMetadata,
    io: FileIO,
    df: pa.Table,
    *,
    target_file_size_bytes: int | None = None,
) -> list[DataFile]:
    """Write ``df`` as Parquet data files for the table described by ``metadata``.

    Files are split by the table's current partition spec and bin-packed to
    ``target_file_size_bytes`` of in-memory Arrow data (default: the table's
    ``write.target-file-size-bytes``). The files are not part of the table until a snapshot
    producer commits them; on a failed commit the caller deletes them.
    """
    if df.num_rows == 0:
        return []
    schema = metadata.schema()
    _check_pyarrow_schema_compatible(
        schema, provided_schema=df.schema, downcast_ns_timestamp_to_us=False, format_version=metadata.format_version
    )
    task_schema = pyarrow_to_schema(df.schema, name_mapping=schema.name_mapping, format_version=metadata.format_version)
    target = target_file_size_bytes or property_as_int(
        metadata.properties,
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT,
    )
    if target is None:  # unreachable with a default, but property_as_int is typed Optional
        target = TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT
    write_uuid = uuid.uuid4()
    counter = itertools.count(0)
    spec = metadata.spec()
    if spec.is_unpartitioned():
        tasks = [
            WriteTask(write_uuid=write_uuid, task_id=next(counter), schema=task_schema, record_batches=batches)
            for batches in bin_pack_arrow_table(df, target)
        ]
    else:
        tasks = [
            WriteTask(
                write_uuid=write_uuid,
                task_id=next(counter),
                schema=task_schema,
                record_batches=batches,
                partition_key=key,
            )
            for key, part in _split_by_partition(spec, schema, df)
            for batches in bin_pack_arrow_table(part, target)
        ]
    return list(write_file(io=io, table_metadata=metadata, tasks=iter(tasks)))


def delete_files_quietly(io: FileIO, paths: list[str]) -> None:
    """Best-effort removal of files no snapshot references (a lost race's output)."""
    for path in paths:
        # An orphan left behind costs disk, not correctness.
        with contextlib.suppress(OSError):
            io.delete(path)
