"""Short human summaries of what the lake holds (printed by `run` and `demo`)."""

from __future__ import annotations

from supplylake.lake.sink import catalog_for
from supplylake.query.lake_views import LakeReader
from supplylake.settings import Settings

SUMMARY_SQL = {
    "inventory_events": "SELECT count(*) FROM inventory_events",
    "inventory_levels": "SELECT count(*) FROM inventory_levels",
    "stock positions": "SELECT count(*) FROM inventory_current",
    "alerts": "SELECT count(*) FROM alerts",
    "dead_letters": "SELECT count(*) FROM dead_letters",
}


def lake_counts(settings: Settings) -> dict[str, int]:
    reader = LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)
    con = reader.connect()
    try:
        counts = {name: int(con.execute(sql).fetchone()[0]) for name, sql in SUMMARY_SQL.items()}
        by_type = con.execute("SELECT alert_type, count(*) FROM alerts GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    counts.update({f"alerts.{alert_type}": int(n) for alert_type, n in by_type})
    return counts


def lake_summary(settings: Settings) -> str:
    counts = lake_counts(settings)
    alerts = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in counts.items() if k.startswith("alerts."))
    return (
        f"lake: {counts['inventory_events']} inventory events, {counts['inventory_levels']} level changes, "
        f"{counts['stock positions']} stock positions, {counts['alerts']} alerts"
        + (f" ({alerts})" if alerts else "")
        + f", {counts['dead_letters']} dead letters"
    )
