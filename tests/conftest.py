"""Shared fixtures. Integration tests start their own broker and stop exactly what they start.

Under pytest-xdist (`make test` runs `-n auto`) every worker imports this file
and so gets its own session marker: each worker's leftover check sees only the processes that
worker started. Scheduling: a unit test file goes to one worker whole (its module and session
fixtures are built once). The heavy integration tests are two units, each one file after the
other as in a serial run: the fault scenarios' reduced runs (tests/integration/test_chaos_*) and
the rest (whole stacks, `run`, `demo`). On two cores the two run side by side, each a stack at a
time, so a stack's readiness waits (all with deadlines) have about a core each. The light ones
(one broker, at most one pipeline) are a unit of their own. Units go out in collection order
(tests/integration first), so the long units start first and the unit test files fill in.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

INTEGRATION_DIR = "tests/integration"
# Integration tests that start one broker and at most one pipeline, briefly: their own work unit,
# run beside the heavy ones (whole stacks, the chaos suite's reduced runs).
LIGHT_INTEGRATION = frozenset(
    f"{INTEGRATION_DIR}/{name}"
    for name in (
        "test_broker.py",
        "test_log_end.py",
        "test_ledger_guard.py",
        "test_handover_fence.py",
        "test_live_ticks.py",
        "test_timer_restart.py",
    )
)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist work units: each unit test file, the light integration tests, the chaos suite's
    reduced runs, and the rest of tests/integration; handed out in collection order.

    A scheduler rather than ``xdist_group`` marks: xdist 3.8's ``--dist loadgroup`` renames
    ``item._nodeid``, which pytest 9 no longer reads, so the groups are silently ignored. Units
    are found by path, so integration tests live in tests/integration (and carry the marker).
    """
    from xdist.scheduler import LoadScopeScheduling

    class FileOrIntegration(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path in LIGHT_INTEGRATION:
                return f"{INTEGRATION_DIR} (light)"
            if path.startswith(f"{INTEGRATION_DIR}/test_chaos_"):
                return f"{INTEGRATION_DIR} (chaos)"
            return INTEGRATION_DIR if path.startswith(f"{INTEGRATION_DIR}/") else path

    config.option.loadscopereorder = False  # not biggest-first: the long integration units first
    return FileOrIntegration(config, log)


@pytest.fixture(autouse=True)
def _clean_supplylake_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A developer's SUPPLYLAKE_* variables must not change what the tests see.
    for key in list(os.environ):
        if key.upper().startswith("SUPPLYLAKE_"):
            monkeypatch.delenv(key)
    yield


# Every process the tests start inherits this marker, so the leftover check below sees only
# this session's processes (not another checkout's, nor a developer's running demo).
SESSION_MARKER = f"SLTEST_SESSION={uuid.uuid4().hex}"
os.environ["SLTEST_SESSION"] = SESSION_MARKER.split("=", 1)[1]


def _our_processes() -> set[int]:
    """Pids of live processes (not zombies) that carry this session's marker."""
    pids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue
            if SESSION_MARKER.encode() in (entry / "environ").read_bytes().split(b"\0"):
                pids.add(int(entry.name))
        except (OSError, IndexError):
            continue
    return pids


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """The session fails if it leaves a broker, pipeline or dashboard process running."""
    import time

    yield
    deadline = time.monotonic() + 15
    leftover = _our_processes()
    while leftover and time.monotonic() < deadline:
        time.sleep(0.2)
        leftover = _our_processes()
    assert not leftover, f"processes left behind by the tests: {sorted(leftover)}"
