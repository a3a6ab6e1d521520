"""inventory_current shows the level each warehouse×SKU stands at, per the pipeline's own state.

Rows are produced by the real stock state machine (out-of-order corrections, late events,
duplicates), written to a real Iceberg table over two broker epochs whose offsets both start at
0, and the view's answer is compared with the final state of the state machine.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from pyiceberg.catalog.sql import SqlCatalog

from supplylake.lake.tables import INVENTORY_LEVELS
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.pipelines.inventory.stock import StockEvent, StockState, apply_event
from supplylake.query import LakeReader, run_query

KINDS = [
    "inventory.received",
    "inventory.shipped",
    "inventory.adjusted",
    "inventory.counted",
    "inventory.reserved",
    "inventory.released",
]
T0 = 1_736_899_200_000  # 2025-01-15T00:00:00Z
MINUTE = 60_000


def _events(rng: random.Random, key: tuple[str, str], n: int, start_ms: int) -> list[StockEvent]:
    events, t = [], start_ms
    for i in range(n):
        t += rng.randint(0, 3) * MINUTE
        # Mostly in order, some a few minutes early (within lateness), a few an hour early (late).
        shift = rng.choice([0] * 12 + [-4 * MINUTE, -8 * MINUTE, -60 * MINUTE])
        kind = rng.choice(KINDS)
        quantity = rng.randint(1, 40) if kind != "inventory.counted" else rng.randint(0, 300)
        events.append(StockEvent(f"{key[0]}-{key[1]}-{start_ms}-{i}", kind, t + shift, key[0], key[1], quantity))
        if rng.random() < 0.1:
            events.append(events[-1])  # a duplicate
    return events


def _rows(
    events: list[StockEvent], state: StockState, *, cluster: str, first_offset: int, ingested_from: int
) -> tuple[StockState, list[dict[str, Any]]]:
    rows = []
    for offset, event in enumerate(events, start=first_offset):
        state, outcome = apply_event(state, event)
        for change in outcome.level_changes:
            rows.append(
                {
                    "warehouse_id": change.warehouse_id,
                    "sku": change.sku,
                    "on_hand": change.on_hand,
                    "reserved": change.reserved,
                    "available": change.available,
                    "event_id": change.event_id,
                    "event_time": change.event_time_ms,
                    "is_late": change.is_late,
                    "revision": change.revision,
                    "is_current": change == outcome.current,
                    "ingested_at": ingested_from + offset,
                    "_src_topic": "inventory-events",
                    "_src_partition": 0,
                    "_src_offset": offset,
                    "_src_cluster": cluster,
                }
            )
    return state, rows


def test_view_matches_the_state_machine_across_epochs(tmp_path: Path) -> None:
    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path}/c.db", warehouse=f"file://{tmp_path}/w")
    catalog.create_namespace("supplylake")
    rng = random.Random(42)
    expected: dict[tuple[str, str], tuple[int, int]] = {}
    all_rows: list[dict[str, Any]] = []
    for k in range(12):
        key = (f"WH-{k % 3}", f"SKU-{k}")
        # Epoch 1, then epoch 2 seeded from epoch 1's final level; offsets restart at 0.
        first, rows1 = _rows(
            _events(rng, key, 60, T0), StockState.empty(), cluster="c1", first_offset=0, ingested_from=1_000
        )
        seeded = StockState.seeded(first.on_hand, first.reserved, first.max_event_time_ms)
        n2 = 0 if k % 4 == 0 else 40  # some keys see nothing in the second epoch
        final, rows2 = _rows(
            _events(rng, key, n2, T0 + 10 * 24 * 60 * MINUTE),
            seeded,
            cluster="c2",
            first_offset=0,
            ingested_from=900_000,
        )
        expected[key] = (final.on_hand, final.reserved)
        all_rows += rows1 + rows2
    assert any(r["revision"] > 0 for r in all_rows) and any(r["is_late"] for r in all_rows)
    rng.shuffle(all_rows)
    for cluster in ("c1", "c2"):
        rows = [r for r in all_rows if r["_src_cluster"] == cluster]
        writer = ExactlyOnceWriter(catalog, INVENTORY_LEVELS, cluster_id=cluster)
        writer.commit(rows, {("inventory-events", 0): max(r["_src_offset"] for r in rows)}, max_event_time_ms=None)

    result = run_query(
        LakeReader(catalog), "SELECT warehouse_id, sku, on_hand, reserved, available FROM inventory_current"
    )
    actual = {(w, s): (on_hand, reserved) for w, s, on_hand, reserved, _ in result.rows}
    assert actual == expected
    assert all(available == on_hand - reserved for _, _, on_hand, reserved, available in result.rows)


def test_newest_row_alone_would_be_wrong(tmp_path: Path) -> None:
    """Negative control: the naive 'latest event time' rule disagrees on this data."""
    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path}/c.db", warehouse=f"file://{tmp_path}/w")
    catalog.create_namespace("supplylake")
    events = [
        StockEvent("a", "inventory.received", T0 + 20 * MINUTE, "W", "S", 100),
        StockEvent("b", "inventory.counted", T0 + 90 * MINUTE, "W", "S", 50),
        StockEvent("c", "inventory.received", T0, "W", "S", 7),  # late: applied after the count
    ]
    final, rows = _rows(events, StockState.empty(), cluster="c1", first_offset=0, ingested_from=0)
    ExactlyOnceWriter(catalog, INVENTORY_LEVELS, cluster_id="c1").commit(
        rows, {("inventory-events", 0): 2}, max_event_time_ms=None
    )
    reader = LakeReader(catalog)
    current = run_query(reader, "SELECT on_hand FROM inventory_current").rows
    naive = run_query(reader, "SELECT on_hand FROM inventory_levels ORDER BY event_time DESC LIMIT 1").rows
    assert current == [(final.on_hand,)] == [(57,)]
    assert naive != current
