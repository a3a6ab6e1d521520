"""What a lake holds, by identity: for comparing two lakes built from the same input in different ways
(across broker epochs, with several instances per pipeline, under faults)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from supplylake.lake.catalog import catalog_for
from supplylake.query import LakeReader, run_query_on
from supplylake.query.errors import UnknownTable
from supplylake.settings import load_settings

# Every table, and the columns that identify what it holds: the same rows in both lakes, each
# exactly once. Wall-clock, broker-epoch and source-offset columns differ by construction.
IDENTITY = {
    "inventory_events": "event_id",
    "shipment_events": "event_id",
    "shipment_telemetry": "event_id",
    "order_events": "event_id",
    "alerts": "alert_id || '|' || alert_type || '|' || entity_id",
    # Lines the file intake rejected name their file: the split run has two, the whole run one.
    "dead_letters": "CASE WHEN source_topic LIKE 'file:%' THEN 'file' ELSE source_topic END"
    " || '|' || raw_encoding || '|' || raw_value",
    "inventory_levels": "warehouse_id || ':' || sku || '|' || event_id || '|' || revision",
    "shipment_status": "shipment_id || '|' || cause_id || '|' || status",
    # Stage 3 of the orders pipeline sees its two sources interleaved however the broker delivered
    # them, so a row's intermediate stage may differ between any two runs; which rows exist may not.
    "order_status": "order_id || '|' || event_id",
    "supplier_events": "event_id",
    # A deadline row is named by its deadline, whenever the clock reached it.
    "po_lines": "po_id || ':' || sku || '|' || cause_id",
    "unmatched_receipts": "event_id || '|' || sku || '|' || reason",
    "sales_events": "event_id || '|' || is_late",
    "consumption_events": "event_id || '|' || is_late",
    "external_signals": "event_id",
    # Which days a forecast is made as of follows the partition clock, the same in every run.
    "demand_forecast": "key || '|' || as_of || '|' || target_date || '|' || round(units, 6)",
    # demand_hourly / demand_daily: how many intermediate rows a window gets depends on where
    # checkpoints fall; what each window ends at (below) may not differ.
    # supplier_metrics is left out: the supplier stage sees the facts of different POs in
    # whatever interleaving the broker gives, so which intermediate rows exist differs between
    # any two runs; what a supplier ends at (below) may not.
}
# What each entity ends at, read through the views analysts use.
CURRENT = {
    "inventory_current": "SELECT warehouse_id || ':' || sku, on_hand || '/' || reserved FROM inventory_current",
    "shipments": "SELECT shipment_id, status || '|' || coalesce(CAST(alerted AS VARCHAR), '') FROM ("
    "SELECT shipment_id, status, sla_state AS alerted, row_number() OVER "
    "(PARTITION BY shipment_id ORDER BY revision DESC) AS n FROM shipment_status) WHERE n = 1",
    "orders": "SELECT order_id, coalesce(stage, '') || '|' || coalesce(CAST(is_late AS VARCHAR), '') FROM ("
    "SELECT order_id, stage, is_late, row_number() OVER "
    "(PARTITION BY order_id ORDER BY revision DESC) AS n FROM order_status) WHERE n = 1",
    "po_line_current": "SELECT po_id || ':' || sku, status || '|' || received_qty || '|' || rejected_qty || '|' "
    "|| coalesce(CAST(otif AS VARCHAR), '') FROM po_line_current",
    "demand_hourly_current": "SELECT key || '@' || window_start, units || '|' || late_units || '|' || is_final "
    "FROM demand_hourly_current",
    "demand_daily_current": "SELECT key || '@' || window_start, units || '|' || late_units || '|' || is_final "
    "FROM demand_daily_current",
    "supplier_current": "SELECT supplier_id || ':' || \"window\", lines_due || '|' || open_lines || '|' "
    "|| coalesce(CAST(round(otif_rate, 9) AS VARCHAR), '') FROM supplier_current",
}


def sql(data_dir: Path, query: str) -> list[tuple]:
    with lake_queries(data_dir) as query_lake:
        return query_lake(query)


def sql_rows(data_dir: Path, query: str) -> list[dict[str, Any]]:
    """``query``'s rows as dicts by column name, in this process (no CLI start-up per query)."""
    reader = LakeReader(catalog_for(load_settings(data_dir=data_dir)))
    con = reader.connect()
    try:
        result = run_query_on(reader, con, query)
    finally:
        con.close()
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


@contextmanager
def lake_queries(data_dir: Path) -> Iterator[Callable[[str], list[tuple]]]:
    """One DuckDB connection over ``data_dir``'s lake, pinned once, for many queries: opening a
    connection loads every table's metadata, which costs far more than a small query."""
    reader = LakeReader(catalog_for(load_settings(data_dir=data_dir)))
    con = reader.connect()
    try:
        yield lambda query: run_query_on(reader, con, query).rows
    finally:
        con.close()


def lake_tables(data_dir: Path) -> set[str]:
    """The tables the lake has (a stack that runs only some pipelines has only theirs)."""
    reader = LakeReader(catalog_for(load_settings(data_dir=data_dir)))
    con = reader.connect()
    try:
        return set(reader.pins(con))
    finally:
        con.close()


def lake_contents(data_dir: Path) -> dict[str, list[str] | None]:
    """Per table, the sorted identities of its rows (duplicates kept); per view, each entity's end.

    None for a table the lake does not have (a stack that runs only some pipelines, as the fault
    scenarios do): two lakes still differ when only one of them has it.
    """
    contents: dict[str, list[str] | None] = {}
    with lake_queries(data_dir) as query_lake:
        for table, identity in IDENTITY.items():
            query = f"SELECT {identity}, NULL FROM {table}"
            contents[table] = _identities(query_lake, query, lambda key, _: str(key))
        for name, query in CURRENT.items():
            contents[name] = _identities(query_lake, query, lambda key, value: f"{key}={value}")
    return contents


def _identities(
    query_lake: Callable[[str], list[tuple]], query: str, render: Callable[[Any, Any], str]
) -> list[str] | None:
    try:
        rows = query_lake(query)
    except UnknownTable:
        return None
    return sorted(render(key, value) for key, value in rows)
