"""Every statement of a generated corpus that writes or reaches outside the lake is refused.

The corpus (tests/support/read_only_corpus.py) is built with sqlglot in several dialects and
multiplied by hiding variants. Each refusal must be a :class:`NotAQuery` whose message is one line
naming what was refused, with a hint. Reads of files and URLs are also checked layer by layer
against a real lake: DuckDB's parse tree alone refuses them, and the locked-down connection alone
cannot read them either. Analyst queries over the lake keep running (the positive control).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from supplylake.query import LakeReader, NotAQuery, QueryError, check_read_only, run_query
from supplylake.query.lake_only import refuse_outside_reach_in_duckdb
from tests.support.query_lake import Lake
from tests.support.read_only_corpus import ANALYST_QUERIES, RefusedCase, read_cases, refused_cases

CORPUS = refused_cases()

SHIPMENTS = pa.schema(
    [
        ("shipment_id", pa.string()),
        ("carrier", pa.string()),
        ("category", pa.string()),
        ("weight_kg", pa.float64()),
        ("delivered", pa.bool_()),
        ("expected_delivery", pa.timestamp("us", tz="UTC")),
    ]
)


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> LakeReader:
    lake = Lake(tmp_path_factory.mktemp("read_only_corpus"))
    lake.create("shipments", SHIPMENTS)
    lake.append(
        "shipments",
        [
            {"shipment_id": "SHP-1", "carrier": "DHL", "category": "PHARMA", "weight_kg": 120.5, "delivered": True},
            {"shipment_id": "SHP-2", "carrier": "UPS", "category": "GENERAL", "weight_kg": 8.0, "delivered": False},
        ],
    )
    return LakeReader(lake.catalog, derived_views={})


def test_the_corpus_is_large_and_covers_every_category() -> None:
    categories = Counter(case.category for case in CORPUS)
    assert len(CORPUS) >= 500, categories
    assert {"write", "duckdb statement", "file read", "replacement scan", "environment", "hidden"} <= set(categories)
    assert {case.dialect for case in CORPUS} >= {"duckdb", "postgres", "snowflake", "bigquery", "mysql"}


def _unclear(case: RefusedCase, refusal: NotAQuery) -> str | None:
    """Why ``refusal`` is not a clear refusal of ``case`` (None when it is)."""
    named = any(word.lower() in refusal.message.lower() for word in case.names.split("|"))
    if not named or "\n" in refusal.message or not refusal.hint:
        return f"{case.dialect}: {case.sql!r} -> {refusal.one_line()}"
    return None


def _assert_clear_refusal(case: RefusedCase, refusal: NotAQuery) -> None:
    problem = _unclear(case, refusal)
    assert problem is None, problem


def test_every_statement_of_the_corpus_is_refused_with_a_clear_message() -> None:
    problems: list[str] = []
    for case in CORPUS:
        try:
            check_read_only(case.sql, dialect=case.dialect)
        except NotAQuery as refusal:
            problem = _unclear(case, refusal)
            if problem:
                problems.append(f"unclear: {problem}")
        except QueryError as error:
            problems.append(f"not refused as a non-query: {case.dialect}: {case.sql!r} -> {error.one_line()}")
        else:
            problems.append(f"accepted: {case.dialect}: {case.sql!r}")
    assert not problems, f"{len(problems)} of {len(CORPUS)}:\n" + "\n".join(problems)


def test_duckdb_parse_tree_alone_refuses_every_read(reader: LakeReader) -> None:
    """The second layer on its own: DuckDB's tree of the SQL, without sqlglot's verdict."""
    for case in read_cases():
        with pytest.raises(NotAQuery) as caught:
            refuse_outside_reach_in_duckdb(case.sql)
        _assert_clear_refusal(case, caught.value)


def test_locked_connection_alone_cannot_read_outside_the_lake(reader: LakeReader) -> None:
    """The last layer on its own: the SQL goes straight to a lake connection, unchecked."""
    con = reader.connect()
    try:
        for case in read_cases():
            try:
                rows = con.execute(case.sql).fetchall()
            except duckdb.Error as refusal:
                assert "root:" not in str(refusal), (case.sql, refusal)
                if case.category == "file read":  # the plain call: file access itself is denied
                    assert isinstance(refusal, duckdb.PermissionException), (case.sql, refusal)
            else:
                # DESCRIBE only binds: sniff_csv, for one, names its columns without reading.
                assert case.sql.startswith("DESCRIBE") and "root:" not in str(rows), (case.sql, rows)
    finally:
        con.close()


def test_refusals_through_a_real_lake_connection(reader: LakeReader) -> None:
    for case in read_cases()[::7]:
        with pytest.raises(NotAQuery) as caught:
            run_query(reader, case.sql, dialect=case.dialect)
        _assert_clear_refusal(case, caught.value)
    assert run_query(reader, "SELECT count(*) FROM shipments").rows == [(2,)]


@pytest.mark.parametrize(("dialect", "sql"), ANALYST_QUERIES, ids=[f"{d}:{q[:40]}" for d, q in ANALYST_QUERIES])
def test_analyst_queries_still_run(reader: LakeReader, dialect: str, sql: str) -> None:
    result = run_query(reader, sql, dialect=dialect)
    assert result.columns


def test_nothing_outside_the_lake_was_written(reader: LakeReader, tmp_path: Path) -> None:
    """Refused statements that name an output path wrote nothing there."""
    for case in CORPUS:
        if "supplylake-out" in case.sql:
            with pytest.raises(NotAQuery):
                run_query(reader, case.sql, dialect=case.dialect)
    assert not Path("/tmp/supplylake-out.csv").exists()
    assert not (tmp_path / "escape.db").exists()
