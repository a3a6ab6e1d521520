"""What the planning jobs write besides their own tables: their rows' source columns and their
alerts (the ``alerts`` table's layout, as the pipelines write it)."""

from __future__ import annotations

from typing import Any

import orjson

from supplylake.contracts.alerts import DISRUPTION_IMPACT, ENTITY_STOCK, STOCKOUT_RISK, alert_id
from supplylake.event_time import DAY_MS
from supplylake.lake.tables import SRC_CLUSTER, SRC_OFFSET, SRC_PARTITION, SRC_TOPIC
from supplylake.pipelines.demand.replenishment import ProjectedDay

PLANNING_CLUSTER = "lake-review"
"""The cluster id of the planning jobs' rows: their sources are the lake's own (a day, a signal)."""
PLANNING_ALERT_TYPES: tuple[str, ...] = (STOCKOUT_RISK, DISRUPTION_IMPACT)
"""Every alert type `supplylake plan` raises (the review and the disruption assessment)."""


def day_ms(day: int | None) -> int | None:
    """The start of epoch day ``day`` in epoch ms (None stays None)."""
    return None if day is None else day * DAY_MS


def source(topic: str, partition: int, offset: int) -> dict[str, Any]:
    """The source columns of a planning row: a pseudo topic of the job, and the partition and
    offset of what it was made from (the exactly-once writer's ledger key)."""
    return {SRC_TOPIC: topic, SRC_PARTITION: partition, SRC_OFFSET: offset, SRC_CLUSTER: PLANNING_CLUSTER}


def stock_alert_row(
    alert_type: str,
    cause_id: str,
    *,
    warehouse_id: str,
    sku: str,
    raised_at_ms: int,
    details: dict[str, Any],
    src: dict[str, Any],
) -> dict[str, Any]:
    """The ``alerts`` row of a warehouse × SKU alert caused by ``cause_id`` (deterministic id)."""
    return {
        "alert_id": alert_id(cause_id, alert_type),
        "alert_type": alert_type,
        "entity_type": ENTITY_STOCK,
        "entity_id": f"{warehouse_id}:{sku}",
        "warehouse_id": warehouse_id,
        "sku": sku,
        "raised_at": raised_at_ms,
        "details": orjson.dumps(details).decode(),
        **src,
    }


def projection_rows(
    reference: str,
    scenario: str,
    *,
    warehouse_id: str,
    sku: str,
    as_of_ms: int,
    days: list[ProjectedDay],
    now_ms: int,
    src: dict[str, Any],
) -> list[dict[str, Any]]:
    """The ``projected_inventory`` rows of one projection (``replenishment.project``)."""
    return [
        {
            "reference": reference,
            "scenario": scenario,
            "warehouse_id": warehouse_id,
            "sku": sku,
            "as_of": as_of_ms,
            "day": day.day * DAY_MS,
            "start_units": day.start,
            "inbound_units": day.inbound,
            "outbound_units": day.outbound,
            "end_units": day.end,
            "ingested_at": now_ms,
            **src,
        }
        for day in days
    ]
