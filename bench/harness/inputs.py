"""Prepared inputs: the seeded inventory stream, as a file to replay or records to pace.

The stream is ``tests.support.inventory_stream`` (120 warehouse×SKU keys, ~2 % duplicates,
~3.5 % out-of-order/late arrivals), the same one the integration tests use.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Producer

from bench.harness.results import ROOT
from supplylake.broker.connection import BrokerConnection
from supplylake.ingest.routing import route
from supplylake.settings import TopicSettings

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
