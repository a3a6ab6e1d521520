"""Rendering a QueryResult as table, CSV, JSON array and JSON lines."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import orjson
import pyarrow as pa
import pytest

from supplylake.query import FORMATS, LakeReader, QueryResult, render, run_query
from tests.support.query_lake import Lake

TZ_PLUS_2 = timezone(timedelta(hours=2))
WHEN = datetime(2025, 1, 15, 16, 23, 45, tzinfo=TZ_PLUS_2)  # 14:23:45Z

RESULT = QueryResult(
    columns=("sku", "qty", "cost", "at", "naive", "day", "late", "tags", "extra", "id", "raw", "wait", "big", "qty"),
    column_types=(
        "VARCHAR",
        "BIGINT",
        "DECIMAL(10,2)",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP",
        "DATE",
        "BOOLEAN",
        "VARCHAR[]",
        "STRUCT(a INTEGER)",
        "UUID",
        "BLOB",
        "INTERVAL",
        "HUGEINT",
        "INTEGER",
    ),
    rows=[
        (
            "LAPTOP-XPS-15",
            500,
            Decimal("812.50"),
            WHEN,
            datetime(2025, 1, 15, 14, 0),
            date(2025, 1, 15),
            False,
            ["a", "b"],
            {"a": 1},
            UUID("12345678-1234-5678-1234-567812345678"),
            b"\x01\xff",
            timedelta(days=1, hours=2, seconds=3),
            2**70,
            1,
        ),
        ('multi\nline, "quoted"', None, None, None, None, None, True, [], None, None, None, timedelta(0), -5, 2),
    ],
    row_count=2,
    truncated=False,
    freshness={},
    as_of=None,
    duckdb_sql="SELECT …",
)


def test_json_is_an_array_of_objects_with_utc_datetimes() -> None:
    doc = orjson.loads(render(RESULT, "json"))
    assert isinstance(doc, list) and len(doc) == 2
    first = doc[0]
    assert list(first) == [
        "sku",
        "qty",
        "cost",
        "at",
        "naive",
        "day",
        "late",
        "tags",
        "extra",
        "id",
        "raw",
        "wait",
        "big",
        "qty_2",
    ]
    assert first["at"] == "2025-01-15T14:23:45Z"
    assert first["naive"] == "2025-01-15T14:00:00"
    assert first["cost"] == "812.50"  # no float rounding of money
    assert first["day"] == "2025-01-15"
    assert first["tags"] == ["a", "b"] and first["extra"] == {"a": 1}
    assert first["id"] == "12345678-1234-5678-1234-567812345678"
    assert first["raw"] == "01ff"
    assert first["wait"] == "P1DT2H3S"
    assert first["big"] == str(2**70)
    assert first["qty"] == 500 and first["qty_2"] == 1
    assert doc[1]["qty"] is None and doc[1]["late"] is True and doc[1]["wait"] == "PT0S"


def test_jsonl_is_one_object_per_line() -> None:
    lines = render(RESULT, "jsonl").splitlines()
    assert [orjson.loads(line) for line in lines] == orjson.loads(render(RESULT, "json"))


def test_csv_round_trips_through_the_csv_module() -> None:
    rows = list(csv.reader(io.StringIO(render(RESULT, "csv"))))
    assert rows[0] == list(RESULT.columns)
    assert rows[1][:7] == [
        "LAPTOP-XPS-15",
        "500",
        "812.50",
        "2025-01-15T14:23:45Z",
        "2025-01-15T14:00:00",
        "2025-01-15",
        "false",
    ]
    assert rows[1][7] == '["a","b"]'
    assert rows[2][0] == 'multi\nline, "quoted"'  # quoted, not mangled
    assert rows[2][1] == ""  # NULL is an empty field
    assert len(rows) == 3


def test_table_is_aligned_with_numbers_on_the_right() -> None:
    text = render(RESULT, "table")
    lines = text.splitlines()
    assert lines[-1] == "(2 rows)"
    body = lines[:-1]
    # Every separator sits at the same position on every line.
    header_bars = [i for i, ch in enumerate(body[0]) if ch == "|"]
    assert len(header_bars) == len(RESULT.columns) - 1
    for line in body[2:]:
        assert [i for i, ch in enumerate(line) if ch == "|"][: len(header_bars)] == header_bars
    assert "multi\\nline" in text and "NULL" in text
    qty_cells = [line.split("|")[1] for line in body[2:]]
    assert qty_cells[0].endswith("500 ") and qty_cells[1].endswith("NULL ")
    assert qty_cells[0].index("500") > qty_cells[1].index("NULL")


def test_table_footer_mentions_truncation() -> None:
    truncated = QueryResult(("n",), ("INTEGER",), [(1,)], 1, True, {}, None, "SELECT 1")
    assert render(truncated, "table").splitlines()[-1] == "(1 row, more not shown)"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="table, csv, json, jsonl"):
        render(RESULT, "xml")
    assert FORMATS == ("table", "csv", "json", "jsonl")


def test_lake_timestamps_render_in_utc_end_to_end(lake: Lake) -> None:
    lake.create("events", pa.schema([("seen_at", pa.timestamp("us", tz="UTC"))]))
    lake.append("events", [{"seen_at": datetime(2025, 1, 15, 14, 23, 45, tzinfo=UTC)}])
    result = run_query(LakeReader(lake.catalog), "SELECT seen_at FROM events")
    assert render(result, "csv") == "seen_at\n2025-01-15T14:23:45Z\n"
    assert orjson.loads(render(result, "json")) == [{"seen_at": "2025-01-15T14:23:45Z"}]
