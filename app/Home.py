"""supplylake dashboard: what is happening now, and how fresh it is.

A first page for managers: current stock per warehouse×SKU, open stock alerts and dead letters,
each with the age of the data behind it. Reads the lake through the same DuckDB views as
`supplylake sql`; the page refreshes itself every few seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb
import streamlit as st

from supplylake.lake.catalog import catalog_for
from supplylake.query.errors import UnknownTable
from supplylake.query.lake_views import LakeReader, TablePin
from supplylake.query.runner import QueryResult, run_query_on
from supplylake.settings import load_settings

st.set_page_config(page_title="supplylake", layout="wide")


@st.cache_resource
def reader() -> LakeReader:
    settings = load_settings()
    return LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)


@st.cache_resource
def connection() -> duckdb.DuckDBPyConnection:  # one pinned DuckDB connection, refreshed on every run
    return reader().connect()


def query(sql: str) -> QueryResult | None:
    """The result, or None while a table the query needs has not been created yet."""
    con = connection()
    reader().refresh(con)
    try:
        return run_query_on(reader(), con, sql)
    except UnknownTable:
        return None


def age(pins: Mapping[str, TablePin], table: str) -> str:
    pin = pins.get(table)
    moment = pin and (pin.committed_at or pin.snapshot_at)
    if not moment:
        return "no data yet"
    seconds = (datetime.now(UTC) - moment).total_seconds()
    return f"updated {seconds:.0f}s ago"


st.title("supplylake — supply chain, now")


@st.fragment(run_every=5)
def live() -> None:
    stock = query(
        "SELECT warehouse_id, sku, on_hand, reserved, available, updated_at FROM inventory_current "
        "ORDER BY available, sku"
    )
    alerts = query("SELECT alert_type, entity_id, raised_at, details FROM alerts ORDER BY raised_at DESC LIMIT 50")
    dead = query("SELECT count(*) FROM dead_letters")
    cols = st.columns(3)
    for col, label, result, table, value in (
        (cols[0], "stock positions", stock, "inventory_levels", stock and stock.row_count),
        (cols[1], "alerts (latest 50)", alerts, "alerts", alerts and alerts.row_count),
        (cols[2], "dead letters", dead, "dead_letters", dead and dead.rows[0][0]),
    ):
        col.metric(label, value or 0)
        col.caption(age(result.freshness, table) if result else "no data yet")
    st.subheader("Stock, lowest available first")
    if stock:
        st.dataframe([dict(zip(stock.columns, row, strict=True)) for row in stock.rows], use_container_width=True)
    st.subheader("Latest alerts")
    if alerts:
        st.dataframe([dict(zip(alerts.columns, row, strict=True)) for row in alerts.rows], use_container_width=True)


live()
