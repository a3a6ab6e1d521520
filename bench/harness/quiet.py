"""Waiting for a quiet machine before a timed phase, within a budget for the whole command."""

from __future__ import annotations

import time

from bench.harness.console import log
from bench.harness.procfs import TICKS, busy_jiffies


class QuietMachine:
    """Before each timed phase, wait (a little) for other sessions' CPU use to drop.

    ``budget_s`` bounds the waiting over a whole scenario, so a machine that never quietens
    costs minutes, not hours; ``waited_s`` goes into the report.
    """

    def __init__(self, budget_s: float = 120.0, threshold_cores: float = 0.3, per_call_s: float = 30.0) -> None:
        self.budget_s = budget_s
        self.threshold_cores = threshold_cores
        self.per_call_s = per_call_s
        self.waited_s = 0.0

    def wait(self) -> None:
        deadline = time.monotonic() + min(self.per_call_s, self.budget_s - self.waited_s)
        began = time.monotonic()
        while True:
            before, t0 = busy_jiffies(), time.monotonic()
            time.sleep(1.0)
            busy = (busy_jiffies() - before) / TICKS / (time.monotonic() - t0)
            if busy < self.threshold_cores or time.monotonic() > deadline:
                break
        waited = time.monotonic() - began - 1.0
        if waited > 0.5:
            self.waited_s += waited
            log(f"  waited {waited:.0f}s for other processes to quieten (now {busy:.2f} cores busy)")
