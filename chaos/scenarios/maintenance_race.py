"""Lake maintenance racing the writers: compaction, manifest merges and snapshot expiry committed
while every pipeline's sink keeps committing to the same tables.

A simulated stream of every family runs through every pipeline (two instances each, no kills)
while maintenance runs over and over, two ways at once: ``supplylake lake maintain`` as a child
process in a loop (the command an operator runs), and :func:`supplylake.lake.maintenance.maintain`
in this process with a policy that forces work on every round (compact a partition from 2 small
files, keep the last 5 snapshots, expire from 1). Afterwards the lake must hold every valid event
exactly once and each entity's end state as the batch recomputation says, and time travel must
still answer: the oldest retained snapshot and the current one of every event table.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from chaos.lake import Lake
from chaos.pipelines import CHECKED_PIPELINES
from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stream import Fault, Measured, Run, drive, measure_stream, result, simulate
from supplylake.lake.catalog import catalog_for
from supplylake.lake.maintenance import MaintenancePolicy, maintain
from supplylake.lake.tables import TABLES
from supplylake.processes import die_with_parent
from supplylake.query import LakeReader, run_query
from supplylake.settings import Settings, load_settings

NAME = "maintenance_race"
FULL = {"events": 100_000}
QUICK = {"events": 20_000}
FORCING = MaintenancePolicy(keep_last_snapshots=5, min_snapshots_to_expire=1, compact_min_small_files=2)
EVENT_TABLES = ("inventory_events", "shipment_events", "shipment_telemetry", "order_events")


@dataclass
class Maintainers(Fault):
    """Maintenance in a loop from the first tick to the end: one CLI child loop, one in-process loop."""

    data_dir: Path
    stop: threading.Event = field(default_factory=threading.Event)
    cli_runs: int = 0
    cli_failures: list[str] = field(default_factory=list)
    rounds: int = 0
    compactions: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def tick(self, run: Run) -> None:
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._cli_loop, name="maintain-cli", daemon=True),
                threading.Thread(target=self._inline_loop, args=(run.settings,), name="maintain", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
            run.note("maintenance loops started")

    def _cli_loop(self) -> None:
        while not self.stop.is_set():
            done = subprocess.run(
                [sys.executable, "-m", "supplylake", "lake", "maintain", "--data-dir", str(self.data_dir)],
                capture_output=True,
                text=True,
                timeout=300,
                preexec_fn=die_with_parent,
            )
            self.cli_runs += 1
            if done.returncode != 0:
                self.cli_failures.append(f"exit {done.returncode}: {done.stderr.strip()[-200:]}")

    def _inline_loop(self, settings: Settings) -> None:
        catalog = catalog_for(settings)
        namespace = settings.catalog.namespace
        while not self.stop.is_set():
            for spec in TABLES:
                if self.stop.is_set():
                    return
                try:
                    if not catalog.table_exists(spec.identifier(namespace)):
                        continue
                    report = maintain(catalog, spec, FORCING, namespace=namespace)
                except Exception as exc:  # a lost race is the maintainer's to retry next round
                    self.errors.append(f"{spec.name}: {type(exc).__name__}: {str(exc)[:160]}")
                    continue
                self.compactions += report.partitions_compacted
                self.expired += report.snapshots_expired
            self.rounds += 1

    def finish(self, run: Run) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=300)
        run.note(f"maintenance stopped: {self.rounds} rounds in process, {self.cli_runs} `lake maintain` runs")


def time_travel(data_dir: Path, m: Measured) -> dict[str, object]:
    """Every event table answers as of its oldest retained snapshot and as of its current one."""
    settings = load_settings(data_dir=data_dir, pipelines=CHECKED_PIPELINES)
    catalog = catalog_for(settings)
    checked: dict[str, object] = {}
    for name in EVENT_TABLES:
        table = catalog.load_table((settings.catalog.namespace, name))
        snapshots = sorted(table.snapshots(), key=lambda s: s.timestamp_ms)
        current = table.current_snapshot()
        if not snapshots or current is None:
            m.mismatch(f"time travel: {name} has no snapshot")
            continue
        counts = []
        for snapshot in (snapshots[0], current):
            as_of = datetime.fromtimestamp((snapshot.timestamp_ms + 1) / 1000, UTC)
            try:
                answer = run_query(LakeReader(catalog), f"SELECT count(*) AS n FROM {name}", as_of=as_of)
            except Exception as exc:
                m.mismatch(f"time travel: {name} as of {as_of.isoformat()}: {type(exc).__name__}: {exc}")
                continue
            counts.append(int(answer.rows[0][0]))
        now = int(run_query(LakeReader(catalog), f"SELECT count(*) AS n FROM {name}").rows[0][0])
        if len(counts) == 2 and (counts[1] != now or counts[0] > now):
            m.mismatch(f"time travel: {name} counts {counts} as of its oldest/current snapshot, {now} now")
        checked[name] = {"snapshots_retained": len(snapshots), "rows_as_of_oldest_and_current": counts}
    return checked


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    started = time.monotonic()
    stream = simulate(options.work_dir, options.seed, sizes["events"])
    data_dir = options.work_dir / "data"
    fault = Maintainers(data_dir)
    driven = drive(stream, data_dir, fault, instances=2, timeout_s=600 if options.quick else 1800)
    m = measure_stream(Lake(data_dir), stream)
    travel = time_travel(data_dir, m)
    if fault.rounds < 2 or fault.compactions == 0:
        m.problem(f"maintenance barely ran: {fault.rounds} rounds, {fault.compactions} partitions compacted")
    for failure in fault.cli_failures[:3]:
        m.problem(f"`supplylake lake maintain` failed: {failure}")
    return [
        result(
            NAME,
            "lake maintain loop + forced maintain(), 2 instances per pipeline",
            m,
            driven,
            crashes=driven.restarts,
            recovery_s=None,
            started=started,
            details={
                "maintain_rounds": fault.rounds,
                "lake_maintain_runs": fault.cli_runs,
                "lake_maintain_failures": len(fault.cli_failures),
                "partitions_compacted": fault.compactions,
                "snapshots_expired": fault.expired,
                "maintainer_errors": fault.errors[:6],
                "time_travel": travel,
            },
        )
    ]


SCENARIO = Scenario(NAME, "lake maintenance (compaction, manifest merges, snapshot expiry) racing the writers", run)
