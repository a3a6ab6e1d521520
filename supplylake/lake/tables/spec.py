"""TableSpec: the single description of a lake table, from which its Iceberg shapes are built.

A spec builds the Iceberg schema (with per-column docs, which DuckDB and other engines show),
the ``day(<time column>)`` partition spec and the Arrow schema the writer feeds. Event tables
get their columns from the contracts (:mod:`~supplylake.lake.tables.from_contracts`); every
other table lists its :class:`Column` s here through :func:`define_table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa
from pyiceberg.io.pyarrow import schema_to_pyarrow
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import NestedField, TimestamptzType

from supplylake.lake.catalog import NAMESPACE
from supplylake.lake.tables.arrow import rows_to_arrow
from supplylake.lake.tables.columns import SOURCE_COLUMNS, Column


@dataclass(frozen=True)
class TableSpec:
    """Everything the lake needs to know about one table (build with :func:`define_table`).

    ``key`` names the columns that identify a row (set as Iceberg identifier fields);
    ``sort_by`` is the order compaction writes rows in, so readers can skip row groups;
    ``latest_per_commit`` names the columns of a table of figures that change often (several
    times per checkpoint): of the rows one commit would write with the same values there, only
    the last is written, so the table gets at most one row per entity per checkpoint.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    time_column: str
    key: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = ()
    properties: Mapping[str, str] = field(default_factory=dict)
    latest_per_commit: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column names")
        by_name = {c.name: c for c in self.columns}
        time = by_name.get(self.time_column)
        if time is None or not isinstance(time.type, TimestamptzType):
            raise ValueError(f"{self.name}: time column {self.time_column!r} must be a timestamptz column")
        for name in (*self.key, *self.sort_by, *self.latest_per_commit):
            if name not in by_name:
                raise ValueError(f"{self.name}: unknown column {name!r} in key/sort_by/latest_per_commit")
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
        """Row dicts → Arrow table with exactly this spec's schema (see ``columns`` for timestamps)."""
        return rows_to_arrow(self, rows)

    def latest_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` as one commit writes them: with ``latest_per_commit``, only the last row of
        each entity (in the order those last rows came); otherwise all of them."""
        if not self.latest_per_commit or len(rows) < 2:
            return rows
        columns = self.latest_per_commit
        last = {tuple(row[column] for column in columns): index for index, row in enumerate(rows)}
        if len(last) == len(rows):
            return rows
        return [rows[index] for index in sorted(last.values())]


def define_table(
    name: str,
    description: str,
    *,
    time_column: str,
    columns: Iterable[Column],
    key: tuple[str, ...] = (),
    sort_by: tuple[str, ...] = (),
    properties: Mapping[str, str] | None = None,
    latest_per_commit: tuple[str, ...] = (),
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
        latest_per_commit=latest_per_commit,
    )
