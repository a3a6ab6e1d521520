"""The embedded lake's SQL catalog, parsing each table metadata file once per process.

pyiceberg's ``SqlCatalog`` reads and parses the current metadata JSON on every ``load_table``, and
``commit_table`` loads the table again before it commits. The file grows with the retained
snapshots (each carries the offsets ledger in its summary), so at demo rates a pipeline spent
much of its CPU parsing the same few files (py-spy profile of a live demo, issue 8). A metadata
file never changes once written (a commit writes a new one), so the parsed metadata is kept by
location: parsed when first read, and taken from the commit response for the files this process
writes itself.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
from pyiceberg.exceptions import NamespaceAlreadyExistsError
from pyiceberg.table import CommitTableResponse, Table
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.table.update import TableRequirement, TableUpdate
from pyiceberg.typedef import EMPTY_DICT, Identifier, Properties
from sqlalchemy.exc import IntegrityError

#: Parsed metadata files kept per process (a pipeline writes a handful of tables).
CACHED_METADATA_FILES = 32


class MetadataCachingSqlCatalog(SqlCatalog):
    """``SqlCatalog`` with parsed metadata files kept by location (they are immutable)."""

    def __init__(self, name: str, **properties: str) -> None:
        super().__init__(name, **properties)
        self._parsed: OrderedDict[str, TableMetadata] = OrderedDict()

    def _convert_orm_to_iceberg(self, orm_table: IcebergTables) -> Table:
        location = orm_table.metadata_location
        metadata = self._parsed.get(location) if location else None
        if location is None or metadata is None or not orm_table.table_namespace or not orm_table.table_name:
            table = super()._convert_orm_to_iceberg(orm_table)
            self._remember(table.metadata_location, table.metadata)
            return table
        self._parsed.move_to_end(location)
        return Table(
            identifier=(*Catalog.identifier_to_tuple(orm_table.table_namespace), orm_table.table_name),
            metadata=metadata,
            metadata_location=location,
            io=self._load_file_io(metadata.properties, location),
            catalog=self,
        )

    def create_namespace(self, namespace: str | Identifier, properties: Properties = EMPTY_DICT) -> None:
        """Two processes creating the same namespace at once: the loser's insert hits the unique
        key after its existence check passed; that is "already exists", not a failure (found by
        two pipeline instances starting together, `python -m chaos maintenance_race`)."""
        try:
            super().create_namespace(namespace, properties)
        except IntegrityError as exc:
            raise NamespaceAlreadyExistsError(f"namespace {namespace} already exists") from exc

    def commit_table(
        self, table: Table, requirements: tuple[TableRequirement, ...], updates: tuple[TableUpdate, ...]
    ) -> CommitTableResponse:
        response = super().commit_table(table, requirements, updates)
        self._remember(response.metadata_location, response.metadata)
        return response

    def _remember(self, location: str | None, metadata: TableMetadata) -> None:
        if not location:
            return
        self._parsed[location] = metadata
        self._parsed.move_to_end(location)
        while len(self._parsed) > CACHED_METADATA_FILES:
            self._parsed.popitem(last=False)


def is_plain_sql_catalog(properties: dict[str, Any]) -> bool:
    """Whether ``properties`` ask for pyiceberg's own SqlCatalog (no custom implementation)."""
    return properties.get("type") == "sql" and "py-catalog-impl" not in properties
