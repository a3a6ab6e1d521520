"""Disruption impact assessment: for each disruption signal in the lake not assessed yet, its
impact on every warehouse × SKU whose open PO lines it delays, written to the lake exactly once.

Signals. A ``supplier.leadtime.changed`` the supplier pipeline stored in ``supplier_events``; a
``port.closure`` or a ``weather.alert`` (of a delaying severity) the demand pipeline stored in
``external_signals``. A closure reaches the open lines of POs whose ``po.created`` named the port
(``port``) or the warehouse's region (``warehouseRegion``); a PO that named neither is not
reached by closures.

As of the signal. A signal at event time *t* is assessed on the lake as of *t*
(:func:`~supplylake.planning.inputs.network_at`): each key's stock of its latest event before
*t*, each PO line's latest state before *t*, the forecast of the latest day closed by then. After
a bounded replay (``run``) that is the whole history before *t*; while the pipelines run live, a
change before *t* they have not committed yet (their commit interval, a few seconds) is not seen.

Output per signal (``pipelines.demand.disruption.impacts``): a ``disruption_impacts`` row per
affected warehouse × SKU, its ``projected_inventory`` before and after, and a DISRUPTION_IMPACT
alert when the stock-out moves inside the horizon.

Exactly once. The rows carry the signal's own source partition and offset under the topic
``assess:<source topic>@<source cluster>`` (cluster ``lake-review``; a new broker epoch numbers
its offsets afresh) and go through the exactly-once writer:
alerts, then projections, then impacts, whose ledger says which signals are done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import orjson

from supplylake.contracts.alerts import DISRUPTION_IMPACT
from supplylake.contracts.registry import event_type_of
from supplylake.contracts.signals import PortClosure, WeatherAlert
from supplylake.contracts.suppliers import SupplierLeadTimeChanged
from supplylake.event_time import DAY_MS
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import ALERTS, DISRUPTION_IMPACTS, EXTERNAL_SIGNALS, PROJECTED_INVENTORY
from supplylake.lake.tables.demand import PROJECTION_AFTER, PROJECTION_BEFORE
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.pipelines.demand.disruption import (
    Impact,
    LeadTimeChange,
    Signal,
    StockView,
    closure_of,
    impacts,
    weather_delays,
)
from supplylake.pipelines.demand.replenishment import project
from supplylake.planning.inputs import load, network_at
from supplylake.planning.outputs import PLANNING_CLUSTER, day_ms, projection_rows, source, stock_alert_row
from supplylake.query import LakeReader
from supplylake.settings import Settings

LEAD_TIME_CHANGED = event_type_of(SupplierLeadTimeChanged)
PORT_CLOSURE = event_type_of(PortClosure)
WEATHER_ALERT = event_type_of(WeatherAlert)
ASSESS_TOPIC_PREFIX = "assess:"
REQUIRED_TABLES = ("supplier_events", "inventory_levels", "po_lines", "demand_forecast")
"""The lake tables an assessment reads (the inventory, suppliers and demand pipelines write them);
``external_signals`` too once the demand pipeline has landed a signal."""

_LEAD_TIME_SIGNALS = f"""
SELECT event_id, event_type, epoch_ms(event_time) AS t, supplier_id, new_lead_time_days,
    NULL::VARCHAR AS port, NULL::VARCHAR AS region, NULL::VARCHAR AS severity,
    NULL::BIGINT AS starts_ms, NULL::BIGINT AS ends_ms,
    _src_topic, _src_partition, _src_offset, _src_cluster
FROM supplier_events WHERE event_type = '{LEAD_TIME_CHANGED}'
"""  # noqa: S608 (a constant)
_EXTERNAL_SIGNALS = f"""
SELECT event_id, event_type, epoch_ms(event_time) AS t, NULL::VARCHAR AS supplier_id, NULL::DOUBLE,
    port, region, severity, epoch_ms(starts_at) AS starts_ms, epoch_ms(ends_at) AS ends_ms,
    _src_topic, _src_partition, _src_offset, _src_cluster
FROM {EXTERNAL_SIGNALS.name} WHERE event_type IN ('{PORT_CLOSURE}', '{WEATHER_ALERT}')
"""  # noqa: S608 (a constant)
_ORDER = " ORDER BY _src_cluster, _src_topic, _src_partition, _src_offset"


@dataclass(frozen=True)
class SignalRecord:
    """A disruption signal as stored, with its source position."""

    signal_id: str
    signal_type: str
    at_ms: int
    signal: Signal | None
    """None: a signal that delays nothing (a weather alert of a non-delaying severity)."""
    topic: str
    partition: int
    offset: int
    supplier_id: str | None = None
    port: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class AssessmentSummary:
    signals: int
    """Signals assessed by this run."""
    impacts: int
    alerts: int


def assess(
    settings: Settings,
    *,
    progress: Callable[[int, int], None] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> AssessmentSummary:
    """Assess every signal not assessed yet whose inputs are in the lake (module docstring).

    ``con``: a ``LakeReader`` connection of the caller's, pinned to the snapshots to assess on
    (left open; a long-running caller refreshes it); by default one is opened for the run."""
    catalog = catalog_for(settings)
    namespace = settings.catalog.namespace
    if not all(catalog.table_exists((namespace, t)) for t in REQUIRED_TABLES):
        return AssessmentSummary(0, 0, 0)
    writers = {
        spec.name: ExactlyOnceWriter(catalog, spec, cluster_id=PLANNING_CLUSTER, namespace=namespace)
        for spec in (ALERTS, PROJECTED_INVENTORY, DISRUPTION_IMPACTS)
    }
    done = writers[DISRUPTION_IMPACTS.name].committed_offsets()

    own = con is None
    if con is None:
        con = LakeReader(catalog, namespace=namespace).connect()
    try:
        external = catalog.table_exists((namespace, EXTERNAL_SIGNALS.name))
        ready = [s for s in signals(con, external=external) if s.offset > done.get((s.topic, s.partition), -1)]
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in writers}
        if ready:
            load(con)
        now = int(time.time() * 1000)
        for count, record in enumerate(ready, start=1):
            assess_signal(con, record, rows, now)
            if progress is not None:
                progress(count, len(ready))
    finally:
        if own:
            con.close()
    if ready:
        offsets: dict[tuple[str, int], int] = {}
        for record in ready:
            offsets[(record.topic, record.partition)] = record.offset
        latest = max(r.at_ms for r in ready)
        for name in (ALERTS.name, PROJECTED_INVENTORY.name, DISRUPTION_IMPACTS.name):
            writers[name].commit(rows[name], offsets, max_event_time_ms=latest)
    return AssessmentSummary(
        signals=len(ready),
        impacts=len(rows[DISRUPTION_IMPACTS.name]),
        alerts=len(rows[ALERTS.name]),
    )


def assess_signal(
    con: duckdb.DuckDBPyConnection, record: SignalRecord, rows: dict[str, list[dict[str, Any]]], now_ms: int
) -> None:
    """Append one signal's rows (by table name) to ``rows``, from the lake as of its event time
    (``con`` after :func:`~supplylake.planning.inputs.load`)."""
    if record.signal is None:
        return
    network = network_at(con, record.at_ms)
    for impact in impacts(network.today, record.signal, network.lines, network.stock):
        _add_rows(rows, record, impact, network.today, network.stock[(impact.warehouse_id, impact.sku)], now_ms)


def signals(con: duckdb.DuckDBPyConnection, *, external: bool = True) -> list[SignalRecord]:
    """Every stored signal, in source order (topic, partition, offset); ``external``: the lake has
    ``external_signals``."""
    query = _LEAD_TIME_SIGNALS + (f" UNION ALL {_EXTERNAL_SIGNALS}" if external else "") + _ORDER
    found = []
    for row in con.execute(query).fetchall():
        event_id, event_type, at_ms, supplier, new_days, port, region, severity, starts, ends = row[:10]
        topic, partition, offset, cluster = row[10:]
        signal: Signal | None
        if event_type == LEAD_TIME_CHANGED:
            signal = LeadTimeChange(supplier, round(float(new_days)))
        elif event_type == PORT_CLOSURE:
            signal = closure_of(starts_at_ms=int(starts), ends_at_ms=ends, port=port)
        else:
            delays = weather_delays(severity or "")
            signal = closure_of(starts_at_ms=int(starts), ends_at_ms=ends, region=region) if delays else None
        found.append(
            SignalRecord(
                signal_id=event_id,
                signal_type=event_type,
                at_ms=int(at_ms),
                signal=signal,
                topic=f"{ASSESS_TOPIC_PREFIX}{topic}@{cluster}",
                partition=int(partition),
                offset=int(offset),
                supplier_id=supplier,
                port=port,
                region=region,
            )
        )
    return found


def _add_rows(
    rows: dict[str, list[dict[str, Any]]],
    record: SignalRecord,
    impact: Impact,
    today: int,
    view: StockView,
    now_ms: int,
) -> None:
    src = source(record.topic, record.partition, record.offset)
    for scenario, lines in ((PROJECTION_BEFORE, impact.lines_before), (PROJECTION_AFTER, impact.lines_after)):
        rows[PROJECTED_INVENTORY.name].extend(
            projection_rows(
                record.signal_id,
                scenario,
                warehouse_id=impact.warehouse_id,
                sku=impact.sku,
                as_of_ms=record.at_ms,
                days=project(today, view.available, lines, view.demand),
                now_ms=now_ms,
                src=src,
            )
        )
    quantities = {line.po_id: line.quantity for line in impact.lines_before}
    lines_json = [
        {"po_id": po_id, "quantity": quantities[po_id], "due_before": was * DAY_MS, "due_after": day_ms(now)}
        for po_id, was, now in impact.lines
    ]
    stockout_before = day_ms(impact.stockout_before)
    stockout_after = day_ms(impact.stockout_after)
    rows[DISRUPTION_IMPACTS.name].append(
        {
            "signal_id": record.signal_id,
            "signal_type": record.signal_type,
            "signal_time": record.at_ms,
            "supplier_id": record.supplier_id,
            "port": record.port,
            "region": record.region,
            "warehouse_id": impact.warehouse_id,
            "sku": impact.sku,
            "lines": orjson.dumps(lines_json).decode(),
            "delayed_quantity": sum(line["quantity"] for line in lines_json),
            "available": view.available,
            "stockout_before": stockout_before,
            "stockout_after": stockout_after,
            "quantity_at_risk": impact.quantity_at_risk,
            "value_at_risk": impact.value_at_risk,
            "alerting": impact.alerting,
            "assessed_at": now_ms,
            **src,
        }
    )
    if impact.alerting:
        details = {
            "signal_id": record.signal_id,
            "signal_type": record.signal_type,
            "supplier_id": record.supplier_id,
            "port": record.port,
            "region": record.region,
            "delayed_lines": len(lines_json),
            "stockout_before_ms": stockout_before,
            "stockout_after_ms": stockout_after,
            "quantity_at_risk": round(impact.quantity_at_risk, 6),
            "value_at_risk": round(impact.value_at_risk, 6),
        }
        rows[ALERTS.name].append(
            stock_alert_row(
                DISRUPTION_IMPACT,
                f"{record.signal_id}:{impact.warehouse_id}:{impact.sku}",
                warehouse_id=impact.warehouse_id,
                sku=impact.sku,
                raised_at_ms=record.at_ms,
                details=details,
                src=src,
            )
        )
