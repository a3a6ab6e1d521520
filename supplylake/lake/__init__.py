"""The lake: exactly-once Iceberg tables written by the sink and read by DuckDB.

- :mod:`~supplylake.lake.catalog` opens the catalog (embedded SQLite or any configured one).
- :mod:`~supplylake.lake.snapshot_properties` names the keys written into snapshot summaries.
- :mod:`~supplylake.lake.tables` describes the tables and turns rows into Arrow.
- :mod:`~supplylake.lake.ledger` is the offsets ledger kept in the tables' snapshot summaries.
- :mod:`~supplylake.lake.writer` commits batches exactly once against that ledger.
- :mod:`~supplylake.lake.maintenance` compacts files and expires snapshots.
- :mod:`~supplylake.lake.datafiles` writes partitioned data files (no pyiceberg-core needed).
- :mod:`~supplylake.lake.sink` is the Quix Streams sink; it is the only module here that imports
  Quix, and this package does not import it (readers of the lake never load stream processing).
"""

from supplylake.lake.catalog import NAMESPACE, catalog_for, default_catalog_properties, open_catalog
from supplylake.lake.errors import (
    CatalogUnavailable,
    CommitConflict,
    InvalidBatch,
    LakeError,
    LedgerAheadOfLog,
    LedgerCorrupt,
    SchemaConflict,
    TableReplaced,
)
from supplylake.lake.ledger import LEDGER_PROPERTY, MAX_CLUSTERS, Ledger, check_ledger_not_ahead, read_ledger
from supplylake.lake.maintenance import (
    MaintenanceHooks,
    MaintenancePolicy,
    MaintenanceReport,
    maintain,
    should_maintain,
    snapshots_to_expire,
)
from supplylake.lake.snapshot_properties import (
    COMMITTED_AT_PROPERTY,
    MAINTENANCE_PROPERTY,
    MAX_EVENT_TIME_PROPERTY,
)
from supplylake.lake.tables import (
    ALERTS,
    DEAD_LETTERS,
    INVENTORY_EVENTS,
    INVENTORY_LEVELS,
    TABLES,
    Column,
    TableSpec,
    define_table,
    ensure_table,
    rows_to_arrow,
)
from supplylake.lake.writer import CommitAttempt, CommitHooks, CommitResult, ExactlyOnceWriter

__all__ = [
    "ALERTS",
    "COMMITTED_AT_PROPERTY",
    "DEAD_LETTERS",
    "INVENTORY_EVENTS",
    "INVENTORY_LEVELS",
    "LEDGER_PROPERTY",
    "MAINTENANCE_PROPERTY",
    "MAX_CLUSTERS",
    "MAX_EVENT_TIME_PROPERTY",
    "NAMESPACE",
    "TABLES",
    "CatalogUnavailable",
    "Column",
    "CommitAttempt",
    "CommitConflict",
    "CommitHooks",
    "CommitResult",
    "ExactlyOnceWriter",
    "InvalidBatch",
    "LakeError",
    "Ledger",
    "LedgerAheadOfLog",
    "LedgerCorrupt",
    "MaintenanceHooks",
    "MaintenancePolicy",
    "MaintenanceReport",
    "SchemaConflict",
    "TableReplaced",
    "TableSpec",
    "catalog_for",
    "check_ledger_not_ahead",
    "default_catalog_properties",
    "define_table",
    "ensure_table",
    "maintain",
    "open_catalog",
    "read_ledger",
    "rows_to_arrow",
    "should_maintain",
    "snapshots_to_expire",
]
