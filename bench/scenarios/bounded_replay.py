"""``supplylake run --input FILE`` end to end, as a user's batch path (issue 8, target 4).

The command a user runs on a file of 100k inventory events (the same records as the throughput
scenario: ``tests.support.inventory_stream.inventory_lines(N, seed=3)``), on a fresh data dir,
in a fresh process: embedded broker start, producing the file, starting every pipeline, processing,
the final commits and the lake summary. Events/s = records ÷ the command's wall time. The
report compares it with the bare Quix app's rate *from process start* (throughput's (c)
"incl. start") in the same bench run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness.console import log
from bench.harness.quiet import QuietMachine
from bench.scenarios.scenario import Figures, Scenario
from tests.support.inventory_stream import inventory_lines

RUN_TIMEOUT_S = 900.0


def write_input(path: Path, events: int) -> int:
    """The throughput scenario's inventory records as a JSON-lines file; returns the line count."""
    lines = [line.rstrip(b"\n") + b"\n" for line in inventory_lines(events, seed=3)]
    path.write_bytes(b"".join(lines))
    return len(lines)


def run_once(input_file: Path, data_dir: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "supplylake", "run", "--input", str(input_file), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    wall_s = time.monotonic() - started
    error = None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"wall_s": wall_s, "returncode": done.returncode, "error": error}


def measure(args: argparse.Namespace) -> Figures:
    quiet = QuietMachine(args.quiet_budget)
    runs = []
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-replay-") as tmp:
        input_file = Path(tmp) / "inventory.jsonl"
        records = write_input(input_file, args.events)
        for repeat in range(args.repeats):
            quiet.wait()
            run = run_once(input_file, Path(tmp) / f"data-{repeat}")
            log(f"run --input ({records:,} records) #{repeat + 1}: {run['wall_s']:.1f} s, exit {run['returncode']}")
            runs.append(run)
    return {"events": args.events, "records": records, "runs": runs, "quiet_waited_s": quiet.waited_s}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=100_000, help="inventory events in the file")
    parser.add_argument("--repeats", type=int, default=2)


SCENARIO = Scenario(
    name="bounded_replay",
    title="supplylake run --input FILE end to end (issue 8's batch path)",
    add_arguments=add_arguments,
    measure=measure,
    quick={"events": 5000, "repeats": 1},
)
