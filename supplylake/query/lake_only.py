"""What a query may call and name: the lake's tables and plain SQL functions, nothing outside.

DuckDB reaches outside the database through functions and names, not only through statements:
table functions read files and URLs (``read_csv``, ``read_parquet``, ``glob``, ``iceberg_scan``…),
run SQL hidden in a string (``query``, ``json_execute_serialized_sql``), change settings even on
a locked connection (``enable_logging`` turns logging to files on), or reveal the configuration
(``current_setting``, ``duckdb_settings``); a string or quoted name in ``FROM`` is a *replacement
scan* of a file or URL (``FROM '/etc/passwd'``, ``FROM 'https://…/x.parquet'``); and a bare table
function name (``FROM duckdb_logs``) calls it.

So a query may use only the table functions in :data:`ALLOWED_TABLE_FUNCTIONS` (rows from
numbers or lists, and the catalog's own introspection); none of the scalar functions in
:data:`REFUSED_SCALAR_FUNCTIONS`; and no relation whose name looks like a path or URL or is a
table function outside the allowed set. Files are refused wherever they are, even inside the
lake: the lake is read through its tables, which are pinned to committed snapshots.

The rules are checked twice: on sqlglot's tree (any dialect; by function name where it is in
table position) and on DuckDB's own parse tree of the exact SQL DuckDB will run
(``json_serialize_sql``), so a comment or quoting trick that sqlglot reads differently from
DuckDB still meets the rules. The locked-down connection (:mod:`supplylake.query.lake_views`)
stays the last line behind both.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import duckdb
import orjson
from sqlglot import exp

from supplylake.query.errors import NotAQuery

LAKE_TABLES_HINT = "query the lake's tables and views by name (SHOW TABLES lists them)"

# Table functions that only compute rows or read the in-memory catalog's own metadata.
ALLOWED_TABLE_FUNCTIONS: frozenset[str] = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "repeat_row",
        "json_each",
        "json_tree",
        "summary",
        "duckdb_tables",
        "duckdb_columns",
        "duckdb_views",
        "duckdb_schemas",
        "duckdb_types",
        "duckdb_functions",
        "duckdb_constraints",
        "duckdb_indexes",
        "duckdb_keywords",
        "duckdb_sequences",
        "duckdb_dependencies",
        "pragma_table_info",
        "pg_timezone_names",
        "icu_calendar_names",
    }
)

# Table functions that read files or URLs (reported as such; every other non-allowed one is
# refused with a general message).
FILE_READING_FUNCTIONS: frozenset[str] = frozenset(
    {
        "read_csv",
        "read_csv_auto",
        "sniff_csv",
        "read_parquet",
        "parquet_scan",
        "parquet_metadata",
        "parquet_schema",
        "parquet_file_metadata",
        "parquet_full_metadata",
        "parquet_kv_metadata",
        "parquet_bloom_probe",
        "read_json",
        "read_json_auto",
        "read_json_objects",
        "read_json_objects_auto",
        "read_ndjson",
        "read_ndjson_auto",
        "read_ndjson_objects",
        "read_text",
        "read_blob",
        "read_avro",
        "read_duckdb",
        "read_xlsx",
        "glob",
        "iceberg_scan",
        "iceberg_metadata",
        "iceberg_snapshots",
        "iceberg_column_stats",
        "iceberg_partition_stats",
        "iceberg_schema_properties",
        "iceberg_table_properties",
        "delta_scan",
        "sqlite_scan",
        "sqlite_attach",
        "postgres_scan",
        "postgres_attach",
        "mysql_scan",
        "st_read",
    }
)

# Table functions that run SQL from a string, which no check here can see.
SQL_RUNNING_FUNCTIONS: frozenset[str] = frozenset({"query", "query_table", "json_execute_serialized_sql"})

_REVEALS_CONFIGURATION = "reveals the server's configuration or environment"
_CHANGES_THE_CONNECTION = "changes the connection's settings or writes files"

# Scalar functions refused anywhere in a query, with the reason the refusal gives.
REFUSED_SCALAR_FUNCTIONS: Mapping[str, str] = {
    "getenv": _REVEALS_CONFIGURATION,
    "current_setting": _REVEALS_CONFIGURATION,
    "json_execute_serialized_sql": "runs SQL from a string, which is not checked",
    "json_deserialize_sql": "turns a string back into SQL, which is not checked",
    "write_log": "writes to DuckDB's log",
    "sleep_ms": "holds the connection for as long as it is told",
    "pg_sleep": "holds the connection for as long as it is told",
}

# Table functions DuckDB has, beyond the allowed ones, that a bare name in FROM would call
# (``FROM duckdb_logs``). Core functions come from DuckDB itself (see _core_table_functions).
_EXTENSION_TABLE_FUNCTIONS: frozenset[str] = FILE_READING_FUNCTIONS | {
    "iceberg_load_table_response",
    "iceberg_to_ducklake",
    "set_iceberg_table_properties",
    "remove_iceberg_table_properties",
    "set_iceberg_schema_properties",
    "remove_iceberg_schema_properties",
}

# A relation name that DuckDB would read as a file path, a glob or a URL.
_PATH_LIKE = re.compile(r"[/\\:.*?~]")


def refuse_outside_reach_in_sqlglot(statement: exp.Expr) -> None:
    """Apply the rules to sqlglot's tree of the analyst's statement (any dialect)."""
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    for node in statement.walk():
        if isinstance(node, exp.Table):
            call = node.this
            if isinstance(call, exp.Func):
                name = _sqlglot_function_name(call)
                if name not in ALLOWED_TABLE_FUNCTIONS and name in _known_table_functions():
                    raise table_function_refusal(name)
            elif node.name and node.name.lower() not in ctes:
                for part in (node.catalog, node.db):
                    _refuse_path(part)
                _refuse_relation(node.name)
        elif isinstance(node, exp.Anonymous):
            _refuse_scalar(str(node.this).lower())


def refuse_outside_reach_in_duckdb(duckdb_sql: str) -> None:
    """Apply the rules to DuckDB's own parse tree of the SQL it will run.

    SQL DuckDB cannot serialize (not a SELECT, or a syntax error) is left to the statement
    checks, which refuse or report it.
    """
    tree = _duckdb_parse_tree(duckdb_sql)
    if tree.get("error"):
        return
    nodes = list(_dicts(tree))
    ctes = {str(name).lower() for name in _cte_names(nodes)}
    table_calls = {id(node["function"]) for node in nodes if node.get("type") == "TABLE_FUNCTION"}
    for node in nodes:
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = str(node["function"]["function_name"]).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise table_function_refusal(name)
        elif node.get("class") == "FUNCTION" and id(node) not in table_calls:
            _refuse_scalar(str(node.get("function_name", "")).lower())
        elif kind in ("BASE_TABLE", "SHOW_REF"):
            name = str(node.get("table_name") or "")
            if name and name.lower() not in ctes:
                for part in (node.get("catalog_name"), node.get("schema_name")):
                    _refuse_path(str(part or ""))
                _refuse_relation(name)


def table_function_refusal(name: str) -> NotAQuery:
    if name in FILE_READING_FUNCTIONS:
        return NotAQuery(
            f"{name} reads files or URLs directly, and a query may not reach outside the lake's tables",
            hint=LAKE_TABLES_HINT,
        )
    if name in SQL_RUNNING_FUNCTIONS:
        return NotAQuery(f"{name} runs SQL from a string, which is not checked; write the query itself")
    return NotAQuery(
        f"table function {name} does not run here (it can reach outside the lake or change the connection)",
        hint=f"the table functions that run here: {', '.join(sorted(ALLOWED_TABLE_FUNCTIONS))}",
    )


def _refuse_scalar(name: str) -> None:
    reason = REFUSED_SCALAR_FUNCTIONS.get(name)
    if reason is not None:
        raise NotAQuery(f"{name}() {reason}, so it does not run here")


def _refuse_relation(name: str) -> None:
    _refuse_path(name)
    lowered = name.lower()
    if lowered in _known_table_functions() and lowered not in ALLOWED_TABLE_FUNCTIONS:
        raise table_function_refusal(lowered)


def _refuse_path(name: str) -> None:
    if _PATH_LIKE.search(name):
        raise NotAQuery(
            f"FROM {name!r} names a file or URL, and a query may not reach outside the lake's tables",
            hint=LAKE_TABLES_HINT,
        )


def _sqlglot_function_name(call: exp.Func) -> str:
    if isinstance(call, exp.Anonymous):
        return str(call.this).lower()
    return call.sql_name().lower()


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dicts(value)


def _cte_names(nodes: list[dict[str, Any]]) -> Iterator[str]:
    for node in nodes:
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                yield str(entry.get("key", ""))


# One in-memory connection, with no lake and no access to anything, only to parse SQL; DuckDB
# connections are not safe to share between threads, hence the lock.
_parser_lock = threading.Lock()


@functools.cache
def _parser_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET enable_external_access = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    return con


def duckdb_statement_types(sql: str) -> list[duckdb.StatementType]:
    """What DuckDB's parser reads in ``sql``, on a connection that may not touch any file.

    (The module-level ``duckdb.extract_statements`` parses on the default connection, which may:
    DuckDB's parser reads files for ``IMPORT DATABASE``.)
    """
    with _parser_lock:
        return [statement.type for statement in _parser_connection().extract_statements(sql)]


def _duckdb_parse_tree(sql: str) -> dict[str, Any]:
    try:
        with _parser_lock:
            row = _parser_connection().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    except duckdb.Error:
        return {"error": True}
    parsed: dict[str, Any] = orjson.loads(row[0]) if row else {"error": True}
    return parsed


@functools.cache
def _known_table_functions() -> frozenset[str]:
    """Every table function name DuckDB knows here (core) or that an extension would add."""
    with _parser_lock:
        con = _parser_connection()
        tables = con.execute("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'table'")
        table_names = {str(row[0]).lower() for row in tables.fetchall()}
        pragmas = con.execute("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'pragma'")
        # A pragma is also a table function by the name pragma_<name> (FROM pragma_database_list).
        pragma_names = {f"pragma_{str(row[0]).lower()}" for row in pragmas.fetchall()}
    return frozenset(table_names | pragma_names | _EXTENSION_TABLE_FUNCTIONS)
