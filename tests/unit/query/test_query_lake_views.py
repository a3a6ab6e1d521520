"""LakeReader: views pinned to the catalog's metadata_location, refresh, lock-down, extensions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from supplylake.query import ExtensionUnavailable, LakeReader, UnknownTable, extensions, run_query
from tests.support.query_lake import INVENTORY_LEVELS, NAMESPACE, Lake

SHIPMENTS = pa.schema(
    [
        ("shipment_id", pa.string()),
        ("weight_kg", pa.float64()),
        ("delivered", pa.bool_()),
        ("expected_delivery", pa.timestamp("us", tz="UTC")),
    ]
)


def _shipment(i: int) -> dict[str, object]:
    return {
        "shipment_id": f"SHP-{i}",
        "weight_kg": 10.0 * i,
        "delivered": i % 2 == 0,
        "expected_delivery": datetime(2025, 1, 15, 12, i, tzinfo=UTC),
    }


def test_views_return_the_appended_rows(lake: Lake) -> None:
    lake.create("shipments", SHIPMENTS)
    lake.append("shipments", [_shipment(1), _shipment(2)])
    lake.append("shipments", [_shipment(3)])
    reader = LakeReader(lake.catalog)
    con = reader.connect()
    rows = con.execute(
        "SELECT shipment_id, weight_kg, delivered, expected_delivery FROM shipments ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("SHP-1", 10.0, False, datetime(2025, 1, 15, 12, 1, tzinfo=UTC)),
        ("SHP-2", 20.0, True, datetime(2025, 1, 15, 12, 2, tzinfo=UTC)),
        ("SHP-3", 30.0, False, datetime(2025, 1, 15, 12, 3, tzinfo=UTC)),
    ]
    # The namespace is a schema too, so qualified names work.
    assert con.execute(f"SELECT count(*) FROM {NAMESPACE}.shipments").fetchone() == (3,)


def test_empty_table_is_an_empty_view_with_the_iceberg_columns(lake: Lake) -> None:
    lake.create("inventory_levels", INVENTORY_LEVELS)
    reader = LakeReader(lake.catalog)
    con = reader.connect()
    described = con.execute("DESCRIBE inventory_levels").fetchall()
    assert [(row[0], row[1]) for row in described] == [
        ("warehouse_id", "VARCHAR"),
        ("sku", "VARCHAR"),
        ("on_hand", "BIGINT"),
        ("reserved", "BIGINT"),
        ("available", "BIGINT"),
        ("event_id", "VARCHAR"),
        ("event_time", "TIMESTAMP WITH TIME ZONE"),
        ("is_late", "BOOLEAN"),
        ("revision", "INTEGER"),
        ("is_current", "BOOLEAN"),
        ("ingested_at", "TIMESTAMP WITH TIME ZONE"),
        ("_src_topic", "VARCHAR"),
        ("_src_partition", "INTEGER"),
        ("_src_offset", "BIGINT"),
        ("_src_cluster", "VARCHAR"),
    ]
    assert con.execute("SELECT count(*) FROM inventory_levels").fetchone() == (0,)
    # The derived view works on the empty lake too.
    assert con.execute("SELECT * FROM inventory_current").fetchall() == []
    assert reader.pins(con)["inventory_levels"].snapshot_id is None


def test_new_commit_is_invisible_until_refresh(lake: Lake) -> None:
    lake.create("shipments", SHIPMENTS)
    first = lake.append("shipments", [_shipment(1)])
    reader = LakeReader(lake.catalog)
    con = reader.connect()
    second = lake.append("shipments", [_shipment(2), _shipment(3)])

    assert con.execute("SELECT count(*) FROM shipments").fetchone() == (1,)
    assert reader.pins(con)["shipments"].snapshot_id == first.snapshot_id

    reader.refresh(con)
    assert con.execute("SELECT count(*) FROM shipments").fetchone() == (3,)
    assert reader.pins(con)["shipments"].snapshot_id == second.snapshot_id


def test_refresh_adds_new_tables_and_the_derived_views_that_need_them(lake: Lake) -> None:
    lake.create("shipments", SHIPMENTS)
    reader = LakeReader(lake.catalog)
    con = reader.connect()
    assert "inventory_current" in reader.unavailable(con)
    with pytest.raises(UnknownTable, match="inventory_levels"):
        run_query(reader, "SELECT * FROM inventory_current")

    lake.create("inventory_levels", INVENTORY_LEVELS)
    reader.refresh(con)
    # The other default views (shipment_current, order_current) still lack their tables.
    assert "inventory_current" not in reader.unavailable(con)
    assert con.execute("SELECT count(*) FROM inventory_current").fetchone() == (0,)

    lake.catalog.drop_table(f"{NAMESPACE}.shipments")
    reader.refresh(con)
    assert "shipments" not in reader.pins(con)
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM shipments")


def test_orphan_metadata_of_a_killed_commit_is_ignored(lake: Lake) -> None:
    """A commit killed after writing its metadata file but before the catalog swap leaves a
    metadata file with the next version number; readers must follow the catalog, not the
    folder."""
    lake.create("shipments", SHIPMENTS)
    lake.append("shipments", [_shipment(1)])
    committed = lake.table("shipments").metadata_location
    lake.append("shipments", [_shipment(2)])
    orphan = lake.table("shipments").metadata_location
    # Undo the catalog swap of the second commit: its metadata file stays behind as an orphan.
    with sqlite3.connect(lake.root / "catalog.db") as db:
        changed = db.execute(
            "UPDATE iceberg_tables SET metadata_location = ? WHERE table_name = 'shipments'",
            (committed,),
        ).rowcount
    assert changed == 1
    assert Path(orphan.removeprefix("file://")).exists()

    reader = LakeReader(lake.catalog)
    con = reader.connect()
    assert reader.pins(con)["shipments"].metadata_location == committed
    assert con.execute("SELECT shipment_id FROM shipments").fetchall() == [("SHP-1",)]


def test_committed_at_comes_from_the_snapshot_summary_when_present(lake: Lake) -> None:
    lake.create("shipments", SHIPMENTS)
    lake.create("alerts", SHIPMENTS)
    stamped = lake.append("shipments", [_shipment(1)], properties={"supplylake.committed-at-ms": "1736951025123"})
    plain = lake.append("alerts", [_shipment(1)])
    reader = LakeReader(lake.catalog)
    result = run_query(reader, "SELECT * FROM shipments JOIN alerts USING (shipment_id)")
    assert result.row_count == 1
    assert set(result.freshness) == {"shipments", "alerts"}
    shipments = result.freshness["shipments"]
    assert shipments.snapshot_id == stamped.snapshot_id
    assert shipments.committed_at == datetime(2025, 1, 15, 14, 23, 45, 123000, tzinfo=UTC)
    alerts = result.freshness["alerts"]
    assert alerts.committed_at == datetime.fromtimestamp(plain.timestamp_ms / 1000, tz=UTC)


def test_connection_cannot_reach_files_outside_the_lake_or_unlock_itself(lake: Lake, tmp_path: Path) -> None:
    lake.create("shipments", SHIPMENTS)
    lake.append("shipments", [_shipment(1)])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a\n1\n")
    con = LakeReader(lake.catalog).connect()
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"COPY (SELECT 1) TO '{outside}/x.csv'")
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"SELECT * FROM read_csv('{outside}/secret.csv')")
    with pytest.raises(duckdb.Error, match="locked"):
        con.execute("SET enable_external_access = true")
    assert not (outside / "x.csv").exists()
    # The lake itself still reads fine after the lock-down.
    assert con.execute("SELECT count(*) FROM shipments").fetchone() == (1,)


def test_each_connection_loads_the_extension_offline() -> None:
    con = duckdb.connect()
    extensions.load_iceberg(con)
    extensions.load_iceberg(con)  # idempotent per connection
    assert {"avro", "iceberg"} <= extensions.loaded_extensions(con)
    assert con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone() == (False,)


def test_missing_extension_wheel_has_a_clear_error() -> None:
    with pytest.raises(ExtensionUnavailable) as caught:
        extensions.extension_file("no_such_extension")
    assert "duckdb_extension_no_such_extension" in caught.value.message
    wheel = f"duckdb-extension-no_such_extension=={duckdb.__version__}"
    assert caught.value.hint == f"pip install {wheel}"


def test_duckdb_version_mismatch_has_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A wheel built for another DuckDB: its folder is named after that version.
    fake = tmp_path / "duckdb_extension_fake"
    (fake / "extensions" / "v0.9.0").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ExtensionUnavailable) as caught:
        extensions.extension_file("fake")
    assert "v0.9.0" in caught.value.message
    assert f"DuckDB is v{duckdb.__version__}" in caught.value.message


def test_custom_derived_views_report_the_freshness_of_their_base_tables(lake: Lake) -> None:
    lake.create("shipments", SHIPMENTS)
    stamped = lake.append("shipments", [_shipment(1), _shipment(2)])
    reader = LakeReader(
        lake.catalog,
        derived_views={
            "heavy": "SELECT * FROM shipments WHERE weight_kg > 15",
            "heavy_ids": "SELECT shipment_id FROM heavy",  # views may build on earlier ones
        },
    )
    result = run_query(reader, "SELECT * FROM heavy_ids")
    assert result.rows == [("SHP-2",)]
    assert list(result.freshness) == ["shipments"]
    assert result.freshness["shipments"].snapshot_id == stamped.snapshot_id
    # {} means no derived views, not the defaults.
    assert LakeReader(lake.catalog, derived_views={}).derived_views == {}


def test_a_table_created_outside_the_allowed_folders_needs_a_new_connection(lake: Lake, tmp_path: Path) -> None:
    lake.create("shipments", SHIPMENTS)
    reader = LakeReader(lake.catalog)
    con = reader.connect()
    elsewhere = f"file://{tmp_path}/elsewhere/returns"
    lake.catalog.create_table(f"{NAMESPACE}.returns", SHIPMENTS, location=elsewhere)
    lake.append("returns", [_shipment(7)])

    reader.refresh(con)
    problem = reader.unavailable(con)["returns"]
    assert isinstance(problem, UnknownTable) and "new connection" in (problem.hint or "")
    fresh = reader.connect()
    assert fresh.execute("SELECT shipment_id FROM returns").fetchall() == [("SHP-7",)]
