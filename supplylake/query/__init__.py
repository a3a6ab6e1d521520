"""SQL over the lake: DuckDB views pinned to Iceberg snapshots, and a read-only query runner."""

from supplylake.query.errors import (
    ExtensionUnavailable,
    NoSnapshotAtTime,
    NotAQuery,
    QueryError,
    UnknownTable,
)
from supplylake.query.formats import FORMATS, render
from supplylake.query.lake_views import (
    DEFAULT_DERIVED_VIEWS,
    INVENTORY_CURRENT_SQL,
    LakeReader,
    TablePin,
)
from supplylake.query.runner import QueryResult, check_read_only, run_query, run_query_on

__all__ = [
    "DEFAULT_DERIVED_VIEWS",
    "FORMATS",
    "INVENTORY_CURRENT_SQL",
    "ExtensionUnavailable",
    "LakeReader",
    "NoSnapshotAtTime",
    "NotAQuery",
    "QueryError",
    "QueryResult",
    "TablePin",
    "UnknownTable",
    "check_read_only",
    "render",
    "run_query",
    "run_query_on",
]
