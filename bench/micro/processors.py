"""Per-event CPU of the inventory and shipment processors, in process (no Kafka).

A timing script to compare the hot path before
and after a change, run from the repository root::

    .venv/bin/python -m bench.micro.processors [--events 20000] [--repeats 3] [--cache DIR]

Each processor gets a dict-backed stand-in for one partition's Quix transaction that stores
values as JSON bytes like the RocksDB store (``tests/support/fake_state.py``), and is flushed
every ``--checkpoint-every`` records, as the lake sink does at each checkpoint. The figure is
process CPU time per record, best of the repeats (the machine is shared and noisy).
``--cache DIR`` keeps the generated records there, so runs of two checkouts (before/after a
change) can alternate quickly on the same input.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from supplylake.pipelines.inventory.app import InventoryProcessor
from supplylake.pipelines.inventory.reference import ReorderPoints
from supplylake.pipelines.shipments.app import ShipmentProcessor
from supplylake.settings import Settings
from supplylake.simulator.generator import Simulation, SimulationConfig
from tests.support.fake_state import FakeTransaction, at_offset
from tests.support.inventory_stream import inventory_lines


def shipment_records(count: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of the first ``count`` shipment-events records of a seeded simulation."""
    records: list[tuple[bytes, bytes]] = []
    for event in Simulation(SimulationConfig(seed=11)).events(max_events=count * 3):
        if event.family == "shipments" and event.event_type is not None:
            records.append((event.key.encode(), event.value))
            if len(records) == count:
                break
    return records


def inventory_records(count: int) -> list[tuple[bytes, bytes]]:
    records = []
    for line in inventory_lines(count, seed=5):
        payload = orjson.loads(line)
        records.append((f"{payload['warehouseId']}:{payload['sku']}".encode(), line))
    return records


def run_once(
    make: Callable[[], Any], flush: Callable[[Any], None], topic: str, records: list[tuple[bytes, bytes]], every: int
) -> float:
    processor = make()
    transaction = FakeTransaction()
    start = time.process_time()
    for offset, (key, value) in enumerate(records):
        at_offset(topic, offset)
        processor(value, key, 0, None, transaction.as_state(key))
        if (offset + 1) % every == 0:
            flush(processor)
    flush(processor)
    return time.process_time() - start


def cached(path: Path | None, make: Callable[[], list[tuple[bytes, bytes]]]) -> list[tuple[bytes, bytes]]:
    """The records, generated once and kept at ``path`` when given."""
    if path is not None and path.exists():
        return [(key.encode(), value.encode()) for key, value in orjson.loads(path.read_bytes())]
    records = make()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps([(key.decode(), value.decode()) for key, value in records]))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--checkpoint-every", type=int, default=1_000)
    parser.add_argument("--cache", type=Path, help="directory to keep the generated records in")
    parser.add_argument("--only", choices=("inventory", "shipments"))
    args = parser.parse_args()
    settings = Settings()

    def inventory() -> InventoryProcessor:
        return InventoryProcessor(
            cluster_id="timing", settings=settings, reorder_points=ReorderPoints.from_settings(settings.inventory)
        )

    def shipments() -> ShipmentProcessor:
        return ShipmentProcessor(cluster_id="timing", settings=settings)

    Case = tuple[str, Callable[[], Any], Callable[[Any], None], str, Callable[[int], list[tuple[bytes, bytes]]]]
    cases: list[Case] = [
        ("inventory", inventory, lambda p: p.cache.flush(), "inventory-events", inventory_records),
        ("shipments", shipments, lambda p: p.flush(), "shipment-events", shipment_records),
    ]
    for name, make, flush, topic, generate in cases:
        if args.only and name != args.only:
            continue
        path = None if args.cache is None else args.cache / f"{name}-{args.events}.json"
        records = cached(path, lambda generate=generate: generate(args.events))  # type: ignore[misc]
        best = min(run_once(make, flush, topic, records, args.checkpoint_every) for _ in range(args.repeats))
        print(f"{name}: {len(records)} records, best of {args.repeats}: {best * 1e6 / len(records):.1f} µs/event CPU")


if __name__ == "__main__":
    main()
