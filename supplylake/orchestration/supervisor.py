"""Runs each pipeline as a child process and restarts it when it exits unexpectedly.

A Quix app exits on some commit errors (e.g. ``CheckpointConsumerCommitError`` during a
rebalance) by design; the lake sink is idempotent, so restarting from the last committed
offsets is always safe. Children die with their parent (``PR_SET_PDEATHSIG``), so an interrupted
`demo` or `run` leaves no pipeline behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from supplylake.broker.connection import BrokerConnection, BrokerReplaced, check_still_answering
from supplylake.errors import FatalError, SupplylakeError
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
    # The broker the child was started against: a child killed by a signal cannot say why it
    # stopped, so explain_exit() checks whether this broker was replaced under it.
    broker: BrokerConnection | None = None
    # Another supervised child (the planner): its arguments after the interpreter; empty: the pipeline ``name``.
    argv: tuple[str, ...] = ()

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            instance = ["--instance", str(self.instance)] if self.instance else []
            pipeline = ["-m", "supplylake.pipelines", self.name, "--mode", str(self.mode), *instance]
            self.process = subprocess.Popen(
                [sys.executable, *(self.argv or pipeline)],
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

    def explain_exit(self) -> str:
        """Why the child stopped, in a few words; a death by signal is also written to its log.

        A child that raises says why itself (an ``error:`` line). One killed by a signal cannot:
        librdkafka can crash (SIGSEGV) in its metadata cache when the broker comes back empty on
        the same address, so a replaced broker is named here, in the line the child would have
        printed. Either way the next child is judged against the broker it starts on.
        """
        code = self.process.returncode if self.process is not None else None
        if code is None:
            return "not stopped"
        if code == 0:
            return "exit code 0"
        how = f"killed by {_signal_name(-code)}" if code < 0 else f"exit code {code}"
        lines = [f"supplylake: pipeline {process_label(self.name, self.instance)} was {how}"] if code < 0 else []
        if self.broker is not None and -code not in _SENT_SIGNALS:
            try:
                check_still_answering(self.broker, timeout_s=_CLUSTER_CHECK_S)
            except BrokerReplaced as exc:
                if code < 0:
                    lines.append(f"error: {exc.one_line()}")
                if exc.answering:
                    self.broker = dataclasses.replace(self.broker, cluster_id=exc.answering)
            except SupplylakeError:
                pass  # no broker answers: nothing more to say
        if lines:
            with contextlib.suppress(OSError), self.log_path.open("a") as log_file:
                log_file.write("".join(f"{line}\n" for line in lines))
        return how

    def kill(self) -> None:
        """SIGKILL, no goodbyes (used by the exactly-once tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# Signals someone sent on purpose (an operator, the chaos suite): not a crash to explain.
_SENT_SIGNALS = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT})
# How long the supervisor waits for a broker to say who it is after a pipeline stopped.
_CLUSTER_CHECK_S = 3.0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


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
        broker: BrokerConnection | None = None,
        max_quick_exits: int = 4,
        min_uptime_s: float = 20.0,
        commands: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``commands``: other children to keep alive next to the pipelines, by name: the
        arguments after the interpreter (``("-m", "supplylake", "plan", "--watch")``)."""
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
                name, env, data_dir / "logs" / f"pipeline-{process_label(name, i)}.log", mode, i, broker=broker
            )
            for name in names
            for i in range(instances)
        }
        for name, argv in (commands or {}).items():
            self.processes[name] = PipelineProcess(
                name, env, data_dir / "logs" / f"{name}.log", mode, broker=broker, argv=tuple(argv)
            )
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
                why = process.explain_exit()
                quick = time.monotonic() - process.started_at < self.min_uptime_s
                process.quick_exits = process.quick_exits + 1 if quick else 0
                if process.quick_exits > self.max_quick_exits:
                    self.failure = PipelineCrashLoop(
                        f"pipeline {process.name} failed {process.quick_exits} times in a row right after "
                        f"starting (last: {why}): {_last_error(process.log_path)}",
                        hint=f"see {process.log_path}",
                    )
                    self._stopping.set()
                    return
                log.warning("pipeline exited, restarting", pipeline=process.name, instance=process.instance, why=why)
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
