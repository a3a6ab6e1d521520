"""A generated corpus of statements the read-only SQL runner must refuse, and queries it must run.

Statements are built with sqlglot (expression builders, parse + render in several dialects) and
templates, then multiplied by hiding variants: comments before and inside, nested comments, mixed
case, odd whitespace, semicolons inside strings, a harmless query in front. Each case says which
word the refusal message must contain, so a refusal for the wrong reason does not count.

The lake the cases assume has one table, ``shipments`` (see tests/unit/query/
test_query_read_only_corpus.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "mysql", "trino", "spark", "tsql")


@dataclass(frozen=True)
class RefusedCase:
    """One statement, the dialect it is written in, and words its refusal must name (one of
    ``names`` split at ``|``: dialects spell some statements differently)."""

    category: str
    dialect: str
    sql: str
    names: str


# Paths and URLs outside the lake.
OUTSIDE_PATHS = (
    "/etc/passwd",
    "../../../etc/passwd",
    "file:///etc/passwd",
    "~/.ssh/id_rsa",
    "/etc/*",
    "/proc/self/environ",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.com/x.parquet",
    "s3://bucket/secret/x.parquet",
)

FILE_READERS = (
    "read_csv",
    "read_csv_auto",
    "read_parquet",
    "parquet_scan",
    "read_json",
    "read_json_auto",
    "read_ndjson",
    "read_text",
    "read_blob",
    "glob",
    "sniff_csv",
    "parquet_metadata",
    "iceberg_scan",
    "iceberg_snapshots",
)

# Ways to wrap a table expression so it hides in a bigger query (DuckDB SQL; {t} is the call).
TABLE_SHAPES = (
    "SELECT * FROM {t}",
    "FROM {t}",
    "WITH hidden AS (SELECT * FROM {t}) SELECT * FROM hidden",
    "SELECT * FROM shipments WHERE shipment_id IN (SELECT * FROM {t})",
    "SELECT (SELECT count(*) FROM {t}) AS n",
    "SELECT * FROM shipments, LATERAL (SELECT * FROM {t}) AS f",
    "SELECT shipment_id FROM shipments UNION ALL SELECT * FROM {t}",
    "DESCRIBE SELECT * FROM {t}",
)


def refused_cases() -> list[RefusedCase]:
    """Every generated refusal, deduplicated, in a stable order."""
    cases: dict[tuple[str, str], RefusedCase] = {}
    for case in (
        *_writes_in_every_dialect(),
        *_duckdb_statements(),
        *_file_and_url_reads(),
        *_environment_and_connection(),
    ):
        cases.setdefault((case.dialect, case.sql), case)
    base = list(cases.values())
    for case in _hidden(base):
        cases.setdefault((case.dialect, case.sql), case)
    return list(cases.values())


def read_cases() -> list[RefusedCase]:
    """File and URL reads of paths outside the lake, as plain DuckDB queries."""
    return [case for case in _file_and_url_reads() if case.dialect == "duckdb" and "lake" not in case.category]


# -- writes, built with sqlglot and rendered per dialect --------------------------------------


def _writes_in_every_dialect() -> Iterator[RefusedCase]:
    built: list[tuple[exp.Expr, str]] = [
        (exp.insert(exp.select("*").from_("shipments"), "shipments"), "INSERT"),
        (exp.insert("VALUES ('SHP-9', 'DHL')", "shipments", columns=["shipment_id", "carrier"]), "INSERT"),
        (exp.update("shipments", {"carrier": exp.Literal.string("UPS")}, where="shipment_id = 'SHP-1'"), "UPDATE"),
        (exp.delete("shipments", where="TRUE"), "DELETE"),
        (exp.delete("shipments"), "DELETE"),
        (exp.Transaction(), "BEGIN|START TRANSACTION"),
        (exp.Commit(), "COMMIT"),
        (exp.Rollback(), "ROLLBACK"),
    ]
    parsed_in_duckdb = [
        ("CREATE TABLE copy_of AS SELECT * FROM shipments", "CREATE TABLE|SELECT … INTO"),
        ("CREATE TABLE t (a INT)", "CREATE TABLE"),
        ("CREATE OR REPLACE VIEW shipments AS SELECT 1 AS a", "CREATE OR REPLACE VIEW|CREATE OR ALTER VIEW"),
        ("CREATE VIEW v AS SELECT * FROM shipments", "CREATE VIEW"),
        ("CREATE TEMPORARY TABLE t AS SELECT 1 AS a", "CREATE"),
        ("CREATE SCHEMA s", "CREATE SCHEMA"),
        ("CREATE INDEX i ON shipments (carrier)", "CREATE INDEX"),
        ("DROP TABLE shipments", "DROP TABLE"),
        ("DROP VIEW IF EXISTS shipments", "DROP VIEW"),
        ("DROP SCHEMA supplylake CASCADE", "DROP SCHEMA"),
        ("ALTER TABLE shipments ADD COLUMN x INT", "ALTER TABLE"),
        ("ALTER TABLE shipments RENAME TO s2", "ALTER TABLE|EXEC"),
        ("ALTER VIEW shipments RENAME TO s2", "ALTER VIEW"),
        ("TRUNCATE TABLE shipments", "TRUNCATE"),
        (
            "MERGE INTO shipments AS t USING shipments AS s ON t.shipment_id = s.shipment_id WHEN MATCHED THEN DELETE",
            "MERGE",
        ),
        ("INSERT INTO shipments SELECT * FROM shipments", "INSERT"),
        ("INSERT OR REPLACE INTO shipments SELECT * FROM shipments", "INSERT"),
        ("UPDATE shipments SET carrier = 'x' FROM shipments AS s2 WHERE TRUE", "UPDATE"),
        ("WITH doomed AS (SELECT 1) DELETE FROM shipments", "DELETE"),
    ]
    for sql, names in parsed_in_duckdb:
        built.append((sqlglot.parse_one(sql, read="duckdb"), names))
    for postgres_sql, names in (
        ("SELECT * INTO shipments_copy FROM shipments", "INTO|CREATE TABLE"),
        ("WITH x AS (INSERT INTO shipments DEFAULT VALUES RETURNING *) SELECT * FROM x", "INSERT"),
        ("WITH x AS (DELETE FROM shipments RETURNING *) SELECT * FROM x", "DELETE"),
        ("WITH x AS (UPDATE shipments SET carrier = 'x' RETURNING *) SELECT * FROM x", "UPDATE"),
        ("CREATE TABLE t AS WITH s AS (SELECT 1 AS a) SELECT * FROM s", "CREATE TABLE|SELECT … INTO"),
    ):
        built.append((sqlglot.parse_one(postgres_sql, read="postgres"), names))
    for tree, names in built:
        yield from _in_every_dialect("write", tree, names)


def _in_every_dialect(category: str, tree: exp.Expr, names: str) -> Iterator[RefusedCase]:
    """``tree`` rendered in each dialect that can write it and read it back."""
    for dialect in DIALECTS:
        try:
            sql = tree.sql(dialect=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)
            sqlglot.parse_one(sql, read=dialect)
        except SqlglotError:
            continue
        yield RefusedCase(category, dialect, sql, names)


# -- DuckDB statements sqlglot only partly knows ----------------------------------------------


def _duckdb_statements() -> Iterator[RefusedCase]:
    templates: list[tuple[str, str]] = [
        ("COPY shipments TO '{out}'", "COPY"),
        ("COPY shipments TO '{out}' (FORMAT parquet)", "COPY"),
        ("COPY (SELECT * FROM shipments) TO '{out}' (HEADER, DELIMITER ',')", "COPY"),
        ("COPY shipments FROM '{out}'", "COPY"),
        ("COPY FROM DATABASE memory TO other", "COPY"),
        ("ATTACH '{out}' AS other", "ATTACH"),
        ("ATTACH DATABASE '{out}' AS other (READ_ONLY)", "ATTACH"),
        ("ATTACH IF NOT EXISTS ':memory:' AS scratch", "ATTACH"),
        ("DETACH other", "DETACH"),
        ("DETACH DATABASE IF EXISTS other", "DETACH"),
        ("USE memory", "USE"),
        ("USE memory.main", "USE"),
        ("EXPORT DATABASE '{out}'", "EXPORT"),
        ("EXPORT DATABASE '{out}' (FORMAT parquet)", "EXPORT"),
        ("IMPORT DATABASE '{out}'", "IMPORT DATABASE"),
        ("IMPORT DATABASE '/etc'", "IMPORT DATABASE"),
        ("CHECKPOINT", "CHECKPOINT"),
        ("FORCE CHECKPOINT", "FORCE CHECKPOINT"),
        ("VACUUM", "VACUUM"),
        ("VACUUM ANALYZE shipments", "VACUUM"),
        ("ANALYZE", "ANALYZE"),
        ("CREATE MACRO leak(a) AS a", "CREATE MACRO"),
        ("CREATE OR REPLACE MACRO leak() AS TABLE SELECT * FROM read_csv('/etc/passwd')", "CREATE"),
        ("CREATE SEQUENCE s", "CREATE SEQUENCE"),
        ("CREATE TYPE mood AS ENUM ('a', 'b')", "CREATE"),
        ("CREATE SECRET s3 (TYPE s3, KEY_ID 'k', SECRET 'v')", "CREATE"),
        ("CREATE PERSISTENT SECRET s3 (TYPE s3, KEY_ID 'k', SECRET 'v')", "CREATE"),
        ("CREATE OR REPLACE SECRET gh (TYPE http, BEARER_TOKEN 't')", "CREATE"),
        ("DROP SECRET s3", "DROP"),
        ("PREPARE leak AS SELECT * FROM shipments", "PREPARE"),
        ("EXECUTE leak", "EXECUTE"),
        ("DEALLOCATE leak", "DEALLOCATE"),
        ("EXPLAIN SELECT * FROM shipments", "EXPLAIN"),
        ("EXPLAIN ANALYZE SELECT * FROM shipments", "EXPLAIN"),
        ("COMMENT ON TABLE shipments IS 'x'", "COMMENT"),
        ("UPDATE EXTENSIONS", "UPDATE"),
        ("BEGIN TRANSACTION", "BEGIN"),
        ("START TRANSACTION", "START TRANSACTION"),
        ("COMMIT", "COMMIT"),
        ("ROLLBACK", "ROLLBACK"),
        ("ABORT", "ABORT"),
    ]
    for extension in ("httpfs", "sqlite", "postgres_scanner", "'/tmp/evil.duckdb_extension'"):
        templates += [
            (f"INSTALL {extension}", "INSTALL"),
            (f"FORCE INSTALL {extension}", "FORCE INSTALL"),
            (f"LOAD {extension}", "LOAD"),
        ]
    templates.append(("INSTALL httpfs FROM 'http://example.com/repo'", "INSTALL"))
    for setting, value in (
        ("enable_external_access", "true"),
        ("allowed_directories", "['/']"),
        ("lock_configuration", "false"),
        ("autoinstall_known_extensions", "true"),
        ("s3_secret_access_key", "'x'"),
        ("threads", "1"),
    ):
        templates += [
            (f"SET {setting} = {value}", "SET"),
            (f"SET GLOBAL {setting} = {value}", "SET"),
            (f"SET SESSION {setting} TO {value}", "SET"),
            (f"RESET {setting}", "RESET"),
        ]
    templates += [
        ("SET VARIABLE leak = 1", "SET"),
        ("RESET VARIABLE leak", "RESET"),
        ("SET search_path = 'main'", "SET"),
        ("PRAGMA enable_profiling", "PRAGMA"),
        ("PRAGMA database_list", "PRAGMA"),
        ("PRAGMA threads = 1", "PRAGMA"),
        ("PRAGMA import_database('{out}')", "PRAGMA"),
        ("CALL pragma_version()", "CALL"),
        ("CALL enable_logging(storage = 'file', storage_path = '{out}')", "CALL"),
        ("CALL checkpoint()", "CALL"),
        ("CALL duckdb_settings()", "CALL"),
    ]
    for template, names in templates:
        for out in ("/tmp/supplylake-out.csv", "../escape.db", "s3://bucket/out"):
            yield RefusedCase("duckdb statement", "duckdb", template.format(out=out), names)


# -- reads of files and URLs ------------------------------------------------------------------


def _file_and_url_reads() -> Iterator[RefusedCase]:
    for function in FILE_READERS:
        for path in OUTSIDE_PATHS:
            call = exp.Table(this=exp.Anonymous(this=function, expressions=[exp.Literal.string(path)]))
            plain = exp.select("*").from_(call)
            yield RefusedCase("file read", "duckdb", plain.sql(dialect="duckdb"), function)
        for shape in TABLE_SHAPES:
            sql = shape.format(t=f"{function}('/etc/passwd')")
            yield RefusedCase("file read (hidden)", "duckdb", sql, function)
        # Inside the lake too: the lake is read through its tables, not its files.
        yield RefusedCase("file read (lake files)", "duckdb", f"FROM {function}('data/lake/warehouse/**')", function)
    # sqlglot's own builders for the readers it knows, then rendered in other dialects.
    for tree in (
        exp.select("*").from_(exp.Table(this=exp.ReadCSV(this=exp.Literal.string("/etc/passwd")))),
        exp.select("*").from_(exp.Table(this=exp.ReadParquet(expressions=[exp.Literal.string("s3://b/x.parquet")]))),
    ):
        yield from _in_every_dialect("file read", tree, "read_|FROM")
    # Replacement scans: a string or quoted name in FROM is a file DuckDB reads directly.
    for path in (*OUTSIDE_PATHS, "secrets.csv", "x.parquet", "data/lake/warehouse/supplylake/shipments/data/*.parquet"):
        quoted_string = path.replace("'", "''")
        quoted_name = path.replace('"', '""')
        for shape in TABLE_SHAPES:
            yield RefusedCase("replacement scan", "duckdb", shape.format(t=f"'{quoted_string}'"), "FROM")
        yield RefusedCase("replacement scan", "duckdb", f'SELECT * FROM "{quoted_name}"', "FROM")
        joined = f"SELECT * FROM shipments JOIN '{quoted_string}' ON TRUE"
        yield RefusedCase("replacement scan", "duckdb", joined, "FROM")
    for dialect, sql in (
        ("postgres", 'SELECT * FROM "/etc/passwd"'),
        ("snowflake", 'SELECT * FROM "/etc/passwd"'),
        ("bigquery", "SELECT * FROM `/etc/passwd`"),
        ("bigquery", "SELECT * FROM `https://example.com/x.parquet`"),
        ("mysql", "SELECT * FROM `/etc/passwd`"),
    ):
        yield RefusedCase("replacement scan", dialect, sql, "FROM")


# -- functions that reveal the environment or change the connection ---------------------------


def _environment_and_connection() -> Iterator[RefusedCase]:
    scalar_calls = (
        ("getenv('HOME')", "getenv"),
        ("getenv('SUPPLYLAKE_KAFKA__SASL_PASSWORD')", "getenv"),
        ("current_setting('allowed_directories')", "current_setting"),
        ("current_setting('s3_secret_access_key')", "current_setting"),
        ("write_log('x')", "write_log"),
        ("json_deserialize_sql(json_serialize_sql('SELECT 1'))", "json_deserialize_sql"),
        ("sleep_ms(100000)", "sleep_ms"),
    )
    for call, names in scalar_calls:
        for shape in (
            "SELECT {c}",
            "SELECT shipment_id, {c} AS leak FROM shipments",
            "SELECT * FROM shipments WHERE {c} IS NOT NULL",
            "WITH x AS (SELECT {c} AS v) SELECT * FROM x",
        ):
            yield RefusedCase("environment", "duckdb", shape.format(c=call), names)
    table_calls = (
        ("duckdb_settings()", "duckdb_settings"),
        ("duckdb_secrets()", "duckdb_secrets"),
        ("which_secret('s3://bucket/x', 's3')", "which_secret"),
        ("duckdb_extensions()", "duckdb_extensions"),
        ("duckdb_databases()", "duckdb_databases"),
        ("duckdb_logs()", "duckdb_logs"),
        ("duckdb_variables()", "duckdb_variables"),
        ("enable_logging(storage = 'file', storage_path = 'data/lake/warehouse/logs')", "enable_logging"),
        ("enable_logging()", "enable_logging"),
        ("disable_logging()", "disable_logging"),
        ("enable_profiling()", "enable_profiling"),
        ("checkpoint()", "checkpoint"),
        ("force_checkpoint()", "force_checkpoint"),
        ("truncate_duckdb_logs()", "truncate_duckdb_logs"),
        ("pragma_database_size()", "pragma_database_size"),
        ("pragma_platform()", "pragma_platform"),
        ("query('SELECT * FROM read_csv(''/etc/passwd'')')", "query"),
        ("query_table('shipments')", "query_table"),
        ("json_execute_serialized_sql(json_serialize_sql('SELECT 1'))", "json_execute_serialized_sql"),
        ("set_iceberg_table_properties('x', {'a': 'b'})", "set_iceberg_table_properties"),
        ("iceberg_to_ducklake('x', 'y')", "iceberg_to_ducklake"),
        ("arrow_scan(0, 0, 0)", "arrow_scan"),
    )
    for call, names in table_calls:
        for shape in TABLE_SHAPES[:4]:
            yield RefusedCase("environment", "duckdb", shape.format(t=call), names)
    for bare in ("duckdb_logs", "duckdb_settings", "pragma_database_list", "duckdb_secrets", "checkpoint"):
        yield RefusedCase("environment", "duckdb", f"SELECT * FROM {bare}", bare)
    for dialect, sql, names in (
        ("postgres", "SELECT current_setting('search_path')", "current_setting"),
        ("postgres", "SELECT * FROM query('SELECT 1')", "query"),
        ("snowflake", "SELECT GETENV('HOME')", "getenv"),
        ("bigquery", "SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ):
        yield RefusedCase("environment", dialect, sql, names)


# -- hiding variants --------------------------------------------------------------------------

_HIDDEN_BASES = (
    ("DROP TABLE shipments", "DROP"),
    ("COPY shipments TO '/tmp/x.csv'", "COPY"),
    ("ATTACH '/tmp/other.db' AS other", "ATTACH"),
    ("INSTALL httpfs", "INSTALL"),
    ("SET enable_external_access = true", "SET"),
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("SELECT * FROM '/etc/passwd'", "FROM"),
    ("SELECT getenv('HOME')", "getenv"),
    ("EXPORT DATABASE '/tmp/dump'", "EXPORT"),
)

Variant = Callable[[str], str]


def _hidden(base: Iterable[RefusedCase]) -> Iterator[RefusedCase]:
    del base  # the variants work on a fixed, representative set
    prefixes: tuple[Variant, ...] = (
        lambda s: f"-- just a comment\n{s}",
        lambda s: f"/* harmless */ {s}",
        lambda s: f"/* outer /* nested */ still comment */ {s}",
        lambda s: f"\n\n\t  {s}  \n;\n",
        lambda s: _mixed_case(s),
        lambda s: s.replace(" ", " /**/ "),
        lambda s: s.replace(" ", "\n\t"),
    )
    for sql, names in _HIDDEN_BASES:
        for variant in prefixes:
            yield RefusedCase("hidden", "duckdb", variant(sql), names)
    stacked: tuple[Variant, ...] = (
        lambda s: f"SELECT 1; {s}",
        lambda s: f"SELECT ';' AS harmless; {s}",
        lambda s: f"SELECT 'a;b' AS x /* ; */ ; {s};",
        lambda s: f"SELECT 1 -- ; nothing here\n; {s}",
        lambda s: f"SELECT 1 /* ; */;\n{s}",
        lambda s: f"SELECT * FROM shipments;\n\n{s}",
        lambda s: f"SELECT $$;$$ AS dollar; {s}",
    )
    for sql, names in _HIDDEN_BASES:
        for variant in stacked:
            yield RefusedCase("several statements", "duckdb", variant(sql), "statements")
        # Refused first for what the first statement is, or for being several.
        yield RefusedCase("several statements", "duckdb", f"{sql}; SELECT 1", f"statements|{names}")
    for dialect in ("postgres", "snowflake", "bigquery"):
        for sql in ("SELECT 1; DROP TABLE shipments", "SELECT ';' AS s; DELETE FROM shipments"):
            yield RefusedCase("several statements", dialect, sql, "statements")


def _mixed_case(sql: str) -> str:
    rng = random.Random(sql)  # deterministic casing per statement
    outside_strings = sql.split("'")
    for index in range(0, len(outside_strings), 2):  # only outside string literals
        part = outside_strings[index]
        outside_strings[index] = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in part)
    return "'".join(outside_strings)


# -- the positive control ---------------------------------------------------------------------

# (dialect, query) an analyst writes over the lake; every one must run.
ANALYST_QUERIES: tuple[tuple[str, str], ...] = (
    ("duckdb", "SELECT * FROM shipments"),
    ("duckdb", "FROM shipments"),
    ("duckdb", "SELECT count(*) FROM supplylake.shipments"),
    ("duckdb", "select carrier, COUNT(*) AS n from SHIPMENTS group by ALL order by n desc"),
    ("duckdb", "SELECT ';DROP TABLE shipments' AS harmless, shipment_id FROM shipments"),
    ("duckdb", "SELECT * FROM shipments WHERE carrier <> '/etc/passwd' AND carrier NOT LIKE 'read_csv(%'"),
    ("duckdb", "-- where are my pharma shipments?\nSELECT shipment_id FROM shipments WHERE category = 'PHARMA';"),
    ("duckdb", "/* a note; with a semicolon */ SELECT 1 AS one"),
    ("duckdb", "WITH heavy AS (SELECT * FROM shipments WHERE weight_kg > 50) SELECT count(*) FROM heavy"),
    ("duckdb", "WITH read_csv AS (SELECT 1 AS g) SELECT * FROM read_csv"),
    ("duckdb", "SELECT shipment_id, rank() OVER (PARTITION BY carrier ORDER BY weight_kg) FROM shipments"),
    ("duckdb", "SELECT * FROM range(3)"),
    ("duckdb", "SELECT * FROM generate_series(1, 3)"),
    ("duckdb", "SELECT unnest([1, 2, 3]) AS n"),
    ("duckdb", "SELECT * FROM unnest(['a', 'b'])"),
    ("duckdb", "SELECT 'abc' GLOB 'a*' AS matches, regexp_matches(carrier, 'D.L') FROM shipments"),
    ("duckdb", "SELECT table_name FROM information_schema.tables"),
    ("duckdb", "SELECT table_name FROM duckdb_tables()"),
    ("duckdb", "SELECT column_name FROM information_schema.columns WHERE table_name = 'shipments'"),
    ("duckdb", "SELECT * FROM shipments s1 JOIN shipments s2 USING (shipment_id)"),
    ("duckdb", "SELECT * FROM shipments WHERE shipment_id IN (SELECT shipment_id FROM shipments)"),
    ("duckdb", "SELECT carrier FROM shipments UNION SELECT category FROM shipments"),
    ("duckdb", "VALUES (1, 'a'), (2, 'b')"),
    ("duckdb", "DESCRIBE shipments"),
    ("duckdb", "DESCRIBE SELECT * FROM shipments"),
    ("duckdb", "SHOW TABLES"),
    ("duckdb", "SELECT current_date >= DATE '2025-01-01' AS later, version() IS NOT NULL AS v"),
    ("duckdb", "SELECT json_extract('{\"a\": 1}', '$.a') AS a, 'x.parquet' AS file_name"),
    ("duckdb", "SELECT date_trunc('day', expected_delivery) AS day, sum(weight_kg) FROM shipments GROUP BY 1"),
    ("duckdb", "SELECT * FROM shipments QUALIFY row_number() OVER (PARTITION BY carrier ORDER BY shipment_id) = 1"),
    ("postgres", "SELECT shipment_id, weight_kg::int AS kg FROM shipments WHERE carrier ILIKE 'dhl'"),
    ("postgres", "SELECT * FROM shipments ORDER BY weight_kg DESC NULLS LAST LIMIT 2"),
    ("snowflake", "SELECT IFF(delivered, 'yes', 'no') AS d FROM shipments"),
    ("snowflake", "SELECT shipment_id FROM shipments QUALIFY ROW_NUMBER() OVER (ORDER BY weight_kg) = 1"),
    ("bigquery", "SELECT `carrier`, COUNT(*) AS n FROM `supplylake.shipments` GROUP BY `carrier`"),
    ("bigquery", "SELECT * FROM shipments WHERE SAFE_CAST(weight_kg AS INT64) > 10"),
    ("mysql", "SELECT `carrier` FROM shipments WHERE weight_kg > 10 LIMIT 1"),
    ("trino", "SELECT carrier, approx_distinct(shipment_id) FROM shipments GROUP BY carrier"),
    ("tsql", "SELECT TOP 2 shipment_id FROM shipments ORDER BY weight_kg"),
)
