"""Commit latency of the exactly-once lake writer alone, as a table's history grows.

``ExactlyOnceWriter`` commits to ``inventory_events``, maintained the way ``LakeSink`` maintains
(``should_maintain`` → ``maintain`` every ``--maintain-every`` commits; maintenance time is
reported apart, not counted as commit latency). During the last 100 commits a second, fresh
table gets a commit after each commit to the aged one, so "after N commits" is compared with
"at the start" under the same machine load.

``--compare`` adds what ``bench/lake_commit_latency.py`` showed: the same commits, interleaved so
machine noise hits every variant alike, to a table never maintained (snapshots and manifests
pile up) and to one never maintained that uses pyiceberg's stock ``Transaction`` instead of the
memoising one (what the writer's transaction saves); median of the first and the last ten.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyiceberg.catalog import Catalog
from pyiceberg.table import Table, Transaction

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
from supplylake.lake import writer as writer_module
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

    def __init__(self, root: Path, name: str, result: CommitLatency, *, maintained: bool = True) -> None:
        self.catalog: Catalog = open_catalog(name, default_catalog_properties(root / name))
        self.writer = ExactlyOnceWriter(self.catalog, INVENTORY_EVENTS, cluster_id="bench")
        self.result = result
        self.maintained = maintained
        self.policy = MaintenancePolicy()

    def commit(self, i: int, into: list[float]) -> None:
        rows = self.result.rows
        outcome = self.writer.commit(batch(i * rows, rows), {(TOPIC, 0): i * rows + rows - 1}, max_event_time_ms=None)
        into.append(outcome.duration_ms)
        if self.maintained and (i + 1) % self.result.maintain_every == 0:
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


@dataclass
class Compared:
    name: str
    first10_ms: float
    last10_ms: float
    snapshots: int


def stock_transaction(table: Table, *, autocommit: bool = False) -> Transaction:
    """pyiceberg's own ``Transaction``, in place of the writer's memoising one."""
    return table.transaction()


def compare_variants(root: Path, commits: int, rows: int, maintain_every: int) -> list[Compared]:
    """Maintained vs never maintained vs never maintained on pyiceberg's stock transaction."""
    stock_begin = writer_module.begin
    variants = {
        f"maintain-every-{maintain_every}": (CommitLatency(commits, rows, maintain_every), True, False),
        "no-maintenance": (CommitLatency(commits, rows, maintain_every), False, False),
        "plain-transaction": (CommitLatency(commits, rows, maintain_every), False, True),
    }
    lakes = {name: Lake(root, f"compare-{name}", r, maintained=m) for name, (r, m, _) in variants.items()}
    try:
        for i in range(commits):
            for name, lake in lakes.items():
                result, _, plain = variants[name]
                writer_module.begin = stock_transaction if plain else stock_begin
                lake.commit(i, result.commit_ms)
            if (i + 1) % 250 == 0:
                log(f"  compare: {i + 1}/{commits} commits")
    finally:
        writer_module.begin = stock_begin
    out = []
    for name, lake in lakes.items():
        ms = variants[name][0].commit_ms
        table = lake.catalog.load_table(INVENTORY_EVENTS.identifier())
        out.append(
            Compared(name, statistics.median(ms[:10]), statistics.median(ms[-10:]), len(table.metadata.snapshots))
        )
    return out


def measure(args: argparse.Namespace) -> Figures:
    log(f"commit latency: {args.commits} commits of {args.rows_per_commit} rows, ExactlyOnceWriter alone")
    QuietMachine(args.quiet_budget).wait()
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-commits-") as tmp:
        result = commit_latency(Path(tmp), args.commits, args.rows_per_commit, args.maintain_every)
        compared = []
        if args.compare:
            log(f"compare: {args.commits} commits each to a maintained, an unmaintained and a plain-transaction table")
            compared = compare_variants(Path(tmp), args.commits, args.rows_per_commit, args.maintain_every)
    return {**asdict(result), "compared": [asdict(c) for c in compared]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--commits", type=int, default=1100, help="commits to the aged table")
    parser.add_argument("--rows-per-commit", type=int, default=500)
    parser.add_argument("--maintain-every", type=int, default=100, help="maintenance check every N commits")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also compare with unmaintained tables, one on pyiceberg's stock Transaction",
    )


SCENARIO = Scenario(
    name="commit_latency",
    title="lake commit latency of ExactlyOnceWriter alone, aged table vs fresh table",
    add_arguments=add_arguments,
    measure=measure,
    quick={"commits": 150, "rows_per_commit": 50},
)
