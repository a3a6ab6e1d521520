"""Disk full: the filesystem under the lake runs out of space mid-run, then space comes back.

``<data dir>/lake`` (the Iceberg warehouse and the SQLite catalog) is a small tmpfs mounted for
the run. Once a third of the input is committed, a file takes every free byte of it, so each
data file, manifest, metadata file and catalog write fails with ENOSPC; after a while the file
is deleted. (The broker keeps its log in memory; the pipelines' local state and logs are on the
data dir's own disk, so the logs can say what happened.)

The writers wait for space (one ``lake disk full`` warning per commit); a pipeline whose commit
waited longer than the writer's ``max_unavailable_s`` (60 s) stops with ``LakeDiskFull`` and is
started again by the supervisor — not measured here (see ``FULL``). The lake must end exactly
once and equal to the batch recomputation (no table half written, none unreadable), and the
logs must name the full disk; a pipeline that stops must name it too. Recovery: seconds
from space coming back to the committed offsets moving again.

Mounting needs root (or a user namespace with ``unshare --user --map-root-user --mount``): the
scenario says so in one line when it cannot.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chaos.lake import Lake
from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from chaos.stream import Fault, Run, drive, measure_stream, result, simulate

NAME = "disk_full"
# Shorter than the writer's 60 s wait: a longer outage stops the pipelines with LakeDiskFull
# (unit-tested), and on the embedded broker their simultaneous restarts can stall a consumer
# group (docs/architecture.md, Tansu workarounds), which would measure Tansu, not the lake.
FULL = {"events": 40_000, "full_s": 30.0}
QUICK = {"events": 6_000, "full_s": 8.0}
START_AT = 0.33  # fraction of the input committed when the disk fills
DISK_SIZE = "1g"  # a tmpfs holds only what is written: the size is the ceiling the filler fills up to
NEEDLES = ("lake disk full", "the lake's disk is full", "No space left on device", "disk is full")


@contextlib.contextmanager
def small_disk(path: Path, size: str = DISK_SIZE) -> Iterator[Path]:
    """A tmpfs mounted at ``path`` for the block's duration."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        raise RuntimeError(
            f"disk_full needs its own small filesystem and could not mount a tmpfs ({mounted.stderr.strip()}): "
            "run it as root, or as `unshare --user --map-root-user --mount python -m chaos disk_full`"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], capture_output=True)


def fill(directory: Path) -> tuple[Path, int]:
    """A file taking every free byte of ``directory``'s filesystem; returns it and its size."""
    filler = directory / "filler.bin"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o644)
    size = 0
    try:
        for chunk in (64 << 20, 1 << 20, 4096):
            while True:
                try:
                    os.posix_fallocate(fd, size, chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
                size += chunk
    finally:
        os.close(fd)
    return filler, size


@dataclass
class DiskFull(Fault):
    lake_dir: Path
    hold_s: float
    began: float | None = None
    back: float | None = None
    moved: float | None = None
    done_at_back: int = 0
    filler: Path | None = None
    filled_bytes: int = 0

    def tick(self, run: Run) -> None:
        now = time.monotonic()
        if self.began is None and run.fraction() >= START_AT:
            self.filler, self.filled_bytes = fill(self.lake_dir)
            self.began = now
            run.note(f"lake disk filled ({self.filled_bytes >> 20} MiB) at {run.fraction():.0%} committed")
        elif self.began is not None and self.back is None and now - self.began >= self.hold_s:
            self._release(run)
        elif self.back is not None and self.moved is None and (run.done > self.done_at_back or run.fraction() >= 1):
            self.moved = time.monotonic()
            run.note(f"committed offsets moving again {self.moved - self.back:.1f} s after space came back")

    def _release(self, run: Run) -> None:
        if self.filler is not None:
            self.filler.unlink()
            self.filler = None
        self.back, self.done_at_back = time.monotonic(), run.done
        run.note("space back")

    def finish(self, run: Run) -> None:
        if self.began is not None and self.back is None:
            self._release(run)

    def recovery_s(self) -> float | None:
        if self.back is None or self.moved is None:
            return None
        return round(self.moved - self.back, 1)


def _log_errors(data_dir: Path) -> tuple[list[str], list[str]]:
    """The first line of each pipeline log that names the full disk; every ``error:`` line (a stop)."""
    named, stops = [], []
    for log in sorted((data_dir / "logs").glob("pipeline-*.log")):
        lines = log.read_text(errors="replace").splitlines()
        named += [f"{log.name}: {line.strip()[:240]}" for line in lines if any(n in line for n in NEEDLES)][:1]
        stops += [f"{log.name}: {line.strip()[:300]}" for line in lines if line.startswith("error:")]
    return named, stops


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    hold = sizes["full_s"]
    started = time.monotonic()
    work = options.work_dir
    stream = simulate(work, options.seed, int(sizes["events"]))
    data_dir = work / "data"
    with small_disk(data_dir / "lake") as lake_dir:
        fault = DiskFull(lake_dir, hold)
        driven = drive(stream, data_dir, fault, instances=2, timeout_s=600 if options.quick else 1800)
        m = measure_stream(Lake(data_dir), stream)
    if fault.began is None:
        m.mismatch("the disk never filled: the input was committed before it")
    errors, stops = _log_errors(data_dir)
    if fault.began is not None and not errors:
        m.problem("no pipeline log names the full disk")
    unclear = [line for line in stops if not any(n in line for n in NEEDLES)]
    if unclear:
        m.problem(f"a pipeline stopped without naming the full disk: {unclear[0]}")
    return [
        result(
            NAME,
            f"lake's filesystem full for {hold:.0f} s, then space back",
            m,
            driven,
            crashes=0 if errors or fault.began is None else 1,  # a restart is a way through; silence is not
            recovery_s=fault.recovery_s(),
            started=started,
            details={
                "full_s": hold,
                "filled_mib": fault.filled_bytes >> 20,
                "log_errors": errors[:6],
                "stops": stops[:6],
            },
        )
    ]


SCENARIO = Scenario(
    NAME, "the lake's filesystem full (a tmpfs, every byte taken), then space back (clear error, resumes)", run
)
