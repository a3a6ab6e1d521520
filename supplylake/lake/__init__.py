"""The lake: exactly-once Iceberg tables written by the sink and read by DuckDB.

- :mod:`~supplylake.lake.catalog` opens the catalog (embedded SQLite or any configured one).
- :mod:`~supplylake.lake.tables` describes the tables and turns rows into Arrow.
- :mod:`~supplylake.lake.ledger` is the offsets ledger kept in the tables' snapshot summaries.
- :mod:`~supplylake.lake.writer` commits batches exactly once against that ledger.
- :mod:`~supplylake.lake.maintenance` compacts files and expires snapshots.
- :mod:`~supplylake.lake.datafiles` writes partitioned data files (no pyiceberg-core needed).
"""

from supplylake.lake.catalog import NAMESPACE, default_catalog_properties, open_catalog
from supplylake.lake.errors import (
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
    "DEAD_LETTERS",
    "INVENTORY_EVENTS",
    "INVENTORY_LEVELS",
    "LEDGER_PROPERTY",
    "MAX_CLUSTERS",
    "NAMESPACE",
    "TABLES",
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
