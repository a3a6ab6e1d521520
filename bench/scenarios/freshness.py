"""Freshness of the product's inventory pipeline at a fixed input rate.

Every record's produce time is its Kafka CreateTime; a reader thread loops ``LakeReader.refresh``
+ a DuckDB query of the highest visible source offset per partition, so an event is "visible" at
the first query that returns an offset at or beyond its own. Also reported: produce → lake commit
(from each snapshot's ``supplylake.committed-at-ms`` and offsets ledger), and from the sink's
JSON log its commits, maintenance runs and how long each checkpoint's flush holds up Quix.
Production stops early once ``--give-up-lag`` seconds of input are uncommitted; if the rate was
not sustained, a second run at ``--fallback-rate`` (default half) follows.
"""

from __future__ import annotations

import argparse
import bisect
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.console import log
from bench.harness.errors import PipelineNotReady
from bench.harness.inputs import Record, Stamp, keyed_records, produce_paced
from bench.harness.lake import lake_catalog
from bench.harness.processes import (
    GroupProgress,
    PipelineChild,
    RunNames,
    broker_pid,
    broker_usage,
    drop_run_topics,
    embedded_broker,
    sink_log_is_json,
)
from bench.harness.procfs import Interference
from bench.harness.quiet import QuietMachine
from bench.harness.sink_log import checkpoint_profile, commit_ms_by_table, maintenance_runs, read_sink_events
from bench.harness.stats import NAN, pct
from bench.harness.visibility import LakeWatcher
from bench.scenarios.scenario import Figures, Scenario
from bench.scenarios.throughput import VARIANTS
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.topics import ensure_topics
from supplylake.settings import Settings, load_settings

Offsets = dict[int, int]  # partition -> offset


@dataclass
class FreshnessRun:
    rate: float
    seconds: float
    produced: int = 0
    produce_s: float = 0.0
    backlog_at_end: int = 0
    drain_s: float = NAN
    visible_ms: list[float] = field(default_factory=list)
    committed_ms: list[float] = field(default_factory=list)
    not_visible: int = 0
    polls: int = 0
    poll_ms: list[float] = field(default_factory=list)
    thirds_p50_ms: list[float] = field(default_factory=list)
    commit_ms: dict[str, list[float]] = field(default_factory=dict)
    maintenance: list[tuple[str, int]] = field(default_factory=list)
    gave_up_after_s: float | None = None
    checkpoints: dict[str, float] = field(default_factory=dict)
    bench_cpu_share: float = 0.0  # producer + lake reader, in cores
    other_cores: float = 0.0
    pipeline_cpu_share: float = 0.0
    peak_rss_mb: float = 0.0
    error: str | None = None

    @property
    def achieved_rate(self) -> float:
        return self.produced / self.produce_s if self.produce_s else 0.0

    @property
    def sustained(self) -> bool:
        # Kept up: no backlog worth three seconds of input at the end, and no growing delay.
        growing = len(self.thirds_p50_ms) == 3 and self.thirds_p50_ms[2] > 2 * max(self.thirds_p50_ms[0], 1000)
        return (
            self.error is None and self.gave_up_after_s is None and self.backlog_at_end <= self.rate * 3 and not growing
        )

    def figures(self) -> dict[str, Any]:
        return {**asdict(self), "achieved_rate": self.achieved_rate, "sustained": self.sustained}


def commit_times(settings: Settings, topic: str) -> dict[int, list[tuple[int, int]]]:
    """partition -> [(ledger offset, committed-at ms)] over inventory_events' retained snapshots."""
    from supplylake.lake.ledger import LEDGER_PROPERTY, Ledger
    from supplylake.lake.tables import INVENTORY_EVENTS
    from supplylake.lake.writer import COMMITTED_AT_PROPERTY

    table = lake_catalog(settings).load_table(INVENTORY_EVENTS.identifier(settings.catalog.namespace))
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for snapshot in sorted(table.metadata.snapshots, key=lambda s: s.sequence_number or 0):
        summary = snapshot.summary
        encoded = summary[LEDGER_PROPERTY] if summary is not None else None
        committed_at = summary[COMMITTED_AT_PROPERTY] if summary is not None else None
        if not encoded or not committed_at:
            continue
        ledger = Ledger.decode(encoded)
        at = int(committed_at)
        for cluster in ledger.cluster_ids:
            for (t, p), offset in ledger.offsets(cluster).items():
                if t == topic and (not out[p] or offset > out[p][-1][0]):
                    out[p].append((offset, at))
    return out


def _first_cover(series: list[tuple[int, int]], offset: int) -> int | None:
    index = bisect.bisect_left([o for o, _ in series], offset)
    return series[index][1] if index < len(series) else None


def _ends(stamps: list[Stamp]) -> Offsets:
    ends: Offsets = {}
    for partition, offset, _ in stamps:
        ends[partition] = max(ends.get(partition, -1), offset)
    return ends


class FreshnessBench:
    """One freshness run: a warmed-up pipeline, paced production, drain, then the visibility analysis."""

    def __init__(self, connection: BrokerConnection, own_pids: list[int], root: Path, args: argparse.Namespace) -> None:
        self.connection = connection
        self.own_pids = own_pids
        self.root = root
        self.args = args
        self.quiet = QuietMachine(args.quiet_budget)

    def run(self, tag: str, rate: float) -> FreshnessRun:
        args = self.args
        result = FreshnessRun(rate, args.fresh_seconds)
        names = RunNames(f"fresh{tag}", self.root / f"fresh-{tag}")
        topics = names.topics
        ensure_topics(self.connection, names.own_topics(), topics)
        records = keyed_records(int(rate * args.fresh_seconds), args.seed + 1, topics)
        warmup = keyed_records(200, args.seed + 1001, topics)
        self.quiet.wait()
        child = PipelineChild(VARIANTS["a"].command, names, self.connection.bootstrap, sink_log=True)
        partitions = [(topics.inventory, p) for p in range(topics.partitions)]
        progress = GroupProgress(self.connection, names.group("inventory"), partitions)
        watcher = LakeWatcher(names.settings(), args.poll_interval)
        stamps: list[Stamp] = []
        try:
            warm_end = self.warm_up(child, progress, topics.inventory, warmup)
            watcher.start()
            self.produce_and_drain(child, progress, topics.inventory, records, stamps, warm_end, result)
            # Let the reader see the last commit (the newest offsets may be rows-less duplicates).
            ends = _ends(stamps)
            settle = time.monotonic() + 5
            while time.monotonic() < settle and any(watcher.max_offsets().get(p, -1) < o for p, o in ends.items()):
                time.sleep(0.1)
        finally:
            watcher.stop()
            child.stop()
            progress.close()
            drop_run_topics(self.connection, names)
        if watcher.error is not None:
            result.error = f"lake watcher failed: {watcher.error!r}"
        result.peak_rss_mb = child.peak_rss_mb
        events = read_sink_events(child.log_path)
        result.commit_ms = commit_ms_by_table(events)
        result.maintenance = maintenance_runs(events)
        result.checkpoints = asdict(checkpoint_profile(events))
        result.polls, result.poll_ms = len(watcher.poll_ms), watcher.poll_ms
        visibility(result, stamps, watcher, commit_times(names.settings(), topics.inventory))
        return result

    def warm_up(self, child: PipelineChild, progress: GroupProgress, topic: str, warmup: list[Record]) -> Offsets:
        """The group has joined and the tables exist before the clock starts."""
        warm_stamps: list[Stamp] = []
        produce_paced(self.connection, topic, warmup, 1000, warm_stamps)
        warm_end = _ends(warm_stamps)
        deadline = time.monotonic() + 60
        while not all(progress.committed().get((topic, p), -1) > o for p, o in warm_end.items()):
            if not child.alive() or time.monotonic() > deadline:
                raise PipelineNotReady(f"pipeline did not warm up; its log ends:\n{child.log_tail()}")
            time.sleep(0.2)
        return warm_end

    def produce_and_drain(
        self,
        child: PipelineChild,
        progress: GroupProgress,
        topic: str,
        records: list[Record],
        stamps: list[Stamp],
        warm_end: Offsets,
        result: FreshnessRun,
    ) -> None:
        rate, give_up_lag_s = result.rate, self.args.give_up_lag
        bench_cpu = time.process_time()
        child.sample()
        pipeline_cpu = child.cpu_s
        interference = Interference(lambda: self.own_pids)
        timed = time.monotonic()

        def too_far_behind() -> bool:
            # More than --give-up-lag seconds of input not yet committed: the rate is not sustained.
            delivered = _ends(stamps[-2 * int(rate) :])
            committed = progress.committed()
            lag = sum(o + 1 - max(committed.get((topic, p), 0), 0) for p, o in delivered.items())
            if lag > rate * give_up_lag_s:
                result.gave_up_after_s = time.monotonic() - timed
                return True
            return False

        result.produce_s = produce_paced(self.connection, topic, records, rate, stamps, too_far_behind)
        result.produced = len(stamps)
        ends = _ends(stamps)
        committed = progress.committed()
        result.backlog_at_end = sum(
            end + 1 - max(committed.get((topic, p), 0), warm_end.get(p, -1) + 1) for p, end in ends.items()
        )
        drain_started = time.monotonic()
        deadline = drain_started + max(60.0, give_up_lag_s * 4)
        while True:
            committed = progress.committed()
            if all(committed.get((topic, p), -1) > o for p, o in ends.items()):
                result.drain_s = time.monotonic() - drain_started
                break
            if not child.alive() or time.monotonic() > deadline:
                result.error = f"pipeline did not catch up within {deadline - drain_started:.0f}s after production"
                break
            child.sample()
            time.sleep(0.2)
        child.sample()
        span = time.monotonic() - timed
        result.bench_cpu_share = (time.process_time() - bench_cpu) / span
        result.pipeline_cpu_share = (child.cpu_s - pipeline_cpu) / span
        result.other_cores = interference.other_cores(child.cpu_s - pipeline_cpu)


def visibility(
    result: FreshnessRun,
    stamps: list[Stamp],
    watcher: LakeWatcher,
    committed_at: dict[int, list[tuple[int, int]]],
) -> None:
    """Per record: produce → visible to the reader, produce → committed; p50 by thirds of the run."""
    stamps.sort(key=lambda s: s[2])
    thirds: list[list[float]] = [[], [], []]
    for i, (partition, offset, created_ms) in enumerate(stamps):
        visible = watcher.visible_at(partition, offset)
        if visible is None:
            result.not_visible += 1
        else:
            result.visible_ms.append(visible - created_ms)
            thirds[min(2, i * 3 // max(1, len(stamps)))].append(visible - created_ms)
        if (commit_ms := _first_cover(committed_at.get(partition, []), offset)) is not None:
            result.committed_ms.append(commit_ms - created_ms)
    result.thirds_p50_ms = [statistics.median(t) if t else NAN for t in thirds]


def _log_run(run: FreshnessRun) -> None:
    log(
        f"  produced {run.produced:,} at {run.achieved_rate:,.0f}/s, backlog {run.backlog_at_end:,}, "
        f"visible p50 {pct(run.visible_ms, 50) / 1000:.2f}s p99 {pct(run.visible_ms, 99) / 1000:.2f}s, "
        f"sustained: {run.sustained} {run.error or ''}"
    )


def measure(args: argparse.Namespace) -> Figures:
    runs: list[FreshnessRun] = []
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-freshness-") as tmp:
        root = Path(tmp)
        with embedded_broker(root / "broker") as (broker, connection):
            pid = broker_pid(broker)
            bench = FreshnessBench(connection, [pid] if pid else [], root, args)
            log(f"freshness (a) at {args.rate:,.0f}/s for {args.fresh_seconds:.0f}s")
            runs.append(bench.run("1", args.rate))
            _log_run(runs[0])
            if not runs[0].sustained and args.fallback_rate != 0:
                fallback = args.fallback_rate or args.rate / 2
                log(f"freshness (a) at fallback {fallback:,.0f}/s for {args.fresh_seconds:.0f}s")
                runs.append(bench.run("2", fallback))
                _log_run(runs[1])
            usage = broker_usage(broker)
    settings = load_settings()
    return {
        "poll_interval_s": args.poll_interval,
        "give_up_lag_s": args.give_up_lag,
        "disturbed_cores": 0.3,
        "commit_interval_s": settings.lake.commit_interval_s,
        "maintain_every_commits": settings.lake.maintain_every_commits,
        "runs": [r.figures() for r in runs],
        "broker": asdict(usage),
        "sink_log_json": sink_log_is_json(),
        "quiet_waited_s": bench.quiet.waited_s,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=5000, help="input rate of the freshness run (events/s)")
    parser.add_argument(
        "--fresh-seconds",
        type=float,
        default=180,
        help="how long to produce at --rate (default: long enough for the sink's lake maintenance "
        "at commit 100 of each table at 2,500/s)",
    )
    parser.add_argument(
        "--give-up-lag",
        type=float,
        default=6,
        help="stop producing once this many seconds of input are uncommitted (rate not sustained)",
    )
    parser.add_argument(
        "--fallback-rate",
        type=float,
        default=None,
        help="second freshness rate if --rate is not sustained (default: half of --rate; 0: none)",
    )
    parser.add_argument(
        "--poll-interval", type=float, default=0.2, help="freshness reader pause between lake queries (s)"
    )
    parser.add_argument("--seed", type=int, default=3)


SCENARIO = Scenario(
    name="freshness",
    title="freshness of (a): produce → visible to a DuckDB reader of the lake, at a fixed rate",
    add_arguments=add_arguments,
    measure=measure,
    quick={"rate": 500, "fresh_seconds": 10, "fallback_rate": 0},
)
