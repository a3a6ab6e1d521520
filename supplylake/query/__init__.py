"""SQL over the lake: DuckDB views pinned to Iceberg snapshots, and a read-only query runner.

The SQL itself (named queries, derived views) ships as ``.sql`` files in ``supplylake.sql``;
:mod:`~supplylake.query.sql_files` reads it. Nothing here imports stream processing.
"""

from supplylake.query.errors import (
    ExtensionUnavailable,
    NoSnapshotAtTime,
    NotAQuery,
    QueryError,
    UnknownNamedQuery,
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
from supplylake.query.sql_files import named_query_names, read_named_query, read_view, view_names

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
    "UnknownNamedQuery",
    "UnknownTable",
    "check_read_only",
    "named_query_names",
    "read_named_query",
    "read_view",
    "render",
    "run_query",
    "run_query_on",
    "view_names",
]
