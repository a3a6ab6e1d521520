"""Short human summaries of what the lake holds (printed by `run` and `demo`)."""

from __future__ import annotations

import duckdb

from supplylake.lake.catalog import catalog_for
from supplylake.query.lake_views import LakeReader
from supplylake.settings import Settings

# (label, relation) in the order they are printed; relations not created yet are skipped.
SUMMARY = (
    ("inventory events", "inventory_events"),
    ("level changes", "inventory_levels"),
    ("stock positions", "inventory_current"),
    ("order events", "order_events"),
    ("orders", "order_current"),
    ("shipment events", "shipment_events"),
    ("telemetry readings", "shipment_telemetry"),
    ("shipments", "shipment_current"),
    ("alerts", "alerts"),
    ("dead letters", "dead_letters"),
)


def lake_counts(settings: Settings) -> dict[str, int]:
    """Row count per relation of SUMMARY that exists, plus `alerts.<TYPE>` per alert type."""
    reader = LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)
    con = reader.connect()
    try:
        present = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        counts = {relation: _count(con, relation) for _, relation in SUMMARY if relation in present}
        if "alerts" in present:
            for alert_type, n in con.execute(
                "SELECT alert_type, count(*) FROM alerts GROUP BY 1 ORDER BY 1"
            ).fetchall():
                counts[f"alerts.{alert_type}"] = int(n)
    finally:
        con.close()
    return counts


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    # `relation` is one of SUMMARY's constants, never user input.
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()  # noqa: S608
    return int(row[0]) if row is not None else 0


def lake_summary(settings: Settings) -> str:
    counts = lake_counts(settings)
    parts = [f"{counts[relation]} {label}" for label, relation in SUMMARY if relation in counts]
    by_type = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in counts.items() if k.startswith("alerts."))
    return "lake: " + ", ".join(parts) + (f"\nalerts by type: {by_type}" if by_type else "")
