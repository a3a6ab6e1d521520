"""State wipe: the local state directory of running pipelines deleted mid-run.

``<data dir>/state/<cluster id>/`` (every pipeline's RocksDB stores) is removed while the stack
works (40 % of the input committed); the pipelines are then stopped (SIGTERM; the supervisor starts
them again) so they must rebuild their state while the rest of the input arrives. The broker
epoch is the same, so state must come back from Quix's changelog topics, not from the lake's
state mirror (which seeds a new epoch only). The lake must equal one plain
``supplylake run --input`` of the whole input, table by table and entity by entity. *crashes*
counts pipeline exits other than the stops it caused.
"""

from __future__ import annotations

import shutil
import signal
import time

from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stack import Stack, compare, reference, result, run_stack
from supplylake.pipelines.runtime import state_dir

NAME = "state_wipe"
FULL = {"events": 2_000}
QUICK = {"events": 800}
WIPE_AT = 0.4  # share of the input committed when the state is wiped


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    work = options.work_dir
    ref = reference(work, options.seed, sizes["events"])

    started = time.monotonic()
    data_dir = work / "wipe-data"
    seen: dict[str, object] = {}
    stopped: list[str] = []

    def wipe_and_restart(stack: Stack) -> None:
        if "wiped_at" in seen or stack.done < WIPE_AT * stack.total or not stack.every_group_committed():
            return
        directory = state_dir(stack.settings, stack.connection.cluster_id)
        seen["files_wiped"] = sum(1 for p in directory.rglob("*") if p.is_file())
        shutil.rmtree(directory)
        wiped_at = time.monotonic()
        restarts = {label: p.restarts for label, p in stack.supervisor.processes.items()}
        for label, process in stack.supervisor.processes.items():
            if process.process is not None and process.process.poll() is None:
                process.process.send_signal(signal.SIGTERM)
                stopped.append(label)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stack.supervisor.check()
            if all(p.restarts > restarts[label] for label, p in stack.supervisor.processes.items()):
                break
            time.sleep(0.2)
        seen["restarted_after_s"] = round(time.monotonic() - wiped_at, 1)
        seen["wiped_at"] = wiped_at

    stack = run_stack(ref.whole, data_dir, instances=1, fault=wipe_and_restart, timeout_s=600)
    exits = stack.exits()
    unexplained = max(0, len(exits) - len(stopped)) + (stack.supervisor.failure is not None)
    problems = [] if seen.get("files_wiped") else ["there was no local state to wipe"]
    wiped_at = seen.pop("wiped_at", None)
    recovery = stack.recovered_after(wiped_at) if isinstance(wiped_at, float) else None
    return [
        result(
            NAME,
            "state dir deleted under running pipelines, then restarted",
            ref.events,
            compare(ref.data_dir, data_dir),
            crashes=unexplained + len(problems),
            recovery_s=recovery,
            started=started,
            details={**seen, "stopped": stopped, "exit_codes": exits},
            problems=problems,
        )
    ]


SCENARIO = Scenario(
    NAME, "the local state directory deleted under running pipelines (state back from the changelog)", run
)
