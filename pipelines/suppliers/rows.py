"""Lake rows of the supplier pipeline: supplier events, PO line facts, unmatched receipts, metrics."""

from __future__ import annotations

from typing import Any

from supplylake.contracts.suppliers import SupplierEvent
from supplylake.lake.tables import SUPPLIER_EVENTS, payload_text
from supplylake.pipelines.suppliers.metrics import SupplierMetrics
from supplylake.pipelines.suppliers.po_lines import UnmatchedEvent


def supplier_event_row(event: SupplierEvent, raw: bytes, now_ms: int) -> dict[str, Any]:
    """A ``supplier_events`` row: the columns derived from the contract plus the payload and ingest time."""
    return SUPPLIER_EVENTS.row(event, payload=payload_text(raw), ingested_at=now_ms)


def po_line_row(
    fact: dict[str, Any], *, cause: str, cause_id: str, changed_at_ms: int, revision: int, now_ms: int
) -> dict[str, Any]:
    """A ``po_lines`` row: a line fact (``po_lines.line_fact``) and what changed it."""
    return {
        **fact,
        "cause": cause,
        "cause_id": cause_id,
        "changed_at": changed_at_ms,
        "revision": revision,
        "is_current": True,
        "ingested_at": now_ms,
    }


def unmatched_row(unmatched: UnmatchedEvent, now_ms: int) -> dict[str, Any]:
    return {
        "event_id": unmatched.event_id,
        "event_type": unmatched.event_type,
        "event_time": unmatched.event_time_ms,
        "po_id": unmatched.po_id,
        "sku": unmatched.sku or "",
        "quantity": unmatched.quantity,
        "supplier_id": unmatched.supplier_id,
        "warehouse_id": unmatched.warehouse_id,
        "reason": unmatched.reason,
        "ingested_at": now_ms,
    }


def metrics_row(metrics: SupplierMetrics, *, revision: int, now_ms: int) -> dict[str, Any]:
    return {
        "supplier_id": metrics.supplier_id,
        "sku": metrics.sku,
        "window": metrics.period,
        "as_of": metrics.as_of_ms,
        "window_start": metrics.window_start_ms,
        "lines_due": metrics.lines_due,
        "otif_rate": metrics.otif_rate,
        "on_time_rate": metrics.on_time_rate,
        "in_full_rate": metrics.in_full_rate,
        "fill_rate": metrics.fill_rate,
        "defect_rate": metrics.defect_rate,
        "lead_time_mean_days": metrics.lead_time_mean_days,
        "lead_time_p90_days": metrics.lead_time_p90_days,
        "lead_time_stddev_days": metrics.lead_time_stddev_days,
        "open_lines": metrics.open_lines,
        "late_open_lines": metrics.late_open_lines,
        "spend": metrics.spend,
        "revision": revision,
        "ingested_at": now_ms,
    }
