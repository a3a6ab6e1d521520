"""CPU of the whole embedded stack in a live ``supplylake demo --headless`` at demo rates.

The stack is what a laptop user runs: ``python -m supplylake demo --headless --rate R`` on a
fresh data dir (embedded Tansu broker, live simulator and producer, every pipeline under the
supervisor; headless, so no dashboard). Its CPU is sampled per process from /proc over windows
measured from the demo's start (by default seconds 60–90, "minute 1", and 600–630, "minute 10",
the way issue 8 states its target), then the demo is stopped with SIGTERM.

Processes are found as the demo's descendants (the pipelines and the broker run in their own
sessions, but are still its children) and grouped by role: ``broker``, one per pipeline, and
``demo`` (simulator, producer and supervisor in the demo process itself). A pipeline restarted
inside a window counts from its restart only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.harness.console import log
from bench.harness.procfs import cpu_seconds
from bench.harness.quiet import QuietMachine
from bench.scenarios.scenario import Figures, Scenario

STOP_GRACE_S = 30.0


@dataclass
class Window:
    start_s: float
    end_s: float
    cores_by_role: dict[str, float] = field(default_factory=dict)

    @property
    def total_cores(self) -> float:
        return sum(self.cores_by_role.values())


@dataclass
class StackRun:
    rate: float
    windows: list[Window] = field(default_factory=list)
    error: str | None = None


def _parent_of(pid: int) -> int | None:
    with contextlib.suppress(OSError, IndexError, ValueError):
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return None


def descendants(root: int) -> set[int]:
    """``root`` and every live process below it."""
    parents = {int(p.name): _parent_of(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return tree


def role_of(pid: int, root: int) -> str:
    """What a process of the stack is, from its command line."""
    if pid == root:
        return "demo"
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = [a.decode(errors="replace") for a in argv if a]
        if words and Path(words[0]).name.startswith("tansu"):
            return "broker"
        if "supplylake.pipelines" in words:
            after = words[words.index("supplylake.pipelines") + 1 :]
            return after[0] if after else "pipeline"
        return Path(words[0]).name if words else "other"
    return "other"


def sample(root: int) -> dict[int, tuple[str, float]]:
    """pid -> (role, CPU seconds so far) for every process of the stack."""
    return {pid: (role_of(pid, root), cpu_seconds(pid)) for pid in descendants(root)}


def cores_by_role(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], span_s: float
) -> dict[str, float]:
    """CPU cores per role between two samples; a process new in ``after`` counts from its start."""
    cores: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        spent = seconds - before[pid][1] if pid in before else seconds
        cores[role] = cores.get(role, 0.0) + max(spent, 0.0) / span_s
    return dict(sorted(cores.items()))


def start_demo(data_dir: Path, rate: float, seed: int) -> subprocess.Popen[bytes]:
    """``supplylake demo --headless`` in its own session, logging to ``data_dir/demo.log``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    env["PYTHONWARNINGS"] = "ignore"
    data_dir.mkdir(parents=True, exist_ok=True)
    # No history: the windows measure the live stack from its start, as issue 8 states its target.
    command = [
        sys.executable,
        "-m",
        "supplylake",
        "demo",
        "--headless",
        "--history-days",
        "0",
        "--rate",
        f"{rate:g}",
        "--seed",
        str(seed),
    ]
    with (data_dir / "demo.log").open("ab") as out:
        return subprocess.Popen(
            [*command, "--data-dir", str(data_dir)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_demo(demo: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the demo stops its children in order), then SIGKILL whatever is left."""
    left = descendants(demo.pid)
    with contextlib.suppress(ProcessLookupError):
        demo.send_signal(signal.SIGTERM)
    try:
        demo.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        demo.kill()
        demo.wait()
    deadline = time.monotonic() + STOP_GRACE_S
    while (alive := {pid for pid in left if Path(f"/proc/{pid}").exists()}) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def measure_rate(root: Path, rate: float, windows: list[tuple[float, float]], seed: int) -> StackRun:
    run = StackRun(rate)
    demo = start_demo(root / f"rate-{rate:g}", rate, seed)
    started = time.monotonic()
    try:
        for start_s, end_s in windows:
            while time.monotonic() - started < start_s:
                if demo.poll() is not None:
                    raise RuntimeError(f"the demo exited with {demo.returncode} (see its demo.log)")
                time.sleep(0.5)
            before, at = sample(demo.pid), time.monotonic()
            time.sleep(end_s - start_s)
            after, span = sample(demo.pid), time.monotonic() - at
            window = Window(start_s, end_s, cores_by_role(before, after, span))
            run.windows.append(window)
            roles = ", ".join(f"{role} {cores:.2f}" for role, cores in window.cores_by_role.items())
            log(f"  {rate:g}/s, {start_s:.0f}–{end_s:.0f} s: {window.total_cores:.2f} cores ({roles})")
    except RuntimeError as exc:
        run.error = str(exc)
        log(f"  FAILED: {exc}")
    finally:
        stop_demo(demo)
    return run


def parse_windows(text: str) -> list[tuple[float, float]]:
    """``"60:90,600:630"`` -> [(60, 90), (600, 630)]."""
    windows = []
    for part in text.split(","):
        start, _, end = part.partition(":")
        windows.append((float(start), float(end)))
    if any(end <= start for start, end in windows) or windows != sorted(windows):
        raise argparse.ArgumentTypeError("windows are START:END seconds, in order, e.g. 60:90,600:630")
    return windows


def measure(args: argparse.Namespace) -> Figures:
    windows = parse_windows(args.windows)
    rates = [float(r) for r in args.rates.split(",")]
    quiet = QuietMachine(args.quiet_budget)
    runs = []
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-stack-") as tmp:
        for rate in rates:
            quiet.wait()
            log(f"stack CPU: demo --headless --rate {rate:g}, windows {args.windows} s")
            runs.append(measure_rate(Path(tmp), rate, windows, args.seed))
    return {
        "seed": args.seed,
        "runs": [
            {**asdict(r), "windows": [{**asdict(w), "total_cores": w.total_cores} for w in r.windows]} for r in runs
        ],
        "quiet_waited_s": quiet.waited_s,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rates", default="200,20", help="simulated events/s, comma-separated, one demo each")
    parser.add_argument(
        "--windows", default="60:90,600:630", help="sampling windows, START:END seconds since the demo's start"
    )
    parser.add_argument("--seed", type=int, default=7)


SCENARIO = Scenario(
    name="stack_cpu",
    title="CPU of the whole embedded stack (supplylake demo --headless) at demo rates",
    add_arguments=add_arguments,
    measure=measure,
    quick={"rates": "50", "windows": "20:30"},
)
