"""Sink crash points: a real pipeline process failing at each dangerous instant of a lake commit.

The crash points are the product's own, off-by-default chaos settings
(``SUPPLYLAKE_CHAOS__CRASH_AT``, supplylake/lake/fault_injection.py): every ``N``-th lake commit
attempt counted across the stack's pipeline processes (the sink's tables and the state mirror).

- ``before_commit``: the process exits just before the catalog commit (data files written,
  nothing committed); the supervisor restarts it and it replays from the last Kafka commit.
- ``after_commit``: it exits right after the catalog accepted the commit, before Quix commits
  the Kafka offsets: the replay's rows are already in the lake and the ledger must drop them.
- ``unknown_outcome``: the commit lands but the writer sees a lost response (a
  ``ConnectionError``); it must settle the outcome by re-reading, not write twice.
- ``zombie``: two instances per pipeline; one stops itself (SIGSTOP) right before a catalog
  commit, the group hands its partitions to the other instance, which commits past it; then
  SIGCONT: the zombie's late lake commit and its changelog writes land after the handover. The
  survivors are then restarted (SIGTERM; the supervisor starts them again, restoring state from
  the changelog) and the rest of the input follows, so state rolled back by a stale changelog
  record would show in the final state per entity.

Every variant's lake must equal one plain ``supplylake run --input`` of the same input, table by
table (each row exactly once) and entity by entity (what each stock level, shipment and order
ends at). *crashes* counts pipeline exits the fault does not explain.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stack import Stack, compare, feed, reference, result, run_stack
from supplylake.lake.fault_injection import CRASH_EXIT_CODE
from supplylake.orchestration.progress import committed_offsets, log_end_offsets
from supplylake.orchestration.topology import groups_of_topic
from supplylake.pipelines.spec import consumer_group

NAME = "sink_crash_points"
FULL = {"events": 4_000, "every": 9, "crashes": 1}
QUICK = {"events": 800, "every": 7, "crashes": 1}
HANDOVER_TIMEOUT_S = 60.0


def _stopped(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("T", "t")


def _env(crash_at: str, every: int, crashes: int) -> dict[str, str]:
    return {
        "SUPPLYLAKE_CHAOS__CRASH_AT": crash_at,
        "SUPPLYLAKE_CHAOS__CRASH_AFTER_COMMITS": str(every),
        "SUPPLYLAKE_CHAOS__CRASHES": str(crashes),
    }


def _points_reached(data_dir: Path) -> int:
    logs = data_dir / "logs"
    return sum(p.read_text(errors="replace").count("chaos: crash point reached") for p in logs.glob("pipeline-*.log"))


def crash_variant(
    crash_at: str, path: Path, reference: Path, work: Path, sizes: dict[str, int], events: int
) -> ScenarioResult:
    started = time.monotonic()
    data_dir = work / f"{crash_at}-data"
    first_crash: list[float] = []

    def watch(stack: Stack) -> None:
        if not first_crash and CRASH_EXIT_CODE in stack.exits():
            first_crash.append(time.monotonic())

    stack = run_stack(
        path,
        data_dir,
        instances=1,
        fault=watch,
        timeout_s=600,
        env=_env(crash_at, sizes["every"], sizes["crashes"]),
    )
    exits = stack.exits()
    injected = exits.count(CRASH_EXIT_CODE)
    expected_exits = 0 if crash_at == "unknown_outcome" else sizes["crashes"]
    problems = []
    reached = _points_reached(data_dir)
    if reached != sizes["crashes"]:
        problems.append(f"{reached} crash point(s) reached, {sizes['crashes']} planned")
    if injected != expected_exits:
        problems.append(f"{injected} injected exit(s), {expected_exits} expected")
    unexplained = len(exits) - injected + (stack.supervisor.failure is not None)
    return result(
        NAME,
        crash_at,
        events,
        compare(reference, data_dir),
        crashes=unexplained + len(problems),
        recovery_s=stack.recovered_after(first_crash[0]) if first_crash else None,
        started=started,
        details={"crash_points_reached": reached, "exit_codes": exits, "every_nth_commit": sizes["every"]},
        problems=problems,
    )


def zombie_variant(
    first: Path, second: Path, reference: Path, work: Path, sizes: dict[str, int], events: int
) -> ScenarioResult:
    started = time.monotonic()
    data_dir = work / "zombie-data"
    seen: dict[str, object] = {}
    problems: list[str] = []

    def zombie(stack: Stack) -> None:
        if "resumed_at" in seen:
            return
        for label, process in stack.supervisor.processes.items():
            if process.process is None or process.process.poll() is not None or not _stopped(process.process.pid):
                continue
            paused = time.monotonic()
            group = consumer_group(stack.settings, process.name)
            partitions = [
                (t, p)
                for t, groups in groups_of_topic(stack.settings).items()
                if group in groups
                for p in range(stack.settings.topics.partitions)
            ]
            before = committed_offsets(stack.connection, group, partitions)
            ends = log_end_offsets(stack.connection, sorted({t for t, _ in partitions}))
            # The group must hand every partition with work left over and commit past the zombie.
            deadline = paused + HANDOVER_TIMEOUT_S
            handed_over = False
            while time.monotonic() < deadline:
                now = committed_offsets(stack.connection, group, partitions)
                if all(now[tp] > before[tp] for tp in partitions if before[tp] < ends.get(tp, 0)):
                    handed_over = True
                    break
                time.sleep(0.5)
            if not handed_over:
                problems.append(f"{label}: its partitions were not committed past within {HANDOVER_TIMEOUT_S:.0f} s")
            os.kill(process.process.pid, signal.SIGCONT)
            seen.update(zombie=label, paused_s=round(time.monotonic() - paused, 1), resumed_at=time.monotonic())
            return

    def restart_survivors_then_continue(stack: Stack) -> None:
        name = str(seen.get("zombie", "")).split("-")[0] or None
        targets = [p for p in stack.supervisor.processes.values() if name is None or p.name == name]
        restarts = {id(p): p.restarts for p in targets}
        for process in targets:
            if process.process is not None and process.process.poll() is None:
                process.process.send_signal(signal.SIGTERM)  # the supervisor starts it again
        deadline = time.monotonic() + 60
        while any(p.restarts == restarts[id(p)] for p in targets) and time.monotonic() < deadline:
            stack.supervisor.check()
            time.sleep(0.2)
        seen["restarted"] = [p.name for p in targets]
        feed(stack, second, lambda s: None, 600)

    stack = run_stack(
        first,
        data_dir,
        instances=2,
        fault=zombie,
        timeout_s=600,
        env=_env("pause_before_commit", sizes["every"], 1),
        after=restart_survivors_then_continue,
    )
    if "zombie" not in seen:
        problems.append("no pipeline paused at the crash point")
    exits = stack.exits()
    # Expected: the zombie's own exit once it finds its partitions gone, and the SIGTERMed restarts.
    expected = 1 + len(seen.get("restarted", []))  # type: ignore[arg-type]
    unexplained = max(0, len(exits) - expected) + (stack.supervisor.failure is not None)
    resumed = seen.get("resumed_at")
    return result(
        NAME,
        "zombie: SIGSTOP before a commit, handover, SIGCONT, then restart",
        events,
        compare(reference, data_dir),
        crashes=unexplained + len(problems),
        recovery_s=stack.recovered_after(float(resumed)) if isinstance(resumed, float) else None,
        started=started,
        details={k: v for k, v in seen.items() if k != "resumed_at"} | {"exit_codes": exits},
        problems=problems,
    )


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    work = options.work_dir
    ref = reference(work, options.seed, sizes["events"])
    results = [
        crash_variant(point, ref.whole, ref.data_dir, work, sizes, ref.events)
        for point in ("before_commit", "after_commit", "unknown_outcome")
    ]
    first, second = ref.split(0.7)
    results.append(zombie_variant(first, second, ref.data_dir, work, sizes, ref.events))
    return results


SCENARIO = Scenario(
    NAME,
    "a pipeline process crashing before the catalog commit, after it (before the Kafka offsets), "
    "seeing an unknown commit outcome, and a SIGSTOPped zombie committing after a rebalance",
    run,
)
