"""The lake sink's commit and maintenance figures, read from its structured (JSON) log.

Pipelines started by the bench run with ``SUPPLYLAKE_LOG_FORMAT=json`` and
``SUPPLYLAKE_LOG_LEVEL=DEBUG`` (see :data:`SINK_LOG_ENV`), so each stderr line is one JSON
object. The sink logs, per table commit,
``{"event": "lake commit", "table": str, "rows": int, "skipped": int, "ms": float, ...}`` and per
maintenance ``{"event": "lake maintenance", "table": str, "ms": int, ...}``. Fields are read by
name, never by the wording around them; anything that is not a JSON object (Quix, pyiceberg,
a traceback) is skipped.
"""

from __future__ import annotations

import contextlib
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.harness.stats import NAN, pct

SINK_LOG_ENV = {"SUPPLYLAKE_LOG_FORMAT": "json", "SUPPLYLAKE_LOG_LEVEL": "DEBUG"}
COMMIT_EVENT = "lake commit"
MAINTENANCE_EVENT = "lake maintenance"


@dataclass(frozen=True)
class SinkEvent:
    """One commit or maintenance of one table, as the sink logged it."""

    event: str
    table: str
    ms: float
    rows: int = 0
    skipped: int = 0
    at_s: float | None = None  # the line's timestamp (epoch s) when it has one

    @property
    def is_commit(self) -> bool:
        return self.event == COMMIT_EVENT


@dataclass(frozen=True)
class CheckpointProfile:
    """How long the sink's flush holds up Quix at each checkpoint."""

    checkpoints: int
    mean_cycle_s: float
    mean_flush_s: float
    p99_flush_s: float


def _timestamp(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return None


def parse_sink_events(lines: Iterable[str]) -> Iterator[SinkEvent]:
    """The sink's commit and maintenance events among ``lines``; every other line is skipped."""
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("event") not in (COMMIT_EVENT, MAINTENANCE_EVENT):
            continue
        try:
            yield SinkEvent(
                event=record["event"],
                table=str(record["table"]),
                ms=float(record["ms"]),
                rows=int(record.get("rows", 0)),
                skipped=int(record.get("skipped", 0)),
                at_s=_timestamp(record.get("timestamp")),
            )
        except (KeyError, TypeError, ValueError):
            continue


def read_sink_events(path: Path) -> list[SinkEvent]:
    """The sink events in a pipeline's log file; none if the file is missing."""
    with contextlib.suppress(OSError), path.open(errors="replace") as handle:
        return list(parse_sink_events(handle))
    return []


def commit_ms_by_table(events: Iterable[SinkEvent]) -> dict[str, list[float]]:
    """Per table, the duration of each lake commit in order."""
    times: dict[str, list[float]] = defaultdict(list)
    for event in events:
        if event.is_commit:
            times[event.table].append(event.ms)
    return dict(times)


def maintenance_runs(events: Iterable[SinkEvent]) -> list[tuple[str, int]]:
    """(table, ms) of each lake maintenance in order."""
    return [(e.table, round(e.ms)) for e in events if not e.is_commit]


def checkpoint_profile(events: Iterable[SinkEvent]) -> CheckpointProfile:
    """Checkpoints, mean cycle, mean and p99 lake flush, from the timed sink events.

    A checkpoint's lake flush runs from the start of its first table commit to the end of its
    last commit or maintenance (consecutive events less than 50 ms apart); Quix processes no
    records meanwhile. The cycle is the time from one flush's start to the next one's.
    """
    spans: list[list[float]] = []
    for event in events:
        if event.at_s is None:
            continue
        end = event.at_s
        start = end - event.ms / 1000
        if spans and start - spans[-1][1] < 0.05:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    if len(spans) < 3:
        return CheckpointProfile(len(spans), NAN, NAN, NAN)
    spans = spans[1:]  # the warm-up's first commits include table loading
    flushes = [e - s for s, e in spans]
    cycle = (spans[-1][0] - spans[0][0]) / (len(spans) - 1)
    return CheckpointProfile(len(spans), cycle, statistics.mean(flushes), pct(flushes, 99))
