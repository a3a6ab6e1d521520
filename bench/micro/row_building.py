"""µs per event of the derived ``inventory_events`` row builder vs the hand-written one it replaced.

Run from the repository root: ``.venv/bin/python -m bench.micro.row_building [--events N]``. Over
simulated inventory events, best of interleaved repeats (the machine is shared: compare within
one run).
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from functools import partial
from typing import Any

from supplylake.contracts import parse_event
from supplylake.contracts.inventory import InventoryEvent
from supplylake.pipelines.inventory.app import _event_row as derived
from tests.support.inventory_rows import handwritten_inventory_event_row
from tests.support.inventory_stream import inventory_lines

Row = Callable[[Any, bytes, bool, int], dict[str, Any]]


def events(count: int) -> list[tuple[InventoryEvent, bytes]]:
    pairs = []
    for raw in inventory_lines(count, seed=1):
        event = parse_event(raw)
        if isinstance(event, InventoryEvent):
            pairs.append((event, raw))
    return pairs


def microseconds_per_event(sample: list[tuple[InventoryEvent, bytes]], repeats: int) -> dict[str, float]:
    builders: dict[str, Row] = {"handwritten (before)": handwritten_inventory_event_row, "derived (after)": derived}
    best = dict.fromkeys(builders, float("inf"))

    def run(build: Row) -> None:
        for event, raw in sample:
            build(event, raw, False, 1234)

    for _ in range(repeats):
        for name, build in builders.items():
            seconds = timeit.timeit(partial(run, build), number=1)
            best[name] = min(best[name], seconds / len(sample) * 1e6)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    sample = events(args.events)
    for name, micros in microseconds_per_event(sample, args.repeats).items():
        print(f"{name}: {micros:.2f} µs/event over {len(sample):,} inventory events")


if __name__ == "__main__":
    main()
