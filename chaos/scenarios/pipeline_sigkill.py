"""Pipeline SIGKILL: two instances of every pipeline in one consumer group, killed at random while
they work.

A simulated stream of every family (duplicates, out-of-order, malformed lines, missing fields,
unknown types, schema drift) is replayed onto the embedded broker while every pipeline runs with
two instances, as ``supplylake run --input --instances 2`` does. At random moments between 10 %
and 85 % of the input committed, a random live instance gets SIGKILL; the supervisor restarts it,
so every kill is two rebalances (the survivor takes the partitions over, the restarted instance
takes some back). The lake must then hold every valid event exactly once, the malformed lines as
dead letters, and each entity's end state as an independent batch recomputation from the file
says (tests/support's inventory and shipments models).

The victims are random among the live instances, except one the supervisor would take for a
crash loop if killed again right after its restart (``max_quick_exits`` exits in a row within
``min_uptime_s`` of starting): a process killed that often is indistinguishable from one that
crashes at start, and stopping the run then is the supervisor's job. Kills are at least 1 s apart.

Only instances of a pipeline whose group still has input left are killed ("while they work"). So
that no kill can miss, however fast the pipelines, the replay is held 5 % of the input past each
kill's threshold until that kill happened (the victim is then idle only if everything replayed so
far was committed by the time the kill was due; the timeline says so).
Recovery, per kill: seconds from the kill until the killed pipeline's consumer group commits
past where it was (or has committed all its input); the row shows the worst.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from chaos.lake import Lake
from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stream import Fault, Run, committed_total, drive, group_of, measure_stream, result, simulate

NAME = "pipeline_sigkill"
FULL = {"events": 1_000_000, "kills": 24}
QUICK = {"events": 20_000, "kills": 4}
GATE_MARGIN = 0.05  # the replay holds this share of the input past each kill's threshold


@dataclass
class _Pending:
    label: str
    group: str
    partitions: list[tuple[str, int]]
    committed: int
    at: float


@dataclass
class RandomKills(Fault):
    rng: random.Random
    kills: int
    thresholds: list[float] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)
    last_kill_at: float = 0.0

    def __post_init__(self) -> None:
        self.thresholds = sorted(self.rng.uniform(0.1, 0.85) for _ in range(self.kills))
        # The replay holds a little past each threshold until that kill happened: however fast
        # the pipelines, every kill comes before the input is all in.
        self.gates = [t + GATE_MARGIN for t in self.thresholds]

    def released(self, run: Run, gate: int) -> bool:
        return len(self.killed) > gate

    def tick(self, run: Run) -> None:
        self._recovered(run)
        supervisor, now = run.supervisor, time.monotonic()
        running = sorted(
            label
            for label, p in supervisor.processes.items()
            if p.process
            and p.process.poll() is None
            and (now - p.started_at >= supervisor.min_uptime_s or p.quick_exits + 1 < supervisor.max_quick_exits)
        )
        spaced = now - self.last_kill_at >= 1.0
        if not (self.thresholds and running and spaced and run.fraction() >= self.thresholds[0]):
            return
        self.thresholds.pop(0)
        working = [label for label in running if not run.group_done(*group_of(run.settings, label_name(run, label)))]
        # Held at a gate with everything so far committed, none is working: one is killed idle
        # (the next part is then replayed onto its restart).
        label = self.rng.choice(working or running)
        process = run.supervisor.processes[label]
        group, partitions = group_of(run.settings, process.name)
        committed = committed_total(run.connection, group, partitions)
        process.kill()  # SIGKILL; the supervisor restarts it
        self.killed.append(label)
        self.last_kill_at = time.monotonic()
        self.pending.append(_Pending(label, group, partitions, committed, time.monotonic()))
        run.note(f"SIGKILL {label} at {run.fraction():.0%} committed{'' if working else ' (idle at a gate)'}")

    def _recovered(self, run: Run) -> None:
        for pending in list(self.pending):
            now = committed_total(run.connection, pending.group, pending.partitions)
            if now > pending.committed or run.group_done(pending.group, pending.partitions):
                self.recoveries.append(round(time.monotonic() - pending.at, 1))
                self.pending.remove(pending)

    def finish(self, run: Run) -> None:
        # The group committed all its input by now (the wait is over): that is moving again.
        for pending in self.pending:
            self.recoveries.append(round(time.monotonic() - pending.at, 1))
        self.pending.clear()

    def recovery_s(self) -> float | None:
        return max(self.recoveries) if self.recoveries else None


def label_name(run: Run, label: str) -> str:
    return run.supervisor.processes[label].name


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    started = time.monotonic()
    stream = simulate(options.work_dir, options.seed, sizes["events"])
    prepared_s = round(time.monotonic() - started, 1)
    fault = RandomKills(random.Random(options.seed), sizes["kills"])
    data_dir = options.work_dir / "data"
    driven = drive(stream, data_dir, fault, instances=2, timeout_s=600 if options.quick else 3600)
    m = measure_stream(Lake(data_dir), stream)
    if len(fault.killed) < sizes["kills"]:
        m.mismatch(f"only {len(fault.killed)} of {sizes['kills']} kills happened before the input was committed")
    return [
        result(
            NAME,
            f"{sizes['kills']} SIGKILLs, 2 instances per pipeline",
            m,
            driven,
            crashes=max(0, driven.restarts - len(fault.killed)),  # restarts the kills do not explain
            recovery_s=fault.recovery_s(),
            started=started,
            details={
                "kills": len(fault.killed),
                "killed": fault.killed,
                "recoveries_s": fault.recoveries,
                "input_lines": stream.lines,
                "prepare_s": prepared_s,
            },
        )
    ]


SCENARIO = Scenario(
    NAME, "random SIGKILL of pipeline processes, two instances per pipeline (every kill a rebalance)", run
)
