"""The hand-written ``inventory_events`` row builder the derived one replaced (issue 7).

Kept as a reference: a unit test checks the derived rows equal its rows, and
``bench/micro/row_building.py`` times the two side by side.
"""

from __future__ import annotations

from typing import Any


def handwritten_inventory_event_row(event: Any, raw: bytes, is_late: bool, now_ms: int) -> dict[str, Any]:
    """``pipelines/inventory/app.py:_event_row`` before the rows were derived (for comparison only)."""
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_time": event.event_time_ms,
        "warehouse_id": event.warehouse_id,
        "sku": event.sku,
        "quantity": event.quantity,
        "supplier_id": getattr(event, "supplier_id", None),
        "batch_id": getattr(event, "batch_id", None),
        "po_id": getattr(event, "po_id", None),
        "order_id": getattr(event, "order_id", None),
        "reason": getattr(event, "reason", None),
        "unit_cost": getattr(event, "unit_cost", None),
        "is_late": is_late,
        "payload": raw.decode("utf-8", errors="replace"),
        "ingested_at": now_ms,
    }
