"""Prepared inputs: the seeded inventory stream, as a file to replay or records to pace, and
slices of a seeded simulation (:func:`write_simulated_input`) for the other pipelines.

The inventory stream is ``tests.support.inventory_stream`` (120 warehouse×SKU keys, ~2 %
duplicates, ~3.5 % out-of-order/late arrivals), the same one the integration tests use.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Producer

from bench.harness.results import ROOT
from supplylake.broker.connection import BrokerConnection
from supplylake.ingest.routing import Unroutable, route
from supplylake.settings import TopicSettings
from supplylake.simulator.events import SimEvent
from supplylake.simulator.generator import Simulation, SimulationConfig, history_config

Stamp = tuple[int, int, int]  # (partition, offset, CreateTime ms) of one delivered record
Record = tuple[bytes, bytes | None]  # (value, key) as routing keys it


def _stream() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # tests.support is not part of the installed package
    from tests.support import inventory_stream

    return inventory_stream


def write_inventory_input(path: Path, events: int, seed: int) -> Path:
    """``events`` inventory events as a JSONL file (what ``supplylake run --input`` reads)."""
    written: Path = _stream().write_inventory_file(path, events, seed=seed)
    return written


TELEMETRY = "shipment.telemetry"


@dataclass
class SimulatedInput:
    """What a simulated input file holds: its records by family and by event type."""

    seed: int
    families: list[str]
    records: int = 0
    # Which simulation and which of its events (empty: the default mix, the families' events).
    source: str = ""
    by_family: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def telemetry_share(self) -> float:
        """``shipment.telemetry`` records among the shipment-events records (0 without any)."""
        shipments = self.by_family.get("shipments", 0)
        return self.by_type.get(TELEMETRY, 0) / shipments if shipments else 0.0


def select_simulated(
    events: Iterable[SimEvent], families: Collection[str], count: int, seed: int, topics: TopicSettings
) -> tuple[list[bytes], SimulatedInput]:
    """The first ``count`` routable records of ``families`` among ``events``, in emission order.

    Records the file replay would not produce (malformed JSON, unknown event types) are left out,
    so the file holds exactly what reaches the topics; the simulator's other faults (duplicates,
    late, out-of-order, schema drift, missing fields) stay in.
    """
    lines: list[bytes] = []
    summary = SimulatedInput(seed, sorted(families))
    by_family: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    for event in events:
        if len(lines) >= count:
            break
        if event.family not in families:
            continue
        try:
            target = route(event.value, topics)
        except Unroutable:
            continue
        lines.append(event.value)
        by_family[target.family] += 1
        by_type[target.event_type] += 1
    summary.records = len(lines)
    summary.by_family, summary.by_type = dict(sorted(by_family.items())), dict(sorted(by_type.items()))
    return lines, summary


def write_simulated_input(path: Path, families: Collection[str], count: int, seed: int) -> SimulatedInput:
    """``count`` records of ``families`` from the seeded simulation as a JSONL file to replay.

    The simulation runs at its defaults (4 warehouses, 40 SKUs, 4 carriers, 200 customers): its
    shipment-events are mostly ``shipment.telemetry``, as in the demo.
    """
    events = Simulation(SimulationConfig(seed=seed)).events()
    lines, summary = select_simulated(events, families, count, seed, TopicSettings())
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return summary


RECEIVED = "inventory.received"
SUPPLIER_WORLD = ("warehouses", "skus", "suppliers", "events_per_hour")  # what supplier_config changes


def supplier_config(seed: int) -> SimulationConfig:
    """The history simulator (``history_config``) in a world that makes supplier records.

    Its defaults give ~25 supplier records a day, too few for a throughput run. PO lines grow
    with the warehouse×SKU pairs while everything else grows with demand, so: 4× the warehouses
    and 10× the SKUs at a third of the demand, and 4× the suppliers, so that each keeps some 15
    PO lines a month as in a default history: ~470 supplier records a day.
    """
    return dataclasses.replace(history_config(seed), warehouses=16, skus=400, suppliers=32, events_per_hour=1200.0)


def supplier_heavy(event: SimEvent) -> bool:
    """What the supplier pipeline reads: supplier events and the receipts (``inventory.received``),
    as ``supplier_history()`` in tests/integration/test_suppliers_pipeline.py keeps them."""
    return event.family == "suppliers" or event.event_type == RECEIVED


def write_supplier_input(path: Path, count: int, seed: int) -> SimulatedInput:
    """The first ``count`` routable supplier-heavy records (:func:`supplier_heavy`) of
    :func:`supplier_config` as a JSONL file to replay; families suppliers and inventory."""
    config = supplier_config(seed)
    events = (e for e in Simulation(config).events() if supplier_heavy(e))
    lines, summary = select_simulated(events, ("suppliers", "inventory"), count, seed, TopicSettings())
    world = ", ".join(f"{name}={getattr(config, name):g}" for name in SUPPLIER_WORLD)
    summary.source = f"`replace(history_config({seed}), {world})`, only its supplier events and `{RECEIVED}` receipts"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return summary


_KEYED: dict[int, list[Record]] = {}


def keyed_records(count: int, seed: int, topics: TopicSettings) -> list[Record]:
    """(value, key) of ``count`` inventory events (generated once per seed, prefixes reused)."""
    cached = _KEYED.get(seed, [])
    if len(cached) < count:
        lines = _stream().inventory_lines(count, seed=seed)
        cached = _KEYED[seed] = [(line, route(line, topics).key) for line in lines]
    return cached[:count]


def keyed_file_records(path: Path, topics: TopicSettings) -> list[Record]:
    """(value, key) of every line of a prepared input file."""
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    return [(line, route(line, topics).key) for line in lines]


def produce_paced(
    connection: BrokerConnection,
    topic: str,
    records: list[Record],
    rate: float,
    stamps: list[Stamp],
    give_up: Callable[[], bool] = lambda: False,
) -> float:
    """Produce at ``rate``/s; append (partition, offset, CreateTime ms) of each delivery to ``stamps``.

    ``give_up`` is asked once a second; when it says so, production stops early. Returns the
    seconds production took.
    """

    def delivered(err: Any, msg: Any) -> None:
        if err is None:
            stamps.append((msg.partition(), msg.offset(), msg.timestamp()[1]))

    config: dict[str, str | int | float | bool] = {"linger.ms": 5, "acks": "all", "log_level": 3}
    producer = Producer(connection.config(**config))
    started = time.monotonic()
    for i, (value, key) in enumerate(records):
        ahead = started + i / rate - time.monotonic()
        if ahead > 0:
            producer.poll(0)
            time.sleep(ahead)
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 200 == 0:
            producer.poll(0)
        if i % max(1, int(rate)) == 0 and i and give_up():
            break
    producer.flush(30)
    return time.monotonic() - started
