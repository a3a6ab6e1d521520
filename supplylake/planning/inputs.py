"""What a replenishment review of day D knows about each warehouse × SKU, read from the lake.

Everything is "as of the end of D in event time" (``cut`` = the start of D + 1):

- **stock**: the ``inventory_levels`` row of the key's latest event before the cut (its highest
  revision: out-of-order corrections included);
- **open lines**: each PO line's latest ``po_lines`` row before the cut, OPEN or PARTIAL, with
  ordered - accepted still to come, expected at the latest ASN's arrival, else the promised date;
- **supplier**: the supplier of the key's latest PO line (by ``po_created_at``);
- **lead time**: the supplier's latest ``supplier_metrics`` row (all lines, ``window = 'all'``)
  before the cut; while it has no received line yet, the mean of its promised lead times
  (promised - created) with no spread;
- **forecast**: the ``demand_forecast`` rows made when D closed (``as_of`` = the cut).

A key with no forecast, no stock row or no supplier that day is not reviewed (counted).
The tables are read once per review run into DuckDB temp tables; each day is then one query.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.disruption import NetworkLine, StockView
from supplylake.pipelines.demand.replenishment import Demand, LeadTime, OpenLine, demand_stddev

REQUIRED_TABLES = ("inventory_levels", "po_lines", "supplier_metrics", "demand_forecast")
"""The lake tables a review reads (the inventory, suppliers and demand pipelines write them)."""

_LOAD = {
    "rv_stock": "SELECT warehouse_id, sku, on_hand, reserved, epoch_ms(event_time) AS t, revision, "
    "epoch_ms(ingested_at) AS ingested FROM inventory_levels",
    "rv_lines": "SELECT po_id, sku, supplier_id, warehouse_id, ordered_qty, accepted_qty, status, unit_cost, "
    "epoch_ms(po_created_at) AS created, epoch_ms(promised_at) AS promised, "
    "epoch_ms(asn_expected_at) AS asn_expected, epoch_ms(changed_at) AS t, revision, "
    "epoch_ms(ingested_at) AS ingested FROM po_lines",
    "rv_lead": "SELECT supplier_id, lead_time_mean_days, lead_time_stddev_days, epoch_ms(as_of) AS t, revision, "
    "epoch_ms(ingested_at) AS ingested FROM supplier_metrics WHERE sku IS NULL AND \"window\" = 'all'",
    # One row per key, day made and target day (a day closed again after a restart keeps its latest).
    "rv_forecast": "SELECT warehouse_id, sku, epoch_ms(as_of) AS made, horizon_day, units, mae, model FROM "
    "demand_forecast QUALIFY row_number() OVER (PARTITION BY key, as_of, target_date ORDER BY ingested_at DESC) = 1",
}

_AS_OF = """
stock AS (
    SELECT warehouse_id, sku, on_hand, reserved FROM rv_stock WHERE t < $cut
    QUALIFY row_number() OVER (PARTITION BY warehouse_id, sku ORDER BY t DESC, revision DESC, ingested DESC) = 1
),
line_now AS (
    SELECT * FROM rv_lines WHERE t < $cut
    QUALIFY row_number() OVER (PARTITION BY po_id, sku ORDER BY t DESC, ingested DESC, revision DESC) = 1
)
"""
"""The stock and PO lines as of ``$cut`` (shared by a review day and a disruption assessment)."""

_DAY = (  # constant SQL pieces only
    "WITH "  # noqa: S608
    + _AS_OF
    + """,
open_lines AS (
    SELECT warehouse_id, sku,
        list({'po_id': po_id, 'quantity': greatest(ordered_qty - coalesce(accepted_qty, 0), 0),
              'due_ms': coalesce(asn_expected, promised)} ORDER BY po_id) AS lines
    FROM line_now WHERE status IN ('OPEN', 'PARTIAL') AND coalesce(asn_expected, promised) IS NOT NULL
    GROUP BY ALL
),
sourcing AS (
    SELECT warehouse_id, sku, supplier_id FROM line_now WHERE supplier_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY warehouse_id, sku ORDER BY created DESC, po_id DESC) = 1
),
promised AS (
    SELECT supplier_id, avg((promised - created) / 86400000.0) AS days FROM line_now
    WHERE promised IS NOT NULL AND created IS NOT NULL GROUP BY ALL
),
lead AS (
    SELECT supplier_id, lead_time_mean_days, lead_time_stddev_days FROM rv_lead WHERE t < $cut
    QUALIFY row_number() OVER (PARTITION BY supplier_id ORDER BY t DESC, ingested DESC, revision DESC) = 1
),
fc AS (
    SELECT warehouse_id, sku, list(units ORDER BY horizon_day) AS units, max(mae) AS mae, any_value(model) AS model
    FROM rv_forecast WHERE made = $cut GROUP BY ALL
)
SELECT f.warehouse_id, f.sku, s.on_hand, s.reserved, src.supplier_id,
    coalesce(l.lead_time_mean_days, p.days) AS lead_mean,
    CASE WHEN l.lead_time_mean_days IS NULL THEN 0 ELSE coalesce(l.lead_time_stddev_days, 0) END AS lead_stddev,
    f.units, f.mae, f.model, coalesce(o.lines, []) AS lines,
    s.warehouse_id IS NULL AS no_stock, src.supplier_id IS NULL AS no_supplier
FROM fc f
LEFT JOIN stock s USING (warehouse_id, sku)
LEFT JOIN sourcing src USING (warehouse_id, sku)
LEFT JOIN lead l ON l.supplier_id = src.supplier_id
LEFT JOIN promised p ON p.supplier_id = src.supplier_id
LEFT JOIN open_lines o USING (warehouse_id, sku)
ORDER BY f.warehouse_id, f.sku
"""
)


@dataclass(frozen=True)
class KeyInputs:
    """One warehouse × SKU's inputs to the plan of a review day."""

    warehouse_id: str
    sku: str
    on_hand: int
    reserved: int
    lines: tuple[OpenLine, ...]
    lead_time: LeadTime
    demand: Demand
    model: str | None


@dataclass(frozen=True)
class DayInputs:
    """Every reviewable key of a day, and how many keys with a forecast could not be reviewed."""

    day: int
    keys: tuple[KeyInputs, ...]
    without_stock: int
    without_supplier: int


_ROUTES = (
    "SELECT po_id, arg_min(port, event_time) AS port, arg_min(warehouse_region, event_time) AS region "
    "FROM supplier_events WHERE event_type = 'po.created' GROUP BY po_id"
)
"""How each PO's goods travel (its first po.created): what links its lines to closures."""
_NO_ROUTES = "SELECT NULL::VARCHAR AS po_id, NULL::VARCHAR AS port, NULL::VARCHAR AS region WHERE false"


def load(con: duckdb.DuckDBPyConnection) -> None:
    """Read the review's tables once into temp tables of ``con`` (a ``LakeReader`` connection)."""
    for name, query in _LOAD.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
    # A lake written before POs named their route (or without supplier events) has no routes.
    routed = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'supplier_events' "
        "AND column_name IN ('port', 'warehouse_region')"
    ).fetchone()
    routes = _ROUTES if routed is not None and routed[0] == 2 else _NO_ROUTES
    con.execute(f"CREATE OR REPLACE TEMP TABLE rv_routes AS {routes}")


def forecast_days(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The days a forecast was made at the close of (after :func:`load`), oldest first."""
    made = con.execute("SELECT DISTINCT made FROM rv_forecast ORDER BY made").fetchall()
    return [int(ms) // DAY_MS - 1 for (ms,) in made]


def day_inputs(con: duckdb.DuckDBPyConnection, day: int) -> DayInputs:
    """The inputs of the review of ``day`` (after :func:`load`)."""
    rows = con.execute(_DAY, {"cut": (day + 1) * DAY_MS}).fetchall()
    keys: list[KeyInputs] = []
    without_stock = without_supplier = 0
    for (
        warehouse,
        sku,
        on_hand,
        reserved,
        supplier,
        lead_mean,
        lead_sd,
        units,
        mae,
        model,
        lines,
        no_stock,
        no_sup,
    ) in rows:
        if no_stock:
            without_stock += 1
            continue
        if no_sup or lead_mean is None:
            without_supplier += 1
            continue
        keys.append(
            KeyInputs(
                warehouse_id=warehouse,
                sku=sku,
                on_hand=int(on_hand or 0),
                reserved=int(reserved or 0),
                lines=tuple(
                    OpenLine(line["po_id"], int(line["quantity"]), int(line["due_ms"]) // DAY_MS) for line in lines
                ),
                lead_time=LeadTime(supplier, mean_days=max(float(lead_mean), 0.0), stddev_days=float(lead_sd or 0.0)),
                demand=Demand(daily_units=tuple(max(float(u), 0.0) for u in units), stddev=demand_stddev(None, mae)),
                model=model,
            )
        )
    return DayInputs(day, tuple(keys), without_stock, without_supplier)


_NETWORK_LINES = (  # constant SQL pieces only
    "WITH "
    + _AS_OF
    + """
SELECT po_id, sku, warehouse_id, supplier_id, greatest(ordered_qty - coalesce(accepted_qty, 0), 0) AS quantity,
    coalesce(asn_expected, promised) AS due_ms, created, asn_expected IS NOT NULL AS has_asn, unit_cost,
    r.port, r.region
FROM line_now LEFT JOIN rv_routes r USING (po_id)
WHERE status IN ('OPEN', 'PARTIAL') AND coalesce(asn_expected, promised) IS NOT NULL
    AND greatest(ordered_qty - coalesce(accepted_qty, 0), 0) > 0
ORDER BY warehouse_id, sku, po_id
"""
)

_NETWORK_STOCK = (  # constant SQL pieces only
    "WITH "  # noqa: S608
    + _AS_OF
    + """,
fc AS (
    SELECT warehouse_id, sku, made, list(units ORDER BY horizon_day) AS units, max(mae) AS mae
    FROM rv_forecast WHERE made <= $cut GROUP BY warehouse_id, sku, made
    QUALIFY made = max(made) OVER (PARTITION BY warehouse_id, sku)
)
SELECT f.warehouse_id, f.sku, s.on_hand - s.reserved AS available, f.made, f.units, f.mae
FROM fc f JOIN stock s USING (warehouse_id, sku)
ORDER BY f.warehouse_id, f.sku
"""
)


@dataclass(frozen=True)
class NetworkInputs:
    """The network a disruption signal at ``at_ms`` is assessed on: open lines and stock views."""

    today: int
    lines: tuple[NetworkLine, ...]
    stock: dict[tuple[str, str], StockView]


def network_at(con: duckdb.DuckDBPyConnection, at_ms: int) -> NetworkInputs:
    """Every open PO line and every warehouse × SKU's stock view as of event time ``at_ms`` (after
    :func:`load`): the stock of its latest event before it, the forecast of the latest day closed at
    or before it, from the day after ``at_ms``'s day on (the rest of that forecast's horizon)."""
    today = at_ms // DAY_MS
    params = {"cut": at_ms}
    lines = tuple(
        NetworkLine(
            line=OpenLine(po_id, int(quantity), int(due_ms) // DAY_MS),
            warehouse_id=warehouse,
            sku=sku,
            supplier_id=supplier or "",
            created_day=int(created if created is not None else due_ms) // DAY_MS,
            unit_cost=float(unit_cost or 0.0),
            has_asn=bool(has_asn),
            port=port,
            region=region,
        )
        for po_id, sku, warehouse, supplier, quantity, due_ms, created, has_asn, unit_cost, port, region in con.execute(
            _NETWORK_LINES, params
        ).fetchall()
    )
    stock: dict[tuple[str, str], StockView] = {}
    for warehouse, sku, available, made, units, mae in con.execute(_NETWORK_STOCK, params).fetchall():
        # horizon_day 1 of a forecast made at the start of day M is day M: day today + 1 is at index today + 1 - M.
        ahead = tuple(max(float(u), 0.0) for u in units[today + 1 - int(made) // DAY_MS :])
        stock[(warehouse, sku)] = StockView(int(available or 0), Demand(ahead, stddev=demand_stddev(None, mae)))
    return NetworkInputs(today, lines, stock)
