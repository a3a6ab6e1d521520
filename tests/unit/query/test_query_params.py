"""Named query files: `:name` placeholders bound as string literals, never as SQL."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from supplylake.query.params import ParameterError, bind_params, parse_params, placeholders
from supplylake.query.runner import check_read_only

ROOT = Path(__file__).resolve().parents[3]


def test_placeholders_skip_casts_strings_and_comments() -> None:
    sql = "-- for :not_me\nSELECT x::INT, ':nor_me', :order_id AS a FROM t WHERE b = :order_id"
    assert [name for _, _, name in placeholders(sql)] == ["order_id", "order_id"]
    bound = bind_params(sql, {"order_id": "ORD-1"})
    assert bound.endswith("SELECT x::INT, ':nor_me', 'ORD-1' AS a FROM t WHERE b = 'ORD-1'")
    assert bound.startswith("-- for :not_me")


def test_a_value_cannot_change_the_statement() -> None:
    bound = bind_params("SELECT :v AS v", {"v": "x'; DROP TABLE alerts; --"})
    check_read_only(bound)  # still exactly one query
    assert duckdb.sql(bound).fetchall() == [("x'; DROP TABLE alerts; --",)]


def test_missing_and_unknown_parameters_are_named() -> None:
    with pytest.raises(ParameterError, match=":order_id") as missing:
        bind_params("SELECT :order_id", {})
    assert missing.value.hint == "--param order_id=..."
    with pytest.raises(ParameterError, match=":orderid"):
        bind_params("SELECT :order_id", {"order_id": "1", "orderid": "1"})


def test_parse_params() -> None:
    assert parse_params(["order_id=ORD=1", "x="]) == {"order_id": "ORD=1", "x": ""}
    for bad in ("order_id", "=1", "two words=1"):
        with pytest.raises(ParameterError):
            parse_params([bad])


def test_every_named_query_in_sql_documents_and_uses_its_parameters() -> None:
    files = sorted((ROOT / "sql").glob("*.sql"))
    assert files
    for path in files:
        text = path.read_text()
        header = "\n".join(line for line in text.splitlines() if line.startswith("--"))
        assert text.startswith("-- ") and "Run:" in header, f"{path.name} needs a comment header"
        names = {name for _, _, name in placeholders(text)}
        assert names and all(f":{name}" in header for name in names), f"{path.name}: undocumented parameter"
        check_read_only(bind_params(text, dict.fromkeys(names, "x")))
