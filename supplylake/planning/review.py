"""The daily replenishment review: every day not reviewed yet, its suggestions and STOCKOUT_RISK
alerts, written to the lake exactly once.

Days. A day is reviewable once the demand pipeline closed it (its forecast rows exist, made at
its end). A run reviews each such day after the last one reviewed, in order.

Episodes (rule 9 of ``replenishment``) with daily reviews: a key gets a suggestion on day D when
its position is below the reorder point at D and was not at D - 1 (or had no review at D - 1).
That needs no state besides the lake: the review of D - 1 is recomputed from the same history.

Exactly once. The rows of a run carry a source of their own — topic ``review:replenishment``,
partition 0, the reviewed day as offset, cluster ``lake-review`` — and go through the pipelines'
exactly-once writer: the alerts first, then each reviewed key's projection (``projected_inventory``,
scenario ``plan``), then the suggestions, each commit advancing its table's
ledger to the last day reviewed. A rerun finds the suggestions' ledger and starts after it; a run
that died between commits writes the earlier tables' rows again, and their ledgers drop them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from supplylake.contracts.alerts import STOCKOUT_RISK
from supplylake.errors import SupplylakeError
from supplylake.event_time import DAY_MS
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import ALERTS, PROJECTED_INVENTORY, REPLENISHMENT_SUGGESTIONS
from supplylake.lake.tables.demand import PROJECTION_PLAN
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.pipelines.demand.replenishment import (
    Plan,
    ReplenishmentEpisode,
    ReplenishmentPolicy,
    judge,
    plan,
    project,
)
from supplylake.planning.inputs import REQUIRED_TABLES, KeyInputs, day_inputs, forecast_days, load
from supplylake.planning.outputs import PLANNING_CLUSTER, day_ms, projection_rows, source, stock_alert_row
from supplylake.query import LakeReader
from supplylake.settings import Settings

REVIEW_TOPIC = "review:replenishment"
REVIEW_PARTITION = 0
REVIEW_PERIOD_DAYS = 1.0
"""One review per day of event time."""


class PlanningError(SupplylakeError):
    """A replenishment review could not run."""


class NothingToReview(PlanningError):
    """The lake lacks a table the review reads."""


@dataclass(frozen=True)
class ReviewSummary:
    days: tuple[int, ...]
    """The days reviewed by this run (epoch day numbers), oldest first."""
    reviews: int
    """Warehouse × SKU plans made on those days."""
    suggestions: int
    without_stock: int
    without_supplier: int


def policy_for(settings: Settings) -> ReplenishmentPolicy:
    return ReplenishmentPolicy(
        service_level=settings.demand.service_level,
        review_period_days=REVIEW_PERIOD_DAYS,
        horizon_days=settings.demand.horizon_days,
    )


def plan_key(day: int, key: KeyInputs, policy: ReplenishmentPolicy) -> Plan:
    return plan(
        warehouse_id=key.warehouse_id,
        sku=key.sku,
        today=day,
        on_hand=key.on_hand,
        reserved=key.reserved,
        lines=key.lines,
        lead_time=key.lead_time,
        demand=key.demand,
        policy=policy,
    )


def review(settings: Settings, *, progress: Callable[[int, int], None] | None = None) -> ReviewSummary:
    """Review every day closed since the last review (see the module docstring)."""
    catalog = catalog_for(settings)
    namespace = settings.catalog.namespace
    missing = [t for t in REQUIRED_TABLES if not catalog.table_exists((namespace, t))]
    if missing:
        raise NothingToReview(
            f"nothing to review: the lake has no {', '.join(missing)} yet",
            hint="run the inventory, suppliers and demand pipelines first (`supplylake run --input FILE` or "
            "`supplylake demo`); a review needs stock levels, PO lines, supplier metrics and daily forecasts",
        )
    suggestions_writer = ExactlyOnceWriter(
        catalog, REPLENISHMENT_SUGGESTIONS, cluster_id=PLANNING_CLUSTER, namespace=namespace
    )
    alerts_writer = ExactlyOnceWriter(catalog, ALERTS, cluster_id=PLANNING_CLUSTER, namespace=namespace)
    projections_writer = ExactlyOnceWriter(
        catalog, PROJECTED_INVENTORY, cluster_id=PLANNING_CLUSTER, namespace=namespace
    )
    last = suggestions_writer.committed_offsets().get((REVIEW_TOPIC, REVIEW_PARTITION))
    policy = policy_for(settings)

    con = LakeReader(catalog, namespace=namespace).connect()
    try:
        load(con)
        all_days = forecast_days(con)
        todo = [d for d in all_days if last is None or d > last]
        suggestion_rows: list[dict[str, Any]] = []
        alert_rows: list[dict[str, Any]] = []
        projected: list[dict[str, Any]] = []
        reviews = without_stock = without_supplier = 0
        below_before: set[str] = set()
        if todo and todo[0] - 1 in all_days:
            below_before = {p.key for p in _plans(con, todo[0] - 1, policy) if p.below_reorder_point}
        now = int(time.time() * 1000)
        for done, day in enumerate(todo, start=1):
            inputs = day_inputs(con, day)
            without_stock += inputs.without_stock
            without_supplier += inputs.without_supplier
            below_now: set[str] = set()
            for key in inputs.keys:
                evaluated = plan_key(day, key, policy)
                reviews += 1
                projected.extend(_projection(day, key, now))
                if not evaluated.below_reorder_point:
                    continue
                below_now.add(evaluated.key)
                episode = ReplenishmentEpisode(opened_day=day - 1 if evaluated.key in below_before else None)
                suggestion = judge(episode, evaluated)
                if suggestion is not None:
                    row = suggestion_row(suggestion.suggestion_id, evaluated, key.model, now)
                    suggestion_rows.append(row)
                    alert_rows.append(stockout_risk_row(suggestion.suggestion_id, evaluated))
            below_before = below_now
            if progress is not None:
                progress(done, len(todo))
    finally:
        con.close()
    if todo:
        offsets = {(REVIEW_TOPIC, REVIEW_PARTITION): todo[-1]}
        alerts_writer.commit(alert_rows, offsets, max_event_time_ms=(todo[-1] + 1) * DAY_MS)
        projections_writer.commit(projected, offsets, max_event_time_ms=(todo[-1] + 1) * DAY_MS)
        suggestions_writer.commit(suggestion_rows, offsets, max_event_time_ms=(todo[-1] + 1) * DAY_MS)
    return ReviewSummary(tuple(todo), reviews, len(suggestion_rows), without_stock, without_supplier)


def _plans(con: Any, day: int, policy: ReplenishmentPolicy) -> list[Plan]:
    return [plan_key(day, key, policy) for key in day_inputs(con, day).keys]


def _projection(day: int, key: KeyInputs, now_ms: int) -> list[dict[str, Any]]:
    """The ``projected_inventory`` rows (scenario 'plan') of a key's review of ``day``."""
    return projection_rows(
        f"{key.warehouse_id}:{key.sku}@{day * DAY_MS}",
        PROJECTION_PLAN,
        warehouse_id=key.warehouse_id,
        sku=key.sku,
        as_of_ms=(day + 1) * DAY_MS,
        days=project(day, key.on_hand - key.reserved, key.lines, key.demand),
        now_ms=now_ms,
        src=_source(day),
    )


def _source(day: int) -> dict[str, Any]:
    return source(REVIEW_TOPIC, REVIEW_PARTITION, day)


def suggestion_row(suggestion_id: str, p: Plan, model: str | None, now_ms: int) -> dict[str, Any]:
    """The ``replenishment_suggestions`` row of a suggestion (every input of its formula)."""
    return {
        "suggestion_id": suggestion_id,
        "warehouse_id": p.warehouse_id,
        "sku": p.sku,
        "supplier_id": p.supplier_id,
        "as_of": (p.day + 1) * DAY_MS,
        "suggested_quantity": p.suggested_quantity,
        "order_by_date": day_ms(p.order_by_day),
        "projected_stockout_date": day_ms(p.stockout_day),
        "on_hand": p.on_hand,
        "reserved": p.reserved,
        "open_po_quantity_in_lead_time": p.open_quantity_in_lead_time,
        "open_po_quantity": p.open_quantity_total,
        "position": p.position,
        "demand_mean": p.demand_mean,
        "demand_stddev": p.demand_stddev,
        "lead_time_mean_days": p.lead_time_mean_days,
        "lead_time_stddev_days": p.lead_time_stddev_days,
        "review_period_days": p.review_period_days,
        "service_level": p.service_level,
        "z": p.z,
        "safety_stock": p.safety_stock,
        "reorder_point": p.reorder_point,
        "order_up_to": p.order_up_to,
        "forecast_model": model,
        "ingested_at": now_ms,
        **_source(p.day),
    }


def stockout_risk_row(suggestion_id: str, p: Plan) -> dict[str, Any]:
    """The ``alerts`` row of a suggestion's STOCKOUT_RISK (raised at the end of the reviewed day)."""
    details = {
        "suggestion_id": suggestion_id,
        "supplier_id": p.supplier_id,
        "position": p.position,
        "reorder_point": round(p.reorder_point, 6),
        "order_up_to": round(p.order_up_to, 6),
        "suggested_quantity": p.suggested_quantity,
        "projected_stockout_date_ms": day_ms(p.stockout_day),
        "order_by_date_ms": day_ms(p.order_by_day),
    }
    return stock_alert_row(
        STOCKOUT_RISK,
        suggestion_id,
        warehouse_id=p.warehouse_id,
        sku=p.sku,
        raised_at_ms=(p.day + 1) * DAY_MS,
        details=details,
        src=_source(p.day),
    )
