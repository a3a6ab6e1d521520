"""Catalog outage: the Iceberg catalog unavailable for a while mid-run, then back.

Two variants, each over a simulated stream of every family with two instances per pipeline:

- ``sqlite locked``: another connection holds ``BEGIN EXCLUSIVE`` on the SQLite catalog
  (``<data dir>/lake/catalog.db``) — no sink can load or commit a table, nor can a restarted
  pipeline open the catalog;
- ``warehouse gone``: the warehouse directory (metadata and data files) is renamed away and a
  plain file put in its place, so every read and write of a table's files fails and nothing can
  recreate the directory meanwhile (works as root too, where ``chmod 000`` would not stop
  anyone), then the directory is put back.

The outage starts once a third of the input is committed and lasts a fixed time. The pipelines
may retry or exit (the supervisor restarts them); the run must not end in a crash loop, the lake
must end exactly once and equal to the batch recomputation, and the pipeline logs must say what
was wrong. Recovery: seconds from the catalog being back to the committed offsets moving again.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from chaos.lake import Lake
from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stream import Fault, Run, drive, measure_stream, result, simulate

NAME = "catalog_outage"
FULL = {"events": 100_000, "outage_s": 20.0}
QUICK = {"events": 8_000, "outage_s": 5.0}
START_AT = 0.33  # fraction of the input committed when the outage starts


@dataclass
class Outage(Fault):
    data_dir: Path
    hold_s: float
    kind: str  # "lock" | "warehouse"
    began: float | None = None
    back: float | None = None
    moved: float | None = None
    done_at_back: int = 0
    _lock: sqlite3.Connection | None = None
    _aside: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def catalog_db(self) -> Path:
        return self.data_dir / "lake" / "catalog.db"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "lake" / "warehouse"

    def tick(self, run: Run) -> None:
        now = time.monotonic()
        if self.began is None and run.fraction() >= START_AT:
            self._start(run)
            self.began = now
        elif self.began is not None and self.back is None and now - self.began >= self.hold_s:
            self._end(run)
            self.back, self.done_at_back = time.monotonic(), run.done
        elif self.back is not None and self.moved is None and (run.done > self.done_at_back or run.fraction() >= 1):
            self.moved = time.monotonic()
            run.note(f"committed offsets moving again {self.moved - self.back:.1f} s after the catalog came back")

    def _start(self, run: Run) -> None:
        if self.kind == "lock":
            self._lock = sqlite3.connect(self.catalog_db, timeout=30, isolation_level=None)
            self._lock.execute("BEGIN EXCLUSIVE")
            run.note(f"catalog.db locked (BEGIN EXCLUSIVE) at {run.fraction():.0%} committed")
        else:
            self._aside = self.warehouse.with_name("warehouse.away")
            self.warehouse.rename(self._aside)
            # A file where the directory was: nothing can read it, nor recreate it and write there.
            self.warehouse.write_bytes(b"")
            run.note(f"warehouse dir replaced by a file at {run.fraction():.0%} committed")

    def _end(self, run: Run) -> None:
        if self._lock is not None:
            self._lock.rollback()
            self._lock.close()
            self._lock = None
            run.note("catalog.db unlocked")
        if self._aside is not None:
            if self.warehouse.is_dir():  # something replaced the file meanwhile: keep it for the report
                stray = self.warehouse.with_name("warehouse.recreated")
                self.warehouse.rename(stray)
                self.notes.append(f"a warehouse dir was recreated during the outage: {_tree(stray)}")
            else:
                self.warehouse.unlink()
            self._aside.rename(self.warehouse)
            self._aside = None
            run.note("warehouse dir back")

    def finish(self, run: Run) -> None:
        if self.began is not None and self.back is None:
            self._end(run)
            self.back = time.monotonic()

    def recovery_s(self) -> float | None:
        if self.back is None or self.moved is None:
            return None
        return round(self.moved - self.back, 1)


def _tree(path: Path) -> str:
    files = [p for p in path.rglob("*") if p.is_file()]
    return f"{len(files)} file(s)" + (f", e.g. {files[0].relative_to(path)}" if files else "")


def _log_errors(data_dir: Path, kind: str) -> list[str]:
    """Lines of the pipeline logs that name the outage's cause."""
    # A warehouse dir replaced by a file fails as a missing path or as a path that is not a directory.
    missing = ("No such file", "FileNotFoundError", "not found", "Not a directory", "NotADirectoryError", "File exists")
    needles = ("database is locked",) if kind == "lock" else missing
    found = []
    for log in sorted((data_dir / "logs").glob("pipeline-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if any(n in line for n in needles):
                found.append(f"{log.name}: {line.strip()[:240]}")
                break
    return found


def run_variant(options: RunOptions, kind: str, title: str, events: int, hold_s: float) -> ScenarioResult:
    started = time.monotonic()
    work = options.work_dir / kind
    work.mkdir(parents=True, exist_ok=True)
    stream = simulate(work, options.seed, events)
    data_dir = work / "data"
    fault = Outage(data_dir, hold_s, kind)
    driven = drive(stream, data_dir, fault, instances=2, timeout_s=600 if options.quick else 1800)
    m = measure_stream(Lake(data_dir), stream)
    if fault.began is None:
        m.mismatch("the outage never started: the input was committed before it")
    errors = _log_errors(data_dir, kind)
    if fault.began is not None and driven.restarts and not errors:
        m.problem("pipelines restarted but no log names the outage's cause")
    return result(
        NAME,
        title,
        m,
        driven,
        crashes=0,  # restarts are an accepted way through an outage; a crash loop is not
        recovery_s=fault.recovery_s(),
        started=started,
        details={"outage_s": hold_s, "log_errors": errors[:6], "notes": fault.notes},
    )


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    hold = sizes["outage_s"]
    events = int(sizes["events"])
    return [
        run_variant(options, "lock", f"sqlite catalog locked {hold:.0f} s", events, hold),
        run_variant(options, "warehouse", f"warehouse dir replaced by a file {hold:.0f} s", events, hold),
    ]


SCENARIO = Scenario(
    NAME,
    "the Iceberg catalog unavailable for a while (SQLite catalog locked; warehouse dir gone), then back",
    run,
)
