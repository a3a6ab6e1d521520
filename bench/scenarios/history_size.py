"""Size and generation time of a simulated history: ``supplylake simulate --days N --out FILE``.

The command a user runs for a history to score suppliers on (``history_config``: suppliers from
reliable to unreliable, one ERP snapshot a day, thinned telemetry), in a fresh process, timed
from start to exit. Measured: wall time, the command's CPU time (its rusage), the events (lines)
and bytes of FILE, the bytes it writes beside it (``FILE.faults.json``, ``erp/``, ``reference/``),
and the events per family and of the supplier pipeline's share (supplier events + receipts).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from bench.harness.console import log
from bench.harness.procfs import Interference
from bench.harness.quiet import QuietMachine
from bench.scenarios.scenario import Figures, Scenario
from supplylake.contracts.registry import FAMILIES

RUN_TIMEOUT_S = 1800.0
SUPPLIER_TYPES = frozenset({"po.created", "asn.sent", "quality.rejected", "supplier.leadtime.changed"})


def family_of_type(event_type: str) -> str:
    """The family an event type belongs to by its registry prefix; '?' for none (an unknown type)."""
    for name, family in FAMILIES.items():
        if event_type in family.event_types:
            return name
    return "?"


def count_lines(path: Path) -> dict[str, Any]:
    """Events of a history file: lines, per event type and family, malformed lines, receipts with a poId."""
    by_type: Counter[str] = Counter()
    malformed = receipts_with_po = 0
    lines = 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            lines += 1
            try:
                payload = orjson.loads(line)
            except orjson.JSONDecodeError:
                malformed += 1
                continue
            event_type = payload.get("eventType") if isinstance(payload, dict) else None
            by_type[str(event_type)] += 1
            if event_type == "inventory.received" and payload.get("poId"):
                receipts_with_po += 1
    by_family: Counter[str] = Counter()
    for event_type, n in by_type.items():
        by_family[family_of_type(event_type)] += n
    supplier = sum(n for t, n in by_type.items() if t in SUPPLIER_TYPES) + by_type["inventory.received"]
    return {
        "events": lines,
        "malformed": malformed,
        "by_family": dict(sorted(by_family.items())),
        "by_type": dict(sorted(by_type.items())),
        "supplier_heavy": supplier,
        "receipts_with_po": receipts_with_po,
    }


def tree_bytes(folder: Path, leave_out: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p != leave_out)


def run_once(days: int, seed: int, folder: Path) -> dict[str, Any]:
    out = folder / "history.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    env["SUPPLYLAKE_DATA_DIR"] = str(folder / "data")
    command = [sys.executable, "-m", "supplylake", "simulate", "--days", str(days), "--seed", str(seed)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    interference = Interference(list)
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--out", str(out)], capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_S, check=False
    )
    wall_s = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result: dict[str, Any] = {
        "days": days,
        "seed": seed,
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "other_cores": interference.other_cores(cpu_s),
        "peak_rss_mb": after.ru_maxrss / 1024,  # the largest child so far (KiB on Linux)
        "returncode": done.returncode,
        "error": None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["no output"])[-1],
    }
    if done.returncode == 0:
        result["bytes"] = out.stat().st_size
        result["beside_bytes"] = tree_bytes(folder, out)
        result.update(count_lines(out))
    return result


def measure(args: argparse.Namespace) -> Figures:
    quiet = QuietMachine(args.quiet_budget)
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-history-") as tmp:
        quiet.wait()
        log(f"supplylake simulate --days {args.days} --seed {args.seed}")
        run = run_once(args.days, args.seed, Path(tmp))
    log(
        f"  {run['wall_s']:.0f} s, exit {run['returncode']}, {run.get('events', 0):,} events, "
        f"{run.get('bytes', 0) / 1e6:,.0f} MB, other load {run['other_cores']:.2f} cores"
    )
    return {"disturbed_cores": 0.3, "runs": [run], "quiet_waited_s": quiet.waited_s}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=90, help="days of event time (simulate --days)")
    parser.add_argument("--seed", type=int, default=7, help="simulate --seed (7 is its default)")


SCENARIO = Scenario(
    name="history_size",
    title="supplylake simulate --days N --out FILE: wall time, events, bytes",
    add_arguments=add_arguments,
    measure=measure,
    quick={"days": 2},
)
