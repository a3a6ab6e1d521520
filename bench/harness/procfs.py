"""Per-process CPU and peak RSS, and the machine's busy time, read from /proc (Linux only).

The one implementation the scenarios use: a run's resource figures and its "other load" (CPU
that other sessions on the shared machine took meanwhile) are computed the same way everywhere.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def busy_jiffies() -> int:
    """Jiffies all cores spent busy since boot (everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far; 0 once it is gone."""
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError, IndexError, ValueError):
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / TICKS
    return 0.0


def peak_rss_mb(pid: int | None) -> float:
    """Peak resident set (VmHWM) of a process in MB; 0 once it is gone."""
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per process between two samples; a restarted process (counter went down) counts
    from its restart only (the CPU its predecessor spent after ``before`` is lost)."""
    return {k: v - before.get(k, 0.0) if v >= before.get(k, 0.0) else v for k, v in after.items()}


class Interference:
    """CPU used by processes that are not this benchmark's, in cores, over a stretch of time.

    The machine is shared: another session's tests can take a core away mid-run. Everything
    busy minus this process, the ``own_pids`` (the broker) and the pipeline under test is someone
    else's.
    """

    def __init__(self, own_pids: Callable[[], list[int]]) -> None:
        self.own_pids = own_pids
        self.started = time.monotonic()
        self.busy = busy_jiffies()
        self.own = self._own_jiffies()

    def _own_jiffies(self) -> float:
        return time.process_time() * TICKS + sum(cpu_seconds(p) * TICKS for p in self.own_pids())

    def other_cores(self, pipeline_cpu_s: float) -> float:
        """Other sessions' cores since construction, given the pipeline's CPU seconds meanwhile."""
        elapsed = time.monotonic() - self.started
        busy = busy_jiffies() - self.busy
        own = self._own_jiffies() - self.own + pipeline_cpu_s * TICKS
        return max(0.0, (busy - own) / TICKS / elapsed) if elapsed > 0 else 0.0
