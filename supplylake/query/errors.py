"""Errors of the query layer: what an analyst did wrong, or what the lake cannot answer."""

from __future__ import annotations

from supplylake.errors import FatalError

READ_ONLY_HINT = (
    "only SELECT/WITH/UNION/VALUES queries, DESCRIBE <table> and SHOW TABLES run here; "
    "the lake is written by the pipelines"
)


class QueryError(FatalError):
    """A query cannot run as written (bad SQL, unknown column, unsupported dialect feature)."""


class NotAQuery(QueryError):
    """The SQL would change something, or is not exactly one read-only statement."""

    def __init__(self, message: str, *, hint: str | None = READ_ONLY_HINT) -> None:
        super().__init__(message, hint=hint)


class UnknownTable(QueryError):
    """The query names a table or view the lake does not have (or cannot show at that time)."""


class NoSnapshotAtTime(QueryError):
    """Time travel asked for a moment the lake has no (retained) snapshot for."""


class ExtensionUnavailable(FatalError):
    """DuckDB's iceberg extension cannot be loaded offline (missing wheel, version mismatch)."""


class UnknownNamedQuery(QueryError):
    """No such ``NAME.sql`` ships in the package ``supplylake.sql``; the message lists the names there are."""
