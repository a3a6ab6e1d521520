"""Real Iceberg tables in a temporary folder (pyiceberg SqlCatalog on SQLite) for query tests."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import Table
from pyiceberg.table.snapshots import Snapshot

from supplylake.lake.tables import INVENTORY_LEVELS as LEVELS_SPEC

NAMESPACE = "supplylake"
# SqlCatalog keeps tables per catalog name: every process opening this lake must use it.
CATALOG_NAME = "test"

# The real table's columns (unpartitioned here: the tests append with plain pyiceberg).
INVENTORY_LEVELS = LEVELS_SPEC.arrow_schema


class Lake:
    """A throwaway lake: catalog + helpers to create tables and commit rows."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = f"sqlite:///{root}/catalog.db"
        self.warehouse = f"file://{root}/warehouse"
        self.catalog = SqlCatalog(CATALOG_NAME, uri=self.uri, warehouse=self.warehouse)
        self.catalog.create_namespace(NAMESPACE)

    def create(self, name: str, schema: pa.Schema) -> Table:
        return self.catalog.create_table(f"{NAMESPACE}.{name}", schema)

    def append(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        properties: Mapping[str, str] | None = None,
    ) -> Snapshot:
        """Commit ``rows`` as one snapshot; waits until the clock moves past it so that the
        next snapshot gets a strictly later timestamp (time-travel tests rely on that)."""
        table = self.catalog.load_table(f"{NAMESPACE}.{name}")
        arrow_schema = table.schema().as_arrow()
        table.append(
            pa.Table.from_pylist(list(rows), schema=arrow_schema),
            snapshot_properties=dict(properties or {}),
        )
        snapshot = table.current_snapshot()
        assert snapshot is not None
        deadline = time.monotonic() + 5
        while time.time() * 1000 <= snapshot.timestamp_ms + 1:
            assert time.monotonic() < deadline, "the wall clock did not advance"
        return snapshot

    def table(self, name: str) -> Table:
        return self.catalog.load_table(f"{NAMESPACE}.{name}")
