"""Commit latency of the exactly-once lake writer alone, as a table's history grows.

``ExactlyOnceWriter`` commits to ``inventory_events``, maintained the way ``LakeSink`` maintains
(``should_maintain`` → ``maintain`` every ``--maintain-every`` commits; maintenance time is
reported apart, not counted as commit latency). During the last 100 commits a second, fresh
table gets a commit after each commit to the aged one, so "after N commits" is compared with
"at the start" under the same machine load. (Was ``bench/lake_commit_latency.py`` and section 3
of ``bench/pipeline_throughput.py``.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyiceberg.catalog import Catalog

from bench.harness.console import log
from bench.harness.quiet import QuietMachine
from bench.scenarios.scenario import Figures, Scenario
from supplylake.lake import (
    INVENTORY_EVENTS,
    ExactlyOnceWriter,
    MaintenancePolicy,
    default_catalog_properties,
    maintain,
    open_catalog,
)
from supplylake.lake.maintenance import should_maintain

TOPIC = "inventory-events"
BASE_MS = 1_736_950_000_000
FRESH_WINDOW = 100  # commits compared at the start and the end


def batch(first_offset: int, rows: int) -> list[dict[str, object]]:
    """``rows`` inventory_events rows with consecutive source offsets."""
    return [
        {
            "event_id": f"e-{offset}",
            "event_type": "inventory.received",
            "event_time": BASE_MS + offset * 1000,
            "warehouse_id": f"WH-{offset % 5}",
            "sku": f"SKU-{offset % 50}",
            "quantity": offset % 100,
            "unit_cost": 9.5,
            "is_late": False,
            "payload": "{}",
            "_src_topic": TOPIC,
            "_src_partition": 0,
            "_src_offset": offset,
        }
        for offset in range(first_offset, first_offset + rows)
    ]


@dataclass
class CommitLatency:
    commits: int
    rows: int
    maintain_every: int
    commit_ms: list[float] = field(default_factory=list)
    fresh_ms: list[float] = field(default_factory=list)  # a new table, interleaved with the last 100
    maintain_ms: list[float] = field(default_factory=list)
    snapshots: int = 0
    data_files: int = 0
    seconds: float = 0.0


class Lake:
    """One catalog + writer for ``inventory_events``, committed to one batch at a time."""

    def __init__(self, root: Path, name: str, result: CommitLatency) -> None:
        self.catalog: Catalog = open_catalog(name, default_catalog_properties(root / name))
        self.writer = ExactlyOnceWriter(self.catalog, INVENTORY_EVENTS, cluster_id="bench")
        self.result = result
        self.policy = MaintenancePolicy()

    def commit(self, i: int, into: list[float]) -> None:
        rows = self.result.rows
        outcome = self.writer.commit(batch(i * rows, rows), {(TOPIC, 0): i * rows + rows - 1}, max_event_time_ms=None)
        into.append(outcome.duration_ms)
        if (i + 1) % self.result.maintain_every == 0:
            table = self.catalog.load_table(INVENTORY_EVENTS.identifier())
            if should_maintain(table, self.policy):
                began = time.monotonic()
                maintain(self.catalog, INVENTORY_EVENTS, self.policy)
                self.result.maintain_ms.append((time.monotonic() - began) * 1000)


def commit_latency(root: Path, commits: int, rows: int, maintain_every: int) -> CommitLatency:
    result = CommitLatency(commits, rows, maintain_every)
    aged = Lake(root, "commit-latency-aged", result)
    fresh: Lake | None = None
    started = time.monotonic()
    for i in range(commits):
        aged.commit(i, result.commit_ms)
        if i >= commits - FRESH_WINDOW:
            fresh = fresh or Lake(root, "commit-latency-fresh", result)
            fresh.commit(i - (commits - FRESH_WINDOW), result.fresh_ms)
        if (i + 1) % 250 == 0:
            log(f"  commit latency: {i + 1}/{commits} commits")
    result.seconds = time.monotonic() - started
    table = aged.catalog.load_table(INVENTORY_EVENTS.identifier())
    result.snapshots = len(table.metadata.snapshots)
    result.data_files = len(list(table.scan().plan_files()))
    return result


def measure(args: argparse.Namespace) -> Figures:
    log(f"commit latency: {args.commits} commits of {args.rows_per_commit} rows, ExactlyOnceWriter alone")
    QuietMachine(args.quiet_budget).wait()
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-commits-") as tmp:
        result = commit_latency(Path(tmp), args.commits, args.rows_per_commit, args.maintain_every)
    return asdict(result)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--commits", type=int, default=1100, help="commits to the aged table")
    parser.add_argument("--rows-per-commit", type=int, default=500)
    parser.add_argument("--maintain-every", type=int, default=100, help="maintenance check every N commits")


SCENARIO = Scenario(
    name="commit_latency",
    title="lake commit latency of ExactlyOnceWriter alone, aged table vs fresh table",
    add_arguments=add_arguments,
    measure=measure,
    quick={"commits": 150, "rows_per_commit": 50},
)
