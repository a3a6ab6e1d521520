"""What the lake holds, read through the query package (DuckDB over the Iceberg tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import TABLES, EventTableSpec
from supplylake.query import LakeReader, run_query
from supplylake.settings import Settings, load_settings

SOURCE = "_src_topic, _src_partition, _src_offset"


class Lake:
    def __init__(self, data_dir: Path) -> None:
        self.settings: Settings = load_settings(data_dir=data_dir)
        self.catalog = catalog_for(self.settings)

    def tables(self) -> list[str]:
        namespace = self.settings.catalog.namespace
        try:
            return sorted(name for _, name in self.catalog.list_tables(namespace))
        except Exception:  # no namespace yet: nothing was ever written
            return []

    def sql(self, query: str) -> list[dict[str, Any]]:
        result = run_query(LakeReader(self.catalog), query)
        return [dict(zip(result.columns, row, strict=True)) for row in result.rows]

    def columns(self, table: str) -> list[str]:
        schema = self.catalog.load_table((self.settings.catalog.namespace, table)).schema()
        return [f.name for f in schema.fields]

    def schema_changes(self) -> list[str]:
        """Tables whose Iceberg schema differs from its definition (names, ids, types, required)."""
        changed = []
        for spec in TABLES:
            if spec.name not in self.tables():
                continue
            actual = self.catalog.load_table((self.settings.catalog.namespace, spec.name)).schema()

            def shape(schema: Any) -> list[tuple[int, str, str, bool]]:
                return [(f.field_id, f.name, str(f.field_type), f.required) for f in schema.fields]

            if shape(actual) != shape(spec.schema):
                changed.append(spec.name)
        return changed


def event_table_of() -> dict[str, str]:
    """Event type -> the event table its accepted events land in (from the table definitions): the
    first that stores the type (the demand pipeline's consumption_events also stores
    inventory.shipped, which lands in inventory_events first)."""
    from supplylake.contracts.registry import event_type_of

    tables: dict[str, str] = {}
    for spec in TABLES:
        if isinstance(spec, EventTableSpec):
            for model in spec.contracts:
                tables.setdefault(event_type_of(model), spec.name)
    return tables
