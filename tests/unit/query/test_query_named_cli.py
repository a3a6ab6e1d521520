"""`supplylake sql --query NAME` runs the SQL shipped in the package, from any directory.

Through typer's CliRunner (no subprocess); the lake is real (SqlCatalog on SQLite in tmp_path).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from supplylake.cli.main import app, main
from supplylake.lake import TABLES, ExactlyOnceWriter, catalog_for, ensure_table
from supplylake.lake.tables import ORDER_STATUS
from supplylake.query.sql_files import named_query_names, read_named_query, read_view, view_names
from supplylake.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
EVENT_MS = 1_736_950_000_000  # 2025-01-15T14:06:40Z


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every lake table, empty but for one placed order ORD-1."""
    data_dir = tmp_path_factory.mktemp("named") / "data"
    settings = load_settings(data_dir=data_dir)
    catalog = catalog_for(settings)
    for spec in TABLES:
        ensure_table(catalog, spec, namespace=settings.catalog.namespace)
    order = {
        "order_id": "ORD-1",
        "event_id": "e-1",
        "event_type": "order.placed",
        "event_time": EVENT_MS,
        "revision": 0,
        "ingested_at": EVENT_MS,
        "_src_topic": "order-events",
        "_src_partition": 0,
        "_src_offset": 0,
    }
    writer = ExactlyOnceWriter(catalog, ORDER_STATUS, cluster_id="cluster-a", namespace=settings.catalog.namespace)
    writer.commit([order], {("order-events", 0): 0}, max_event_time_ms=None)
    return data_dir


def sql(*args: str) -> Result:
    return CliRunner().invoke(app, ["sql", *args])


def test_a_named_query_runs_from_any_directory(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    by_file = sql(
        "--file", "sql/where_is_my_order.sql", "-p", "order_id=ORD-1", "-f", "json", "--data-dir", str(data_dir)
    )
    assert by_file.exit_code == 0, by_file.output
    monkeypatch.chdir(tmp_path)  # no sql/ folder here
    by_name = sql("--query", "where_is_my_order", "-p", "order_id=ORD-1", "-f", "json", "--data-dir", str(data_dir))
    assert by_name.exit_code == 0, by_name.output
    assert by_name.output == by_file.output
    (row,) = json.loads(by_name.output)
    assert row["order_id"] == "ORD-1"


def test_a_named_query_still_needs_its_parameters(data_dir: Path) -> None:
    result = sql("--query", "where_is_my_order", "--data-dir", str(data_dir))
    assert result.exit_code != 0
    assert "order_id" in str(result.exception)


def test_a_missing_name_gets_one_line_listing_the_names(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = sql("--query", "where_is_my_ordr", "--data-dir", str(data_dir))
    assert result.exit_code == 2
    assert "where_is_my_ordr" in result.output and "where_is_my_order" in result.output
    # The real entry point (what a shell sees) prints it as one line.
    assert main(["sql", "--query", "where_is_my_ordr", "--data-dir", str(data_dir)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and f"available: {', '.join(named_query_names())}" in line


def test_a_missing_file_under_sql_points_at_the_named_query(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sql", "--file", "sql/where_is_my_order.sql", "--data-dir", str(data_dir)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--query where_is_my_order" in line


@pytest.mark.parametrize(
    "args",
    [[], ["SELECT 1", "--query", "where_is_my_order"], ["--file", "x.sql", "--query", "where_is_my_order"]],
)
def test_exactly_one_source_of_sql(data_dir: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", *args, "--data-dir", str(data_dir)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "exactly one of a QUERY, --file FILE or --query NAME" in line


def test_shipped_sql_is_found_through_the_package() -> None:
    # Named queries are the files in sql/; derived views the files in sql/views/, nothing else.
    assert named_query_names() == sorted(p.stem for p in (ROOT / "sql").glob("*.sql"))
    assert view_names() == sorted(p.stem for p in (ROOT / "sql" / "views").glob("*.sql"))
    assert read_named_query("where_is_my_order.sql") == (ROOT / "sql" / "where_is_my_order.sql").read_text()
    assert read_view("inventory_current") == (ROOT / "sql" / "views" / "inventory_current.sql").read_text()
    for outside in ("../settings", "views/inventory_current", "inventory_current"):
        with pytest.raises(Exception, match="available: "):
            read_named_query(outside)
