"""Runs each pipeline as a child process and restarts it when it exits unexpectedly.

A Quix app exits on some commit errors (e.g. ``CheckpointConsumerCommitError`` during a
rebalance) by design; the lake sink is idempotent, so restarting from the last committed
offsets is always safe. Children die with their parent (``PR_SET_PDEATHSIG``), so an interrupted
`demo` or `run` leaves no pipeline behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from supplylake.errors import FatalError
from supplylake.logs import get_logger
from supplylake.pipelines.run_mode import RunMode
from supplylake.processes import die_with_parent

log = get_logger(__name__)


class PipelineCrashLoop(FatalError):
    """A pipeline keeps failing; restarting it again will not help."""


@dataclass
class PipelineProcess:
    name: str
    env: dict[str, str]
    log_path: Path
    # Passed to the child as --mode: whether it runs on event time only or also on the wall clock.
    mode: RunMode = RunMode.LIVE
    # Passed as --instance (when not 0): which member of the pipeline's consumer group this is.
    instance: int = 0
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    # Exits that came soon after a start, in a row: a pipeline that cannot even start.
    quick_exits: int = 0
    started_at: float = 0.0
    exit_codes: list[int] = field(default_factory=list)

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            instance = ["--instance", str(self.instance)] if self.instance else []
            self.process = subprocess.Popen(
                [sys.executable, "-m", "supplylake.pipelines", self.name, "--mode", str(self.mode), *instance],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=self.env,
                preexec_fn=die_with_parent,
                # Own session: a terminal Ctrl-C reaches only the supervisor, which stops the
                # pipelines in order (a pipeline stopping by itself would be restarted).
                start_new_session=True,
            )

    def stop(self, timeout_s: float = 15.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # Quix finishes the checkpoint and exits
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)

    def kill(self) -> None:
        """SIGKILL, no goodbyes (used by the exactly-once tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _last_error(log_path: Path) -> str:
    """The last non-empty line of a pipeline's log: usually the exception that stopped it."""
    try:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1].strip()[:300] if lines else "empty log"


def process_label(name: str, instance: int) -> str:
    """How the supervisor names one instance of a pipeline (its key, and its log file's stem)."""
    return name if instance == 0 else f"{name}-{instance}"


class Supervisor:
    """Keeps a set of pipeline processes alive until stopped (``instances`` of each, one consumer group)."""

    def __init__(
        self,
        names: Iterable[str],
        *,
        bootstrap: str,
        data_dir: Path,
        extra_env: dict[str, str] | None = None,
        mode: RunMode = RunMode.LIVE,
        instances: int = 1,
        max_quick_exits: int = 4,
        min_uptime_s: float = 20.0,
    ) -> None:
        env = {
            **os.environ,
            "SUPPLYLAKE_KAFKA_BROKERS": bootstrap,
            "SUPPLYLAKE_DATA_DIR": str(data_dir),
            "PYTHONWARNINGS": "ignore",
            **(extra_env or {}),
        }
        self.data_dir = data_dir
        self.max_quick_exits = max_quick_exits
        self.min_uptime_s = min_uptime_s
        if instances < 1:
            raise ValueError("instances must be at least 1")
        self.processes = {
            process_label(name, i): PipelineProcess(
                name, env, data_dir / "logs" / f"pipeline-{process_label(name, i)}.log", mode, i
            )
            for name in names
            for i in range(instances)
        }
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.failure: PipelineCrashLoop | None = None

    def start(self) -> Supervisor:
        for process in self.processes.values():
            process.start()
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            for process in self.processes.values():
                if process.process is None or process.process.poll() is None:
                    continue
                code = process.process.returncode
                process.exit_codes.append(code)
                if self._stopping.is_set():
                    return
                quick = time.monotonic() - process.started_at < self.min_uptime_s
                process.quick_exits = process.quick_exits + 1 if quick else 0
                if process.quick_exits > self.max_quick_exits:
                    self.failure = PipelineCrashLoop(
                        f"pipeline {process.name} failed {process.quick_exits} times in a row right after "
                        f"starting (last exit code {code}): {_last_error(process.log_path)}",
                        hint=f"see {process.log_path}",
                    )
                    self._stopping.set()
                    return
                log.warning("pipeline exited, restarting", pipeline=process.name, instance=process.instance, code=code)
                process.restarts += 1
                # Back off a little so a pipeline failing at start does not spin.
                time.sleep(min(0.2 * process.restarts, 2.0))
                process.start()

    def check(self) -> None:
        """Raise if a pipeline is in a crash loop."""
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        for process in self.processes.values():
            process.stop()

    def __enter__(self) -> Supervisor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
