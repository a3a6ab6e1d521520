"""Crash scenarios' common ground: a simulated input, a plain run of it, a faulted stack, the comparison.

- :func:`simulated_input`: a simulated stream (every source, with duplicates, late and malformed
  events) as a JSON-lines file;
- :func:`plain_run`: one uninterrupted ``supplylake run --input`` of it, one instance each — the
  batch recomputation every faulted lake must equal;
- :func:`run_stack`: the same input through a supervised stack (embedded broker, every pipeline,
  ``instances`` of each) while a scenario's fault callback runs between progress checks;
- :func:`compare`: the faulted lake against the plain one, table by table and entity by entity
  (tests/support/lake_identity.py defines what identifies a row and what an entity ends at).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaos.input_file import cut_lines
from chaos.pipelines import CHECKED_PIPELINES
from chaos.result import LakeCounts, ScenarioResult
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.ingest.intake import record_rejects
from supplylake.ingest.replay import replay_file
from supplylake.lake.tables import DEAD_LETTERS, TABLES, EventTableSpec
from supplylake.orchestration.launch import running_pipelines
from supplylake.orchestration.progress import committed_offsets, wait_until_pipelines_committed
from supplylake.orchestration.supervisor import Supervisor
from supplylake.orchestration.topology import control_topics, groups_of_topic
from supplylake.pipelines.control import broadcast_watermark
from supplylake.pipelines.run_mode import RunMode
from supplylake.processes import die_with_parent
from supplylake.settings import Settings, load_settings
from supplylake.simulator import FaultConfig, Simulation, SimulationConfig, write_jsonl
from tests.support.lake_identity import CURRENT, IDENTITY, lake_contents, lake_queries

MAX_PROBLEMS = 12


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    env["SUPPLYLAKE_LOG_LEVEL"] = "WARNING"
    env["SUPPLYLAKE_PIPELINES"] = json.dumps(CHECKED_PIPELINES)
    return env


def simulated_input(path: Path, seed: int, events: int) -> int:
    faults = FaultConfig(duplicate=0.03, late=0.01, malformed_json=0.01, missing_field=0.01)
    simulation = Simulation(SimulationConfig(seed=seed, events_per_hour=600, faults=faults))
    write_jsonl(simulation.events(max_events=events), path)
    return sum(1 for _ in path.open("rb"))


def plain_run(path: Path, data_dir: Path, timeout_s: float) -> None:
    """One uninterrupted `supplylake run --input`: what every faulted run must give."""
    run = subprocess.run(
        [sys.executable, "-m", "supplylake", "run", "--input", str(path), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=timeout_s,
        preexec_fn=die_with_parent,
    )
    if run.returncode != 0:
        raise RuntimeError(f"the plain run failed ({run.returncode}): {run.stderr.strip()[-500:]}")


@dataclass(frozen=True)
class Reference:
    """A scenario's simulated input and the lake of one plain run of it (what a faulted lake must equal)."""

    whole: Path
    events: int
    data_dir: Path

    def split(self, share: float) -> tuple[Path, Path]:
        """The input cut after ``share`` of its lines, as two files beside it (first part, rest)."""
        first, rest = cut_lines(self.whole, [share])
        return first, rest


def reference(work: Path, seed: int, events: int) -> Reference:
    """:func:`simulated_input` into ``work`` and :func:`plain_run` of it."""
    whole = work / "input.jsonl"
    written = simulated_input(whole, seed, events)
    plain = work / "plain-data"
    plain_run(whole, plain, timeout_s=900)
    return Reference(whole, written, plain)


@dataclass
class Stack:
    """What a faulted stack's callback sees: the supervisor, the connection, the progress so far."""

    supervisor: Supervisor
    connection: BrokerConnection
    settings: Settings
    broker: EmbeddedBroker
    done: int = 0
    total: int = 1
    progressed_at: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, done) on change

    def running(self) -> list[str]:
        return sorted(label for label, p in self.supervisor.processes.items() if p.process and p.process.poll() is None)

    def exits(self) -> list[int]:
        return [code for p in self.supervisor.processes.values() for code in p.exit_codes]

    def every_group_committed(self) -> bool:
        """True once every pipeline's consumer group has committed an offset on a source topic.

        A fault meant for pipelines "at work" waits for this: stopping a pipeline in the middle
        of its first JoinGroup is a different fault, one the embedded broker does not recover
        from quickly (docs/architecture.md, Tansu workarounds).
        """
        committed: dict[str, bool] = {}
        for topic, groups in groups_of_topic(self.settings).items():
            for group in groups:
                offsets = committed_offsets(
                    self.connection, group, [(topic, p) for p in range(self.settings.topics.partitions)]
                )
                committed[group] = committed.get(group, False) or any(o >= 0 for o in offsets.values())
        return all(committed.values())

    def restart_broker_empty(self) -> None:
        """Stop the embedded broker and start an empty one on the same address (a new cluster id).

        The pipelines keep running: what they do next is what the broker_restart scenario measures.
        """
        port = self.broker.port
        self.broker.stop()
        self.broker = EmbeddedBroker(self.settings.data_dir, port=port).start()
        self.connection = BrokerConnection(self.broker.bootstrap, self.broker.cluster_id, True)
        ensure_topics(self.connection, all_topics(self.settings.topics), self.settings.topics)

    def recovered_after(self, instant: float) -> float | None:
        """Seconds from ``instant`` to the first committed progress after it (None: none seen)."""
        later = [t for t, _ in self.progressed_at if t > instant]
        return round(later[0] - instant, 1) if later else None


Fault = Callable[[Stack], None]


def run_stack(
    path: Path,
    data_dir: Path,
    *,
    instances: int,
    fault: Fault,
    timeout_s: float,
    env: dict[str, str] | None = None,
    after: Fault | None = None,
) -> Stack:
    """``path`` through a supervised stack until all of it is committed; ``fault`` runs between checks.

    ``after`` runs once everything is committed, with the stack still up (e.g. a restart, then
    more input through :func:`feed`).
    """
    settings = load_settings(data_dir=data_dir, pipelines=CHECKED_PIPELINES)
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SUPPLYLAKE_")}
    broker = EmbeddedBroker(data_dir).start()
    stack: Stack | None = None
    try:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        with running_pipelines(
            settings, connection, RunMode.BOUNDED_REPLAY, instances=instances, extra_env=env
        ) as supervisor:
            stack = Stack(supervisor, connection, settings, broker)
            feed(stack, path, fault, timeout_s)
            if after is not None:
                after(stack)
            return stack
    finally:
        (stack.broker if stack is not None else broker).stop()  # the one running (a fault may replace it)
        os.environ.update(saved)


def feed(stack: Stack, path: Path, fault: Fault, timeout_s: float) -> None:
    """Replay ``path`` onto the stack's topics and wait until every pipeline committed all of it."""
    connection, settings = stack.connection, stack.settings
    summary = replay_file(path, connection, settings.topics)
    record_rejects(settings, connection, summary.rejected)
    if summary.max_event_time_ms is not None:
        summary.include(broadcast_watermark(connection, control_topics(settings), summary.max_event_time_ms))

    def progress(done: int, total: int) -> None:
        if done != stack.done:
            stack.progressed_at.append((time.monotonic(), done))
        stack.done, stack.total = done, total

    def check() -> None:
        stack.supervisor.check()
        fault(stack)

    wait_until_pipelines_committed(
        connection,
        settings,
        summary.end_offsets,
        timeout_s=timeout_s,
        check=check,
        on_progress=progress,
        watermark_ms=summary.max_event_time_ms,
    )


@dataclass
class Comparison(LakeCounts):
    tables: dict[str, int] = field(default_factory=dict)
    entities_compared: int = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def compare(reference: Path, data_dir: Path) -> Comparison:
    """``data_dir``'s lake against the plain run's lake in ``reference``."""
    want, got = lake_contents(reference), lake_contents(data_dir)
    result = Comparison()
    for table in IDENTITY:
        expected, actual = Counter(want[table] or ()), Counter(got[table] or ())
        result.tables[table] = sum(actual.values())
        result.rows_out += sum(actual.values())
        missing, extra = expected - actual, actual - expected
        result.lost += sum(missing.values())
        for identity, n in extra.items():
            if identity in expected:
                result.duplicated_by_event_id += n
                result.problem(f"{table}: {identity[:80]} {n} extra time(s)")
            else:
                result.mismatches += n
                result.problem(f"{table}: {identity[:80]} is not in the plain run's lake")
        for identity in list(missing)[:3]:
            result.problem(f"{table}: {identity[:80]} missing")
    result.dead_letters = len(got[DEAD_LETTERS.name] or ())
    # Only the tables of the pipelines the stack runs (chaos.pipelines): the lake has no others.
    event_tables = [s.name for s in TABLES if isinstance(s, EventTableSpec) and got.get(s.name) is not None]
    with lake_queries(data_dir) as query_lake:
        for table in [*event_tables, DEAD_LETTERS.name]:
            source = "_src_cluster, _src_topic, _src_partition, _src_offset"
            where = " WHERE source_topic NOT LIKE 'file:%'" if table == DEAD_LETTERS.name else ""
            query = f"SELECT count(*) - count(DISTINCT ({source})) FROM {table}{where}"
            result.duplicated_by_source_offset += int(query_lake(query)[0][0])
    for view in CURRENT:
        expected_end = dict(entry.split("=", 1) for entry in want[view] or ())
        actual_end = dict(entry.split("=", 1) for entry in got[view] or ())
        result.entities_compared += len(expected_end)
        for key in sorted(set(expected_end) | set(actual_end)):
            if expected_end.get(key) != actual_end.get(key):
                result.mismatches += 1
                result.problem(f"{view}: {key} ends at {actual_end.get(key)}, the plain run at {expected_end.get(key)}")
    return result


def result(
    scenario: str,
    variant: str,
    events_in: int,
    comparison: Comparison,
    *,
    crashes: int,
    recovery_s: float | None,
    started: float,
    details: dict[str, object],
    problems: list[str] = (),  # type: ignore[assignment]
) -> ScenarioResult:
    return ScenarioResult(
        scenario=scenario,
        variant=variant,
        events_in=events_in,
        **comparison.counts(),
        crashes=crashes,
        recovery_s=recovery_s,
        duration_s=round(time.monotonic() - started, 1),
        details={"tables": comparison.tables, "entities_compared": comparison.entities_compared, **details},
        problems=[*problems, *comparison.problems],
    )
