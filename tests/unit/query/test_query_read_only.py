"""The runner accepts one read-only query in the analyst's dialect and refuses everything else."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pytest

from supplylake.query import (
    LakeReader,
    NotAQuery,
    QueryError,
    UnknownTable,
    check_read_only,
    render,
    run_query,
    run_query_on,
)
from supplylake.query.runner import _confirm_with_duckdb
from tests.support.query_lake import Lake

FIXTURES = Path(__file__).parent / "fixtures"

SHIPMENTS = pa.schema(
    [
        ("shipment_id", pa.string()),
        ("carrier", pa.string()),
        ("weight_kg", pa.float64()),
        ("temp_c", pa.float64()),
        ("delivered", pa.bool_()),
        ("expected_delivery", pa.timestamp("us", tz="UTC")),
        ("category", pa.string()),
    ]
)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


SHIPMENT_ROWS = [
    ("SHP-1", "DHL", 120.5, 4.0, True, _ts("2025-01-15T10:00"), "PHARMA"),
    ("SHP-2", "UPS", 80.0, 9.5, False, _ts("2025-01-16T12:30"), "PHARMA"),
    ("SHP-3", "DHL", 15.25, None, False, _ts("2025-01-17T08:00"), "GENERAL"),
    ("SHP-4", "FedEx", 300.0, None, True, _ts("2025-01-15T18:45"), "GENERAL"),
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> LakeReader:
    lake = Lake(tmp_path_factory.mktemp("read_only"))
    lake.create("shipments", SHIPMENTS)
    lake.append("shipments", [dict(zip(SHIPMENTS.names, row, strict=True)) for row in SHIPMENT_ROWS])
    return LakeReader(lake.catalog)


# (dialect, SQL, what the error must name)
REFUSED = [
    ("duckdb", "INSERT INTO shipments VALUES ('SHP-9', 'DHL', 1, 1, true, now(), 'X')", "INSERT"),
    ("duckdb", "UPDATE shipments SET carrier = 'UPS'", "UPDATE"),
    ("duckdb", "DELETE FROM shipments", "DELETE"),
    ("duckdb", "DROP TABLE shipments", "DROP TABLE"),
    ("duckdb", "DROP VIEW shipments", "DROP VIEW"),
    ("duckdb", "CREATE TABLE copy_of AS SELECT * FROM shipments", "CREATE TABLE"),
    ("duckdb", "CREATE OR REPLACE VIEW shipments AS SELECT 1", "CREATE OR REPLACE VIEW"),
    ("duckdb", "COPY shipments TO '/tmp/shipments.csv'", "COPY"),
    ("duckdb", "COPY (SELECT * FROM shipments) TO 'out.parquet' (FORMAT parquet)", "COPY"),
    ("duckdb", "ATTACH 'other.db' AS other", "ATTACH"),
    ("duckdb", "DETACH other", "DETACH"),
    ("duckdb", "INSTALL httpfs", "INSTALL"),
    ("duckdb", "LOAD httpfs", "LOAD"),
    ("duckdb", "PRAGMA enable_profiling", "PRAGMA"),
    ("duckdb", "SET enable_external_access = true", "SET"),
    ("duckdb", "EXPORT DATABASE 'dump'", "EXPORT"),
    ("duckdb", "CALL pragma_version()", "CALL"),
    ("duckdb", "EXPLAIN SELECT 1", "EXPLAIN"),
    ("duckdb", "CHECKPOINT", "CHECKPOINT"),
    ("duckdb", "BEGIN TRANSACTION", "BEGIN"),
    ("duckdb", "USE memory", "USE"),
    ("duckdb", "SELECT 1; DROP TABLE shipments", "2 statements"),
    ("duckdb", "SELECT 1; SELECT 2", "2 statements"),
    ("duckdb", "", "no SQL statement"),
    ("duckdb", "-- only a comment", "no SQL statement"),
    ("postgres", "WITH x AS (INSERT INTO shipments DEFAULT VALUES RETURNING *) SELECT * FROM x", "INSERT"),
    ("postgres", "SELECT * INTO shipments_copy FROM shipments", "INTO"),
    ("postgres", "TRUNCATE shipments", "TRUNCATE"),
    (
        "snowflake",
        "MERGE INTO shipments t USING shipments s ON t.shipment_id = s.shipment_id WHEN MATCHED THEN DELETE",
        "MERGE",
    ),
    ("bigquery", "DELETE FROM `supplylake.shipments` WHERE TRUE", "DELETE"),
    ("duckdb", "SHOW databases", "SHOW"),
]


@pytest.mark.parametrize(("dialect", "sql", "named"), REFUSED, ids=[r[1][:40] or "empty" for r in REFUSED])
def test_refused_statements_raise_not_a_query(dialect: str, sql: str, named: str) -> None:
    with pytest.raises(NotAQuery) as caught:
        check_read_only(sql, dialect=dialect)
    assert named.lower() in caught.value.message.lower()
    assert caught.value.hint  # says what does run here


def test_refusal_happens_before_the_lake_is_touched() -> None:
    class ExplodingCatalog:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the catalog was used ({name})")

    reader = LakeReader(ExplodingCatalog())  # type: ignore[arg-type]
    with pytest.raises(NotAQuery, match="DROP"):
        run_query(reader, "DROP TABLE shipments")


def test_nothing_was_changed_by_the_refusals(reader: LakeReader) -> None:
    for dialect, sql, _ in REFUSED:
        with pytest.raises(NotAQuery):
            run_query(reader, sql, dialect=dialect)
    assert run_query(reader, "SELECT count(*) FROM shipments").rows == [(4,)]


def test_duckdb_parser_is_a_second_gate(reader: LakeReader) -> None:
    con = reader.connect()
    try:
        with pytest.raises(NotAQuery, match="COPY"):
            _confirm_with_duckdb(con, "COPY shipments TO 'x.csv'")
        with pytest.raises(NotAQuery):
            _confirm_with_duckdb(con, "SELECT 1; SELECT 2")
        _confirm_with_duckdb(con, "SELECT 1")
    finally:
        con.close()


def _dialect_cases() -> list[Any]:
    text = (FIXTURES / "dialect_queries.sql").read_text()
    cases = []
    for block in re.split(r"^-- name: ", text, flags=re.M)[1:]:
        header, _, body = block.partition("\n")
        dialect = re.search(r"^-- dialect: (\S+)$", body, flags=re.M)
        expect = re.search(r"^-- expect: (.+)$", body, flags=re.M)
        assert dialect and expect, f"malformed fixture block {header!r}"
        sql = "\n".join(line for line in body.splitlines() if not line.startswith("-- "))
        cases.append(pytest.param(dialect.group(1), sql.strip(), orjson.loads(expect.group(1)), id=header))
    return cases


@pytest.mark.parametrize(("dialect", "sql", "expected"), _dialect_cases())
def test_dialect_queries_return_the_right_rows(
    reader: LakeReader, dialect: str, sql: str, expected: list[list[Any]]
) -> None:
    result = run_query(reader, sql, dialect=dialect)
    rows = [list(row.values()) for row in orjson.loads(render(result, "json"))]
    assert rows == expected
    assert set(result.freshness) == {"shipments"}


def test_show_tables_and_describe_are_allowed(reader: LakeReader) -> None:
    tables = run_query(reader, "SHOW TABLES")
    assert ("shipments",) in tables.rows
    described = run_query(reader, "DESCRIBE TABLE shipments", dialect="snowflake")
    assert [row[0] for row in described.rows] == SHIPMENTS.names


def test_unknown_table_names_the_available_ones(reader: LakeReader) -> None:
    with pytest.raises(UnknownTable) as caught:
        run_query(reader, "SELECT * FROM shipmentz")
    assert "shipmentz" in caught.value.message
    assert caught.value.hint is not None and "shipments" in caught.value.hint


def test_sql_errors_are_query_errors_with_the_translated_sql(reader: LakeReader) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(reader, "SELECT nope FROM shipments", dialect="snowflake")
    assert "nope" in caught.value.message
    assert caught.value.hint is not None and "DuckDB ran" in caught.value.hint
    with pytest.raises(QueryError, match="does not parse"):
        check_read_only("SELECT FROM WHERE", dialect="postgres")
    with pytest.raises(QueryError, match="unknown SQL dialect"):
        check_read_only("SELECT 1", dialect="klingon")


def test_reading_files_outside_the_lake_is_refused(reader: LakeReader, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(QueryError, match="outside the lake"):
        run_query(reader, f"SELECT * FROM read_csv('{secret}')")


def test_max_rows_truncates_and_says_so(reader: LakeReader) -> None:
    result = run_query(reader, "SELECT shipment_id FROM shipments ORDER BY 1", max_rows=2)
    assert result.rows == [("SHP-1",), ("SHP-2",)]
    assert result.truncated and result.row_count == 2
    whole = run_query(reader, "SELECT shipment_id FROM shipments", max_rows=4)
    assert not whole.truncated and whole.row_count == 4


def test_run_query_on_reuses_a_connection(reader: LakeReader) -> None:
    con = reader.connect()
    try:
        first = run_query_on(reader, con, "SELECT count(*) FROM shipments")
        second = run_query_on(reader, con, "SELECT `carrier` FROM shipments LIMIT 1", dialect="bigquery")
        assert first.rows == [(4,)] and second.row_count == 1
        with pytest.raises(NotAQuery):
            run_query_on(reader, con, "DROP VIEW shipments")
        assert isinstance(con, duckdb.DuckDBPyConnection)
    finally:
        con.close()
