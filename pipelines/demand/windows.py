"""Event-time demand windows (hour and UTC day) per demand key, with allowed lateness.

Pure functions over plain data. A key (a SKU in a region, or a warehouse × SKU) keeps its
windows in :class:`KeyWindows`: the open ones and, for late events, the most recent final ones.

- **Clock.** The caller passes the partition clock (``PartitionClock.now_ms``: max event time
  minus the allowed lateness, the end-of-replay watermark, live wall-clock ticks). A window
  ``[start, end)`` is *final* once the clock reaches ``end``; :func:`close_windows` marks it.
- **Late.** An event whose *hour* is already final (``hour end <= clock``) is late: it is kept
  and flagged, counted in ``late_units``/``late_events`` of its hour and of its day (when those
  windows are still remembered), never in ``units``. Judging lateness by the hour for both
  granularities keeps the identity *the hours of a day add up to the day* (units, revenue,
  orders, late units), late events included, whatever the arrival order.
- **Rows.** Every change of a window (an event counted, a late event flagged, finality) is
  returned, so the caller can write the window's new figures; ``revision`` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from supplylake.errors import FatalError
from supplylake.event_time import DAY_MS, HOUR_MS
from supplylake.pipelines.state_codec import StoredState

# Final windows remembered per key (for late events): two days of hours, two weeks of days.
RETAINED = {"hour": 48, "day": 14}


class DemandError(FatalError):
    """Base of the demand pipeline's errors."""


class DemandStateError(DemandError):
    """A stored demand state cannot be read back."""


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def width_ms(self) -> int:
        return HOUR_MS if self is Granularity.HOUR else DAY_MS


GRANULARITIES = (Granularity.HOUR, Granularity.DAY)


@dataclass
class Window:
    """One window's figures (``revenue`` stays 0.0 for outbound units)."""

    start_ms: int
    units: int = 0
    revenue: float = 0.0
    orders: int = 0
    late_units: int = 0
    late_events: int = 0
    final: bool = False
    revision: int = 0


@dataclass
class KeyWindows(StoredState):
    """A key's windows, each list sorted by start: open ones and the retained final ones."""

    hour: list[Window] = field(default_factory=list)
    day: list[Window] = field(default_factory=list)

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[DemandError]] = DemandStateError

    def windows(self, granularity: Granularity) -> list[Window]:
        return self.hour if granularity is Granularity.HOUR else self.day

    def next_close_ms(self) -> int | None:
        """When the earliest open window ends (None with none open)."""
        ends = [w.start_ms + g.width_ms for g in GRANULARITIES for w in self.windows(g) if not w.final]
        return min(ends) if ends else None

    def final_day(self, day_start_ms: int) -> Window | None:
        for window in self.day:
            if window.start_ms == day_start_ms and window.final:
                return window
        return None


@dataclass(frozen=True)
class Change:
    """A window whose figures changed (what a row should show now)."""

    granularity: Granularity
    window: Window


@dataclass(frozen=True)
class Added:
    late: bool
    changes: tuple[Change, ...]


def window_start(time_ms: int, granularity: Granularity) -> int:
    return time_ms - time_ms % granularity.width_ms


def add_event(key: KeyWindows, event_time_ms: int, units: int, revenue: float, clock_ms: int | None) -> Added:
    """Count one event in its hour and day, or flag it late (see the module docstring)."""
    hour_start = window_start(event_time_ms, Granularity.HOUR)
    late = clock_ms is not None and hour_start + HOUR_MS <= clock_ms
    changes = []
    for granularity in GRANULARITIES:
        start = window_start(event_time_ms, granularity)
        windows = key.windows(granularity)
        window = _find(windows, start)
        if late:
            if window is None:
                continue  # forgotten (older than what is retained): the event row alone flags it
            window.late_units += units
            window.late_events += 1
        else:
            if window is None:
                window = Window(start)
                _insert(windows, window)
            elif window.final:  # a day already final while its hour is not: not possible, as hours end first
                raise DemandError(f"{granularity} window at {start} is final but its hour is open")
            window.units += units
            window.revenue += revenue
            window.orders += 1
        window.revision += 1
        changes.append(Change(granularity, window))
    return Added(late, tuple(changes))


def close_windows(key: KeyWindows, clock_ms: int) -> list[Change]:
    """Mark final every open window that ended by ``clock_ms``; forget the oldest final ones."""
    changes = []
    for granularity in GRANULARITIES:
        windows = key.windows(granularity)
        for window in windows:
            if not window.final and window.start_ms + granularity.width_ms <= clock_ms:
                window.final = True
                window.revision += 1
                changes.append(Change(granularity, window))
        finals = [w for w in windows if w.final]
        if len(finals) > RETAINED[granularity]:
            drop = {id(w) for w in finals[: len(finals) - RETAINED[granularity]]}
            windows[:] = [w for w in windows if id(w) not in drop]
    return changes


def closed_days(changes: Iterable[Change]) -> list[Window]:
    """The day windows among :func:`close_windows`' changes (those that just became final), oldest first."""
    return sorted((c.window for c in changes if c.granularity is Granularity.DAY), key=lambda w: w.start_ms)


def _find(windows: list[Window], start_ms: int) -> Window | None:
    for window in reversed(windows):  # the newest are the usual target
        if window.start_ms == start_ms:
            return window
        if window.start_ms < start_ms:
            return None
    return None


def _insert(windows: list[Window], window: Window) -> None:
    i = len(windows)
    while i > 0 and windows[i - 1].start_ms > window.start_ms:
        i -= 1
    windows.insert(i, window)
