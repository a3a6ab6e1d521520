"""Running the CLI and waiting on conditions, for integration tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def cli(
    *args: str, data_dir: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run `supplylake ARGS` in a fresh process with a clean SUPPLYLAKE_* environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    full_env.update(env or {})
    extra = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return subprocess.run(
        [sys.executable, "-m", "supplylake", *args, *extra],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def cli_sql(data_dir: Path, query: str) -> list[dict[str, Any]]:
    """Rows of `supplylake sql QUERY --format json` run as a process (the CLI path end to end)."""
    result = cli("sql", query, "--format", "json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def wait_for(
    condition: Callable[[], T], *, timeout_s: float = 30.0, interval_s: float = 0.1, what: str = "condition"
) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)
