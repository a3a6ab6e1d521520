from __future__ import annotations

import datetime as dt
import glob
import os

import duckdb
import duckdb_extension_avro
import duckdb_extension_iceberg
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyiceberg.catalog import Catalog
from pyiceberg.schema import Schema
from pyiceberg.table import TableProperties
from pyiceberg.transforms import DayTransform, HourTransform, MonthTransform, YearTransform
from pyiceberg.types import (
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    NestedField,
    StringType,
    TimestamptzType,
)

from supplylake.lake import (
    ALERTS,
    DEAD_LETTERS,
    INVENTORY_EVENTS,
    INVENTORY_LEVELS,
    TABLES,
    Column,
    ExactlyOnceWriter,
    InvalidBatch,
    SchemaConflict,
    define_table,
    ensure_table,
    rows_to_arrow,
)
from supplylake.lake.datafiles import transform_array
from supplylake.lake.tables import SOURCE_COLUMNS


def test_tables_are_typed_documented_and_day_partitioned() -> None:
    types = {f.name: f.field_type for f in INVENTORY_EVENTS.schema.fields}
    assert types["quantity"] == LongType()
    assert types["event_time"] == TimestamptzType()
    assert types["ingested_at"] == TimestamptzType()
    assert types["unit_cost"] == DoubleType()
    assert types["is_late"] == BooleanType()
    assert types["payload"] == StringType()
    assert {f.name: f.field_type for f in INVENTORY_LEVELS.schema.fields}["revision"] == IntegerType()
    assert {f.name: f.field_type for f in DEAD_LETTERS.schema.fields}["source_offset"] == LongType()
    assert [t.name for t in TABLES] == [
        "inventory_events",
        "inventory_levels",
        "alerts",
        "dead_letters",
        "order_events",
        "order_status",
        "shipment_events",
        "shipment_telemetry",
        "shipment_status",
        "supplier_events",
        "po_lines",
        "unmatched_receipts",
        "supplier_metrics",
        "sales_events",
        "consumption_events",
        "external_signals",
        "demand_hourly",
        "demand_daily",
        "demand_forecast",
        "replenishment_suggestions",
        "replenishment_deliveries",
        "projected_inventory",
        "disruption_impacts",
        "shipment_risk_models",
    ]
    time_columns = {"inventory_events": "event_time", "inventory_levels": "event_time", "alerts": "raised_at"}
    time_columns["dead_letters"] = "failed_at"
    time_columns.update(
        dict.fromkeys(
            ("order_events", "order_status", "shipment_events", "shipment_telemetry", "shipment_status"), "event_time"
        )
    )
    time_columns.update(
        {"supplier_events": "event_time", "po_lines": "changed_at", "unmatched_receipts": "event_time"},
        supplier_metrics="as_of",
    )
    time_columns.update(
        sales_events="event_time",
        consumption_events="event_time",
        external_signals="event_time",
        demand_hourly="window_start",
        demand_daily="window_start",
        demand_forecast="as_of",
        replenishment_suggestions="as_of",
        replenishment_deliveries="delivered_at",
        projected_inventory="as_of",
        disruption_impacts="signal_time",
        shipment_risk_models="trained_at",
    )
    for spec in TABLES:
        fields = {f.name: f for f in spec.schema.fields}
        assert {f.field_type for f in fields.values()} != {StringType()}
        assert fields["_src_topic"].field_type == StringType() and fields["_src_topic"].required
        assert fields["_src_partition"].field_type == IntegerType()
        assert fields["_src_offset"].field_type == LongType()
        assert all(f.doc for f in fields.values()), spec.name
        assert all(name == name.lower() for name in fields)
        assert all(fields[n].field_type == TimestamptzType() for n in fields if n.endswith("_at"))
        (partition,) = spec.partition_spec.fields
        assert isinstance(partition.transform, DayTransform)
        assert spec.schema.find_field(partition.source_id).name == time_columns[spec.name]
        assert [spec.schema.find_field(i).name for i in spec.schema.identifier_field_ids] == list(spec.key)


def test_ensure_table_creates_with_sink_properties(catalog: Catalog) -> None:
    table = ensure_table(catalog, ALERTS)
    assert table.properties[TableProperties.COMMIT_NUM_RETRIES] == "0"
    assert table.properties["comment"] == ALERTS.description
    assert isinstance(table.spec().fields[0].transform, DayTransform)
    assert table.schema().find_field("details").doc
    again = ensure_table(catalog, ALERTS)
    assert again.metadata.table_uuid == table.metadata.table_uuid
    assert again.metadata_location == table.metadata_location  # nothing to change → no commit


def test_ensure_table_evolves_an_older_table_by_adding_optional_columns(catalog: Catalog, events) -> None:
    dropped = {"reason", "ingested_at"} | {c.name for c in SOURCE_COLUMNS}  # define_table re-adds the source ones
    old_columns = tuple(c for c in INVENTORY_EVENTS.columns if c.name not in dropped)
    old = define_table("inventory_events", "old", time_column="event_time", columns=old_columns, key=("event_id",))
    catalog.create_table(
        old.identifier(),
        schema=old.schema,
        partition_spec=old.partition_spec,
        properties={TableProperties.COMMIT_NUM_RETRIES: "4"},
    )
    old_writer = ExactlyOnceWriter(catalog, old, cluster_id="c")
    old_writer.commit(events(range(3)), {("inventory-events", 0): 2}, max_event_time_ms=None)
    before = catalog.load_table(old.identifier())
    before.transaction().set_properties({TableProperties.COMMIT_NUM_RETRIES: "4"}).commit_transaction()
    assert len(before.schema().fields) == len(INVENTORY_EVENTS.columns) - 2

    table = ensure_table(catalog, INVENTORY_EVENTS)

    assert table.properties[TableProperties.COMMIT_NUM_RETRIES] == "0"
    reason = table.schema().find_field("reason")
    assert reason.field_type == StringType() and not reason.required and reason.doc
    assert not table.schema().find_field("ingested_at").required
    assert table.schema().find_field("event_id").required  # existing columns untouched
    writer = ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id="c")
    rows = events(range(3, 5))
    rows[0]["reason"] = "recount"
    writer.commit(rows, {("inventory-events", 0): 4}, max_event_time_ms=None)
    got = table.refresh().scan().to_arrow().sort_by("_src_offset")
    assert got["reason"].to_pylist() == [None, None, None, "recount", None]
    # A writer still on the old spec keeps working against the evolved table.
    old_writer.commit(events(range(5, 6)), {("inventory-events", 0): 5}, max_event_time_ms=None)
    assert table.refresh().scan().to_arrow().num_rows == 6


def test_ensure_table_refuses_a_changed_column_type(catalog: Catalog) -> None:
    catalog.create_table(
        ALERTS.identifier(),
        schema=Schema(
            NestedField(1, "alert_id", StringType(), required=True), NestedField(2, "raised_at", StringType())
        ),
    )
    with pytest.raises(SchemaConflict, match="raised_at"):
        ensure_table(catalog, ALERTS)


def test_rows_to_arrow_builds_typed_columns() -> None:
    aware = dt.datetime(2025, 1, 15, 14, 23, 45, 120000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rows = [
        {
            "alert_id": "a1",
            "alert_type": "stock_out",
            "raised_at": 1_736_951_025_120,
            "details": '{"x": 1}',
            "_src_topic": "t",
            "_src_partition": 3,
            "_src_offset": 9,
        },
        {
            "alert_id": "a2",
            "alert_type": "low_stock",
            "raised_at": 1_736_951_025_121,
            "_src_topic": "t",
            "_src_partition": 3,
            "_src_offset": 10,
        },
    ]
    table = rows_to_arrow(ALERTS, rows)
    assert table.schema == ALERTS.arrow_schema
    assert table["raised_at"].type == pa.timestamp("us", tz="UTC")
    assert table["raised_at"][0].as_py() == dt.datetime(2025, 1, 15, 14, 23, 45, 120000, tzinfo=dt.UTC)
    assert table["_src_partition"].type == pa.int32()
    assert table["details"].to_pylist() == ['{"x": 1}', None]
    with_datetime = rows_to_arrow(ALERTS, [{**rows[0], "raised_at": aware}])
    assert with_datetime["raised_at"][0].as_py() == aware

    with pytest.raises(InvalidBatch, match="naive"):
        rows_to_arrow(ALERTS, [{**rows[0], "raised_at": dt.datetime(2025, 1, 15)}])
    with pytest.raises(InvalidBatch, match="unknown columns"):
        rows_to_arrow(ALERTS, [{**rows[0], "severity": "high"}])
    with pytest.raises(InvalidBatch, match="alert_type"):
        rows_to_arrow(ALERTS, [{**rows[0], "alert_type": None}])
    with pytest.raises(InvalidBatch, match="_src_offset"):
        rows_to_arrow(ALERTS, [{**rows[0], "_src_offset": "nine"}])


def test_define_table_validates_the_spec() -> None:
    with pytest.raises(ValueError, match="time column"):
        define_table("x", "x", time_column="missing", columns=[Column("a", StringType(), "a")])
    with pytest.raises(ValueError, match="must be required"):
        columns = [Column("t", TimestamptzType(), "t"), Column("k", StringType(), "k")]
        define_table("x", "x", time_column="t", columns=columns, key=("k",))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(min_value=-(2**52), max_value=2**52)), min_size=1, max_size=30))
def test_pyarrow_partition_transforms_match_the_iceberg_spec(micros: list[int | None]) -> None:
    values = pa.array(micros, pa.timestamp("us", tz="UTC"))
    for transform in (YearTransform(), MonthTransform(), DayTransform(), HourTransform()):
        expected = [transform.transform(TimestamptzType())(v) for v in micros]
        assert transform_array(transform, TimestamptzType(), values).to_pylist() == expected, transform


def test_rows_land_in_day_partitions_and_duckdb_reads_them(catalog: Catalog, events) -> None:
    writer = ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id="c")
    rows = events(range(4)) + events(range(4, 6), day=1)
    writer.commit(rows, {("inventory-events", 0): 5}, max_event_time_ms=None)
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    files = table.inspect.files().to_pylist()
    by_day = {f["partition"]["event_time_day"]: f["record_count"] for f in files}
    assert by_day == {dt.date(2025, 1, 15): 4, dt.date(2025, 1, 16): 2}
    assert len(table.scan(row_filter="event_time >= '2025-01-16T00:00:00+00:00'").plan_files()) == 1

    con = duckdb.connect()
    for module in (duckdb_extension_avro, duckdb_extension_iceberg):
        (path,) = glob.glob(os.path.join(os.path.dirname(module.__file__), "extensions", "*", "*.duckdb_extension"))
        con.execute(f"LOAD '{path}'")
    got = con.execute(
        f"SELECT count(*), sum(quantity), min(event_time) FROM iceberg_scan('{table.metadata_location}')"
    ).fetchone()
    assert got[0] == 6 and got[1] == sum(range(6))
    assert got[2] == dt.datetime(2025, 1, 15, 14, 6, 40, tzinfo=dt.UTC)


def test_arrow_input_follows_the_same_timestamp_rules() -> None:
    from supplylake.lake.tables import conform_arrow

    base = {
        "alert_id": ["a"],
        "alert_type": ["stock_out"],
        "_src_topic": ["t"],
        "_src_partition": [0],
        "_src_offset": [1],
    }
    millis = conform_arrow(ALERTS, pa.table({**base, "raised_at": pa.array([1_736_951_025_120], pa.int64())}))
    assert millis["raised_at"][0].as_py() == dt.datetime(2025, 1, 15, 14, 23, 45, 120000, tzinfo=dt.UTC)
    assert millis["details"].null_count == 1  # missing optional column → nulls
    with pytest.raises(InvalidBatch, match="without time zone"):
        conform_arrow(ALERTS, pa.table({**base, "raised_at": pa.array([0], pa.timestamp("us"))}))
    with pytest.raises(InvalidBatch, match="required column 'raised_at' is missing"):
        conform_arrow(ALERTS, pa.table(base))
