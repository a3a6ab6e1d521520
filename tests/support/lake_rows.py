"""Inventory event rows and scans of a real lake, for the lake writer and maintenance tests.

The lake tests reach these through fixtures in tests/unit/lake/conftest.py (``events``, ``read``,
``dup_count``, ``keys_of``); other tests import them from here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa
from pyiceberg.catalog import Catalog

from supplylake.lake import INVENTORY_EVENTS, TableSpec

TOPIC = "inventory-events"
BASE_MS = 1_736_950_000_000  # 2025-01-15T14:06:40Z

Rows = list[dict[str, Any]]


def make_events(offsets: range | list[int], *, partition: int = 0, topic: str = TOPIC, day: int = 0) -> Rows:
    """One inventory event per source offset; event ids are unique per (topic, partition, offset)."""
    return [
        {
            "event_id": f"{topic}-{partition}-{offset}",
            "event_type": "inventory.received",
            "event_time": BASE_MS + day * 86_400_000 + offset * 1000,
            "warehouse_id": f"WH-{offset % 3}",
            "sku": f"SKU-{offset % 7}",
            "quantity": offset,
            "unit_cost": 1.5,
            "is_late": False,
            "payload": "{}",
            "_src_topic": topic,
            "_src_partition": partition,
            "_src_offset": offset,
        }
        for offset in offsets
    ]


def scan(catalog: Catalog, spec: TableSpec = INVENTORY_EVENTS, snapshot_id: int | None = None) -> pa.Table:
    return catalog.load_table(spec.identifier()).scan(snapshot_id=snapshot_id).to_arrow()


def source_keys(table: pa.Table) -> Counter[tuple[str, int, int]]:
    """Multiset of (topic, partition, offset): a count above 1 is a duplicate."""
    return Counter(
        zip(
            table["_src_topic"].to_pylist(),
            table["_src_partition"].to_pylist(),
            table["_src_offset"].to_pylist(),
            strict=True,
        )
    )


def duplicates(table: pa.Table) -> int:
    return sum(n - 1 for n in source_keys(table).values())
