"""The read-only SQL runner: an analyst's query, in their dialect, against pinned lake views.

Accepted (one statement only): queries — SELECT, WITH … SELECT, UNION/INTERSECT/EXCEPT,
DuckDB's FROM-first form, standalone VALUES — plus ``DESCRIBE <table or query>`` and
``SHOW TABLES``, which only read the catalog and are what an analyst types first. Everything
else is refused with :class:`NotAQuery` before DuckDB sees it: DML, DDL, COPY, ATTACH, INSTALL,
LOAD, PRAGMA, SET, EXPLAIN, CALL, transactions, ``SELECT … INTO``, a data-modifying CTE, and
several statements at once. A query also may not read files or URLs (``read_csv``, ``glob``,
``FROM '/etc/passwd'``…), run SQL from a string, change the connection or reveal its settings:
see :mod:`supplylake.query.lake_only` for those rules.

Three layers, each enough on its own for the common case:
1. sqlglot parses in the analyst's dialect and only query shapes pass (it also transpiles to
   DuckDB, so this is the layer that understands the dialect);
2. DuckDB's own parser must see exactly one SELECT-type statement in the SQL it will run, and
   its parse tree of that SQL must meet the lake-only rules (catches anything sqlglot parsed
   differently from DuckDB);
3. the connection itself cannot touch files outside the lake and its settings are locked
   (see :mod:`supplylake.query.lake_views`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError

from supplylake.errors import SupplylakeError
from supplylake.query.errors import NotAQuery, QueryError, UnknownTable
from supplylake.query.lake_only import (
    duckdb_statement_types,
    refuse_outside_reach_in_duckdb,
    refuse_outside_reach_in_sqlglot,
)
from supplylake.query.lake_views import LakeReader, TablePin, missing_relation

DUCKDB = "duckdb"

# Nodes that change state or reach outside the query, wherever they hide in the tree
# (Postgres allows INSERT … RETURNING inside a CTE).
_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Copy,
    exp.Attach,
    exp.Detach,
    exp.Install,
    exp.Pragma,
    exp.Set,
    exp.Use,
    exp.Command,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
)
_SHOW_ALLOWED = {"TABLES", "ALL TABLES"}
# Statements named by their first two words in refusals.
_TWO_WORD_KINDS = {"FORCE", "START", "EXPORT", "IMPORT", "EXPLAIN", "UPDATE"}
# Words a query may start with; a statement DuckDB and sqlglot cannot parse that starts with
# anything else is refused by its first word (IMPORT DATABASE: DuckDB's parser reads files).
_QUERY_START_WORDS = {"SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "DESC", "SHOW", "(", "SUMMARIZE"}


@dataclass(frozen=True)
class CheckedQuery:
    """A statement that passed the read-only check, ready for DuckDB."""

    duckdb_sql: str
    # Relations it names (lower case, unqualified), for freshness reporting.
    relations: frozenset[str]
    # True when sqlglot rewrote the analyst's SQL from another dialect.
    transpiled: bool = False


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    column_types: tuple[str, ...]  # DuckDB type names, e.g. BIGINT, TIMESTAMP WITH TIME ZONE
    rows: list[tuple[Any, ...]]
    row_count: int
    # True when max_rows cut the result short (row_count is then max_rows).
    truncated: bool
    # Per lake table the query read (directly or through derived views): the pinned snapshot
    # and when it was committed. Empty for queries that read no lake table (SELECT 1).
    freshness: Mapping[str, TablePin]
    as_of: datetime | None
    duckdb_sql: str


def check_read_only(sql: str, *, dialect: str | None = None) -> CheckedQuery:
    """Accept exactly one read-only statement; return it as DuckDB SQL.

    Raises :class:`NotAQuery` for anything that is not a query, :class:`QueryError` for SQL
    that does not parse in ``dialect`` or cannot be translated to DuckDB.
    """
    read = (dialect or DUCKDB).lower()
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except ValueError as exc:  # sqlglot's "Unknown dialect"
        raise QueryError(
            f"unknown SQL dialect {dialect!r}",
            hint="use one of sqlglot's dialects, e.g. duckdb, snowflake, bigquery, postgres",
        ) from exc
    except ParseError as exc:
        # sqlglot does not know every DuckDB statement (EXPORT DATABASE…); if DuckDB itself
        # reads a non-query here, say so rather than reporting a syntax error.
        _refuse_by_first_word(sql, read)
        _refuse_duckdb_statements(sql)
        raise QueryError(
            f"the SQL does not parse as {read}: {_first_line(exc)}",
            hint="write one read-only query; pass --dialect if it is not DuckDB SQL",
        ) from exc
    if not statements:
        raise NotAQuery("no SQL statement found")
    if len(statements) > 1:
        kinds = ", ".join(_statement_kind(s, read) for s in statements)
        raise NotAQuery(f"found {len(statements)} statements ({kinds}); run one query at a time")
    statement = statements[0]
    if isinstance(statement, exp.Condition | exp.Alias):
        # Not a statement at all: sqlglot read an unknown one (START TRANSACTION, DEALLOCATE x)
        # as a bare expression. Its own first words say what it is.
        _refuse_by_first_word(sql, read)
    _refuse_writes(statement, read)
    if read == DUCKDB:
        # Run the analyst's text itself: a sqlglot round trip could only change its meaning.
        duckdb_sql = sql.strip().rstrip(";")
    else:
        try:
            duckdb_sql = statement.sql(dialect=DUCKDB, unsupported_level=ErrorLevel.RAISE)
        except SqlglotError as exc:
            raise QueryError(
                f"cannot translate this {read} SQL to DuckDB: {_first_line(exc)}",
                hint="rewrite that part, or run the query with --dialect duckdb",
            ) from exc
    refuse_outside_reach_in_duckdb(duckdb_sql)
    return CheckedQuery(duckdb_sql=duckdb_sql, relations=_relations(statement), transpiled=read != DUCKDB)


def run_query(
    reader: LakeReader,
    sql: str,
    *,
    dialect: str | None = None,
    as_of: datetime | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """Run one read-only query on a fresh connection pinned to now (or to ``as_of``)."""
    checked = check_read_only(sql, dialect=dialect)  # refusals never touch the lake
    con = reader.connect(as_of)
    try:
        return _execute(reader, con, checked, max_rows=max_rows)
    finally:
        con.close()


def run_query_on(
    reader: LakeReader,
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    dialect: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """Like :func:`run_query` on a connection from ``reader.connect()`` (for long-lived readers
    such as the dashboard, which call ``reader.refresh(con)`` between queries)."""
    return _execute(reader, con, check_read_only(sql, dialect=dialect), max_rows=max_rows)


def _execute(
    reader: LakeReader,
    con: duckdb.DuckDBPyConnection,
    checked: CheckedQuery,
    *,
    max_rows: int | None,
) -> QueryResult:
    _confirm_with_duckdb(con, checked.duckdb_sql)
    try:
        cursor = con.execute(checked.duckdb_sql)
        description = cursor.description or []
        if max_rows is None:
            rows = cursor.fetchall()
            truncated = False
        else:
            rows = cursor.fetchmany(max_rows + 1)
            truncated = len(rows) > max_rows
            rows = rows[:max_rows]
    except duckdb.Error as exc:
        raise _translate(exc, reader, con, checked) from exc
    pins = reader.pins(con)
    return QueryResult(
        columns=tuple(str(d[0]) for d in description),
        column_types=tuple(str(d[1]) for d in description),
        rows=rows,
        row_count=len(rows),
        truncated=truncated,
        freshness=_read_tables(checked.relations, reader, pins),
        as_of=reader.as_of(con),
        duckdb_sql=checked.duckdb_sql,
    )


def _refuse_by_first_word(sql: str, dialect: str) -> None:
    """Refuse by its leading keywords a statement that no parser here may read.

    DuckDB parses ``IMPORT DATABASE 'dir'`` by reading ``dir/schema.sql`` and ``dir/load.sql``,
    so such SQL must be refused before DuckDB's parser sees it.
    """
    try:
        words = [t.text.upper() for t in sqlglot.tokenize(sql, read=dialect)[:2]]
    except SqlglotError:
        words = sql.upper().split()[:2]
    if words and words[0] not in _QUERY_START_WORDS and words[0].isalpha():
        kind = " ".join(words) if words[0] in _TWO_WORD_KINDS else words[0]
        raise NotAQuery(f"found {kind}, which is not a query")


def _refuse_duckdb_statements(sql: str) -> None:
    try:
        statements = duckdb_statement_types(sql)
    except duckdb.Error:
        return
    kinds = [kind.name for kind in statements]
    if len(kinds) > 1:
        raise NotAQuery(f"found {len(kinds)} statements ({', '.join(kinds)}); run one query at a time")
    refused = [kind for kind in kinds if kind != duckdb.StatementType.SELECT.name]
    if refused:
        raise NotAQuery(f"found {', '.join(refused)}, which is not a query")


def _refuse_writes(statement: exp.Expr, dialect: str) -> None:
    if isinstance(statement, exp.Show):
        if str(statement.this).upper() in _SHOW_ALLOWED and not _has_options(statement):
            return
        raise NotAQuery(
            f"found {_statement_kind(statement, dialect)}; of the SHOW commands only SHOW TABLES runs here",
            hint="use SHOW TABLES, DESCRIBE <table>, or query information_schema",
        )
    if isinstance(statement, exp.Describe):
        if not isinstance(statement.this, (exp.Table, exp.Query)):
            raise NotAQuery(f"found {_statement_kind(statement, dialect)}")
    elif not isinstance(statement, (exp.Query, exp.Values)):
        raise NotAQuery(f"found {_statement_kind(statement, dialect)}, which is not a query")
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise NotAQuery(f"found {_statement_kind(node, dialect)} inside the query")
        if isinstance(node, exp.Select) and node.args.get("into") is not None:
            raise NotAQuery("found SELECT … INTO, which creates a table")
    refuse_outside_reach_in_sqlglot(statement)


def _has_options(show: exp.Show) -> bool:
    return any(value not in (None, False, "") for key, value in show.args.items() if key != "this")


def _statement_kind(node: exp.Expr, dialect: str) -> str:
    """A short name for what a statement is, from its own leading keywords (e.g. DROP TABLE)."""
    if node.args.get("with_") is not None and not isinstance(node, exp.Query):
        # WITH x AS (...) DELETE FROM t is a DELETE: name it by what follows the CTEs.
        node = node.copy()
        node.set("with_", None)
    text = f"{node.this} {node.expression or ''}" if isinstance(node, exp.Command) else node.sql(dialect=dialect)
    try:
        words = [t.text.upper() for t in sqlglot.tokenize(text, read=dialect)[:6]]
    except SqlglotError:
        words = text.upper().split()[:6]
    if not words:
        return type(node).__name__.upper()
    if words[0] in {"CREATE", "DROP", "ALTER"}:
        # Up to the kind of object: CREATE OR REPLACE VIEW, CREATE TEMPORARY TABLE, DROP TABLE
        for end, word in enumerate(words[1:], start=2):
            if word not in {"OR", "REPLACE", "ALTER", "TEMP", "TEMPORARY", "IF", "NOT", "EXISTS"}:
                return " ".join(words[:end])
    if words[0] in _TWO_WORD_KINDS and len(words) > 1:
        return " ".join(words[:2])  # FORCE INSTALL, START TRANSACTION, EXPORT DATABASE
    return words[0]


def _relations(statement: exp.Expr) -> frozenset[str]:
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    names = {table.name.lower() for table in statement.find_all(exp.Table) if table.name}
    return frozenset(names - ctes)


def _read_tables(relations: frozenset[str], reader: LakeReader, pins: Mapping[str, TablePin]) -> dict[str, TablePin]:
    """Lake tables behind ``relations``, following derived views down to the base tables."""
    derived = {name.lower(): sql for name, sql in reader.derived_views.items()}
    by_lower = {name.lower(): pin for name, pin in pins.items()}
    seen: set[str] = set()
    pending = list(relations)
    found: dict[str, TablePin] = {}
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in by_lower:
            pin = by_lower[name]
            found[pin.table] = pin
        elif name in derived:
            try:
                pending.extend(_relations(sqlglot.parse_one(derived[name], read=DUCKDB)))
            except SqlglotError:
                continue  # freshness is best effort; the view itself ran fine
    return dict(sorted(found.items()))


def _confirm_with_duckdb(con: duckdb.DuckDBPyConnection, duckdb_sql: str) -> None:
    try:
        statements = con.extract_statements(duckdb_sql)
    except duckdb.Error as exc:
        raise QueryError(
            f"DuckDB cannot parse the query: {_first_line(exc)}",
            hint=f"DuckDB was given: {duckdb_sql}",
        ) from exc
    types = [s.type for s in statements]
    if types != [duckdb.StatementType.SELECT]:
        found = ", ".join(t.name for t in types) or "nothing"
        raise NotAQuery(f"DuckDB reads this as {found}, not a single query")


def _translate(
    exc: duckdb.Error,
    reader: LakeReader,
    con: duckdb.DuckDBPyConnection,
    checked: CheckedQuery,
) -> SupplylakeError:
    message = _first_line(exc)
    if isinstance(exc, duckdb.CatalogException):
        missing = missing_relation(str(exc))
        if missing:
            name = missing.lower()
            unavailable = {k.lower(): v for k, v in reader.unavailable(con).items()}
            if name in unavailable:
                cause = unavailable[name]
                return type(cause)(cause.message, hint=cause.hint)
            known = sorted(set(reader.pins(con)) | set(reader.derived_views) - set(unavailable))
            return UnknownTable(
                f"the lake has no table or view named {name}",
                hint=f"available: {', '.join(known)}"
                if known
                else "the lake has no tables yet; run the pipelines first",
            )
    if isinstance(exc, duckdb.PermissionException):
        return QueryError(
            f"the query tried to read files outside the lake: {message}",
            hint="query the lake's tables and views by name",
        )
    hint = f"DuckDB ran (translated from your dialect): {checked.duckdb_sql}"
    return QueryError(str(exc).strip(), hint=hint if checked.transpiled else None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
