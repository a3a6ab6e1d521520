"""Fixtures for the lake tests: a real SqlCatalog (SQLite) with a file:// warehouse in tmp_path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pyiceberg.catalog import Catalog

from supplylake.lake import INVENTORY_EVENTS, TableSpec, default_catalog_properties, open_catalog

TOPIC = "inventory-events"
BASE_MS = 1_736_950_000_000  # 2025-01-15T14:06:40Z

Rows = list[dict[str, Any]]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return open_catalog("test", default_catalog_properties(tmp_path))


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


@pytest.fixture
def events() -> Callable[..., Rows]:
    return make_events


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


@pytest.fixture
def read() -> Callable[..., pa.Table]:
    return scan


@pytest.fixture
def dup_count() -> Callable[[pa.Table], int]:
    return duplicates


@pytest.fixture
def keys_of() -> Callable[[pa.Table], Counter[tuple[str, int, int]]]:
    return source_keys
