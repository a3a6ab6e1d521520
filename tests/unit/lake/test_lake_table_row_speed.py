"""The derived inventory_events row builder is not slower than the hand-written one it replaced.

Also a microbench: ``.venv/bin/python -m tests.unit.lake.test_lake_table_row_speed`` prints µs per
event over 10,000 simulated inventory events for both (best of 9 interleaved repeats, since the
machine is shared). The pytest run uses fewer events and only asserts the order of the two.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from functools import partial
from typing import Any

from supplylake.contracts import parse_event
from supplylake.contracts.inventory import InventoryEvent
from supplylake.pipelines.inventory.app import _event_row as derived
from tests.support.inventory_stream import inventory_lines

Row = Callable[[Any, bytes, bool, int], dict[str, Any]]


def handwritten(event: Any, raw: bytes, is_late: bool, now_ms: int) -> dict[str, Any]:
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


def _events(count: int) -> list[tuple[InventoryEvent, bytes]]:
    pairs = []
    for raw in inventory_lines(count, seed=1):
        event = parse_event(raw)
        assert isinstance(event, InventoryEvent)
        pairs.append((event, raw))
    return pairs


def microseconds_per_event(events: list[tuple[InventoryEvent, bytes]], repeats: int) -> dict[str, float]:
    builders: dict[str, Row] = {"handwritten (before)": handwritten, "derived (after)": derived}
    best = dict.fromkeys(builders, float("inf"))

    def run(build: Row) -> None:
        for event, raw in events:
            build(event, raw, False, 1234)

    for _ in range(repeats):
        for name, build in builders.items():
            seconds = timeit.timeit(partial(run, build), number=1)
            best[name] = min(best[name], seconds / len(events) * 1e6)
    return best


def test_derived_rows_equal_the_handwritten_ones_and_are_not_slower() -> None:
    events = _events(1_000)
    for event, raw in events:
        old, new = handwritten(event, raw, True, 1), derived(event, raw, True, 1)
        assert new == {name: value for name, value in old.items() if name in new}
        assert all(old[name] is None for name in old.keys() - new.keys())  # left out = null in the lake
    timings = microseconds_per_event(events, repeats=3)
    assert timings["derived (after)"] <= timings["handwritten (before)"], timings


if __name__ == "__main__":
    sample = _events(10_000)
    for name, micros in microseconds_per_event(sample, repeats=9).items():
        print(f"{name}: {micros:.2f} µs/event over {len(sample)} inventory events")
