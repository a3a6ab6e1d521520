"""Broker restart: the embedded broker restarted empty under running pipelines.

The first part of a simulated stream (every source) goes through a supervised stack until every
pipeline committed it. Then the broker is stopped and an empty one started on the same address
(a new cluster id, every topic empty) while the pipelines run, and the rest of the stream is
produced to it. Its records sit at offsets the lake's ledger already holds for the old cluster,
so a pipeline that committed them under the old cluster id would silently drop them as replays.

What must happen: every pipeline fails closed — it stops with the one ``error: the broker now
answering has cluster id …`` line (its own, or the supervisor's when librdkafka crashed on the new
broker's metadata) — and not one more row is written under the old cluster id. The embedded
broker keeps its log in memory, so what the old broker held uncommitted is gone with it; a
user sends it again. The scenario then stops the stack and runs ``supplylake run --input`` of
the rest on the data dir (another broker epoch, state seeded from the lake, records an earlier
epoch already stored recognised): the lake must equal one plain run of the whole stream.

(The supervisor also restarts the pipelines on the replaced broker, where they may process some
of the rest before the stack is stopped: the final comparison holds either way. They do not
reliably get partitions there: docs/architecture.md, Tansu workarounds.)

*crashes* counts pipeline exits that no such line explains and rows written under the old
cluster after the restart; *recovery* is the seconds from the new broker being up until every
pipeline had stopped (failed closed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stack import Stack, compare, plain_run, reference, result, run_stack
from supplylake.ingest.replay import replay_file
from supplylake.lake.tables import TABLES, EventTableSpec
from tests.support.lake_identity import lake_tables, sql

NAME = "broker_restart"
FULL = {"events": 4_000}
QUICK = {"events": 1_000}
CUT = 0.6  # share of the stream produced to the first broker
EXPLAINED = "error: the broker now answering has cluster id"
FAIL_CLOSED_TIMEOUT_S = 120.0


def rows_of_cluster(data_dir: Path, cluster: str) -> int:
    """Rows every event table holds under ``cluster`` (the source offsets' broker)."""
    present = lake_tables(data_dir)  # the fault scenarios run only some pipelines (chaos.pipelines)
    tables = [s.name for s in TABLES if isinstance(s, EventTableSpec) and s.name in present]
    query = " + ".join(f"(SELECT count(*) FROM {t} WHERE _src_cluster = '{cluster}')" for t in tables)
    return int(sql(data_dir, f"SELECT {query}")[0][0])


@dataclass
class Restart:
    """What the fault saw: the two clusters, rows under the old one before and after, timings."""

    data_dir: Path
    rest: Path
    old_cluster: str = ""
    new_cluster: str = ""
    old_rows_before: int = 0
    old_rows_after: int = 0
    records_to_new_broker: int = 0
    all_stopped_after_s: float | None = None
    problems: list[str] = field(default_factory=list)

    def __call__(self, stack: Stack) -> None:
        """Once the first part is committed: a new empty broker under the running pipelines."""
        self.old_cluster = stack.connection.cluster_id
        self.old_rows_before = rows_of_cluster(self.data_dir, self.old_cluster)
        processes = list(stack.supervisor.processes.values())
        stack.restart_broker_empty()
        restarted = time.monotonic()
        self.new_cluster = stack.connection.cluster_id
        self.records_to_new_broker = replay_file(self.rest, stack.connection, stack.settings.topics).lines
        deadline = restarted + FAIL_CLOSED_TIMEOUT_S
        while time.monotonic() < deadline and not all(p.exit_codes for p in processes):
            time.sleep(0.2)
        running = [p.name for p in processes if not p.exit_codes]
        if running:
            self.problems.append(f"{running} still running {FAIL_CLOSED_TIMEOUT_S:.0f} s after the new broker")
        else:
            self.all_stopped_after_s = round(time.monotonic() - restarted, 1)
        self.old_rows_after = rows_of_cluster(self.data_dir, self.old_cluster)


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    work = options.work_dir
    ref = reference(work, options.seed, sizes["events"])
    first, rest = ref.split(CUT)

    started = time.monotonic()
    data_dir = work / "restart-data"
    restart = Restart(data_dir, rest)
    stack = run_stack(first, data_dir, instances=1, fault=lambda s: None, timeout_s=600, after=restart)
    exits = stack.exits()
    stopped = [p for p in stack.supervisor.processes.values() if p.exit_codes]
    explained = sum(p.log_path.read_text(errors="replace").count(EXPLAINED) for p in stopped)
    problems = list(restart.problems)
    if explained < len(stopped):
        problems.append(f"{len(stopped) - explained} pipeline(s) stopped without saying the broker was replaced")
    if (late := restart.old_rows_after - restart.old_rows_before) != 0:
        problems.append(f"{late} row(s) written under the old cluster id after the restart")

    # The rest again, as a user would send it: a plain run on the data dir (a new broker epoch).
    plain_run(rest, data_dir, timeout_s=900)
    return [
        result(
            NAME,
            "broker restarted empty on the same address under running pipelines; the rest sent again",
            ref.events,
            compare(ref.data_dir, data_dir),
            crashes=len(problems) + (stack.supervisor.failure is not None),
            recovery_s=restart.all_stopped_after_s,
            started=started,
            details={
                "old_cluster": restart.old_cluster,
                "new_cluster": restart.new_cluster,
                "rows_under_old_cluster": [restart.old_rows_before, restart.old_rows_after],
                "records_to_new_broker": restart.records_to_new_broker,
                "events_to_first_broker": sum(1 for _ in first.open("rb")),
                "exit_codes": exits,
                "exits_explained": explained,
            },
            problems=problems,
        )
    ]


SCENARIO = Scenario(
    NAME, "the embedded broker restarted empty under running pipelines (fail closed, then a new epoch)", run
)
