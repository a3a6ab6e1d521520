"""Scenario results as JSON files (bench/out/<scenario>.json), each with the run's header.

The renderer reads only these files, so a report can be re-rendered (or restyled) without
re-running anything, and a figure's meaning lives in the scenario that measured it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness.errors import ResultsMissing

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "bench" / "out"
MEASURED_CODE = ("supplylake", "pipelines")  # the folders whose code the figures are about


@dataclass(frozen=True)
class Header:
    """Which machine, which code and which command produced a result."""

    scenario: str
    command: str
    quick: bool
    generated_at: str  # UTC, minutes
    wall_s: float
    cores: int
    python: str
    machine: str
    load_average: tuple[float, float, float]
    code_head: str
    code_digest: str


def code_state() -> tuple[str, str]:
    """(git HEAD + modified files under the measured folders, digest of their *.py as they are now)."""
    digest = hashlib.sha256()
    for folder in MEASURED_CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    head = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        git = ["git", "-C", str(ROOT)]
        run = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10)
        head = run.stdout.strip() or "unknown"
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", *MEASURED_CODE], capture_output=True, text=True, timeout=10
        ).stdout.split("\n")
        changed = [line[3:] for line in dirty if line.strip()]
        if changed:
            head += " + uncommitted changes to " + ", ".join(f"`{c}`" for c in changed)
    return head, digest.hexdigest()[:12]


def make_header(scenario: str, command: str, *, quick: bool, wall_s: float) -> Header:
    head, digest = code_state()
    load = os.getloadavg()
    return Header(
        scenario=scenario,
        command=command,
        quick=quick,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        wall_s=round(wall_s, 1),
        cores=os.cpu_count() or 0,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        machine=platform.machine(),
        load_average=(round(load[0], 2), round(load[1], 2), round(load[2], 2)),
        code_head=head,
        code_digest=digest,
    )


def _finite(value: Any) -> Any:
    """NaN and infinity become null: strict JSON, and "no figure" reads the same everywhere."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_result(header: Header, figures: dict[str, Any], out_dir: Path = OUT_DIR) -> Path:
    """Write ``{"header": ..., "figures": ...}`` to ``out_dir/<scenario>.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{header.scenario}.json"
    payload = {"header": asdict(header), "figures": _finite(figures)}
    path.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    return path


def read_results(out_dir: Path = OUT_DIR) -> dict[str, dict[str, Any]]:
    """Every scenario result in ``out_dir``, by scenario name."""
    results = {}
    for path in sorted(out_dir.glob("*.json")):
        payload = json.loads(path.read_text())
        results[payload["header"]["scenario"]] = payload
    if not results:
        raise ResultsMissing(f"no results in {out_dir}: run `python -m bench` (or one scenario) first")
    return results
