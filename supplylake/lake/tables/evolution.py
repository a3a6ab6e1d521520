"""Creating tables and bringing existing ones in line with their spec (additive evolution only)."""

from __future__ import annotations

from collections.abc import Mapping

from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError, TableAlreadyExistsError
from pyiceberg.table import Table, TableProperties

from supplylake.lake.catalog import NAMESPACE
from supplylake.lake.errors import SchemaConflict
from supplylake.lake.tables.columns import Column
from supplylake.lake.tables.spec import TableSpec

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
