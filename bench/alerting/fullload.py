"""Issue 8 target 3 ("fresh under load"): the pure figures of a full-stack load run.

- **freshness** per event table: each record's produce time (CreateTime from the delivery report)
  → the first lake query (``LakeWatcher``) whose ``max(_src_offset)`` of its partition reached it;
- **backlog** per pipeline over time and the verdict "does not grow" (last-minute mean against the
  first minute's, in seconds of the pipeline's input);
- **drain time** after a burst: until every pipeline's backlog is back under 2 s of its input;
- **completeness**: every produced event id in its lake table exactly once.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bench.alerting.monitor import LagSample
from bench.harness.stats import NAN, pct

Series = Sequence[tuple[float, int]]  # [(wall ms, max visible offset)], offsets increasing
GROWTH_FACTOR = 1.5  # last-minute mean backlog above this × the first minute's = growing …
GROWTH_FLOOR_S = 1.0  # … unless it is below this many seconds of input anyway
BACKLOG_LIMIT_S = 10.0  # and a last-minute mean above this many seconds of input fails outright
# A burst has drained when every backlog is under this many seconds of its input — or under the
# steady load's 95th percentile backlog when that is higher (a pipeline with little input
# checkpoints on the commit interval, so it rests at a few seconds of its input).
DRAINED_S = 2.0


def freshness_values(
    offsets: Sequence[int], created_ms: Sequence[float], series: Series, start_ms: float, end_ms: float
) -> tuple[list[tuple[float, float]], int]:
    """([(created ms, visible − created ms)], never visible) for records created in [start, end].

    ``offsets`` increasing (one partition, delivery order); a two-pointer walk over ``series``.
    """
    out: list[tuple[float, float]] = []
    missing = 0
    j = 0
    for offset, created in zip(offsets, created_ms, strict=True):
        while j < len(series) and series[j][1] < offset:
            j += 1
        if not start_ms <= created <= end_ms:
            continue
        if j == len(series):
            missing += 1
        else:
            out.append((created, series[j][0] - created))
    return out, missing


def freshness_by_id(
    ids: Iterable[str],
    produced_at: Mapping[str, float],
    first_seen: Mapping[str, float],
    start_ms: float,
    end_ms: float,
) -> tuple[list[tuple[float, float]], int]:
    """Like :func:`freshness_values` for a table watched by event id."""
    out: list[tuple[float, float]] = []
    missing = 0
    for event_id in ids:
        created = produced_at.get(event_id)
        if created is None or not start_ms <= created <= end_ms:
            continue
        seen = first_seen.get(event_id)
        if seen is None:
            missing += 1
        else:
            out.append((created, seen - created))
    return out, missing


def summarise(values: Sequence[float], missing: int = 0) -> dict[str, Any]:
    return {
        "n": len(values),
        "not_visible": missing,
        "p50": pct(values, 50),
        "p90": pct(values, 90),
        "p99": pct(values, 99),
        "max": max(values, default=NAN),
    }


def freshness_figures(
    delivered: Mapping[str, Mapping[int, tuple[Sequence[int], Sequence[float]]]],
    seen: Mapping[str, Mapping[int, Series]],
    phases: Mapping[str, tuple[float, float]],
    by_id: Mapping[str, tuple[Sequence[str], Mapping[str, float], Mapping[str, float]]] | None = None,
) -> dict[str, Any]:
    """Per phase (name -> [start, end] ms of produce time): per table and overall summaries;
    for the phase "steady", also the p50 of each third of it (growing = falling behind).

    ``by_id``: table -> (its produced ids, produce ms by id, first seen ms by id), for tables
    watched by id (their ``delivered`` entry, if any, is ignored)."""
    by_id = by_id or {}
    out: dict[str, Any] = {}
    for phase, (start, end) in phases.items():
        tables: dict[str, Any] = {}
        every: list[tuple[float, float]] = []
        missing_all = 0
        for table in sorted({*delivered, *by_id}):
            values: list[tuple[float, float]] = []
            missing = 0
            if table in by_id:
                values, missing = freshness_by_id(*by_id[table], start, end)
            else:
                for partition, (offsets, created) in delivered[table].items():
                    v, m = freshness_values(offsets, created, seen.get(table, {}).get(partition, []), start, end)
                    values += v
                    missing += m
            tables[table] = summarise([f for _, f in values], missing)
            every += values
            missing_all += missing
        figures: dict[str, Any] = {"tables": tables, "all": summarise([f for _, f in every], missing_all)}
        if phase == "steady":
            figures["thirds_p50"] = thirds_p50(every, start, end)
        out[phase] = figures
    return out


def thirds_p50(values: Iterable[tuple[float, float]], start_ms: float, end_ms: float) -> list[float]:
    """Median freshness of the records created in each third of [start, end]."""
    thirds: list[list[float]] = [[], [], []]
    span = max(end_ms - start_ms, 1e-9)
    for created, fresh in values:
        thirds[min(2, max(0, int((created - start_ms) * 3 // span)))].append(fresh)
    return [statistics.median(t) if t else NAN for t in thirds]


def input_rates(samples: Sequence[LagSample], start_s: float, end_s: float) -> dict[str, float]:
    """Records/s we produced to each pipeline's topics between two sample times."""
    inside = [s for s in samples if start_s <= s.t <= end_s and s.produced]
    if len(inside) < 2 or inside[-1].t <= inside[0].t:
        return {}
    a, b = inside[0], inside[-1]
    return {g: (b.produced[g] - a.produced.get(g, 0)) / (b.t - a.t) for g in b.produced}


def backlog_verdict(samples: Sequence[LagSample], steady_s: float) -> dict[str, Any]:
    """Per pipeline: mean backlog in the first and last minute of the steady phase (a third of it
    when shorter than 3 min), in records and in seconds of its input; ``grows`` per pipeline and overall."""
    window = min(60.0, steady_s / 3)
    rates = input_rates(samples, 0.0, steady_s)
    first = [s for s in samples if 0 <= s.t < window]
    last = [s for s in samples if steady_s - window <= s.t <= steady_s]
    pipelines: dict[str, Any] = {}
    for g, rate in sorted(rates.items()):
        f = statistics.fmean(s.lag.get(g, 0) for s in first) if first else NAN
        la = statistics.fmean(s.lag.get(g, 0) for s in last) if last else NAN
        per_s = rate if rate > 0 else NAN
        grows = not (la <= max(GROWTH_FACTOR * f, GROWTH_FLOOR_S * rate) and la <= BACKLOG_LIMIT_S * rate)
        pipelines[g] = {
            "input_rate": rate,
            "first_mean": f,
            "last_mean": la,
            "first_s": f / per_s,
            "last_s": la / per_s,
            "grows": grows,
        }
    return {
        "window_s": window,
        "pipelines": pipelines,
        "grows": not pipelines or any(p["grows"] for p in pipelines.values()),
    }


def drain_thresholds(samples: Sequence[LagSample], steady_s: float, rates: Mapping[str, float]) -> dict[str, float]:
    """Per pipeline: the backlog under which it counts as drained (see DRAINED_S)."""
    steady = [s for s in samples if 0 <= s.t <= steady_s]
    return {
        g: max(DRAINED_S * r, pct([s.lag.get(g, 0) for s in steady], 95) if steady else 0.0) for g, r in rates.items()
    }


def drain_time(samples: Sequence[LagSample], burst_end_s: float, thresholds: Mapping[str, float]) -> float | None:
    """Seconds from the burst's end until every pipeline's backlog ≤ its threshold (None: never)."""
    for s in samples:
        if s.t >= burst_end_s and all(s.lag.get(g, 0) <= limit for g, limit in thresholds.items()):
            return s.t - burst_end_s
    return None


def backlog_series(samples: Sequence[LagSample], every_s: float = 5.0) -> list[tuple[float, dict[str, int]]]:
    """One sample per ``every_s`` (the first at or after each step) for the report."""
    out: list[tuple[float, dict[str, int]]] = []
    next_t = 0.0
    for s in samples:
        if s.t >= next_t:
            out.append((round(s.t, 1), dict(s.lag)))
            next_t = (int(s.t // every_s) + 1) * every_s
    return out


def completeness(produced_ids: Sequence[str], lake_ids: Sequence[str | None]) -> dict[str, int]:
    """Produced ids vs the table's ``event_id`` column: lost (produced, not in the lake), duplicated
    rows (beyond the first of an id), and rows of ids we did not produce (set-up noise, if any)."""
    produced = set(produced_ids)
    counts = Counter(lake_ids)
    lake = set(counts)
    return {
        "produced": len(produced_ids),
        "produced_distinct": len(produced),
        "rows": len(lake_ids),
        "distinct": len(lake),
        "lost": len(produced - lake),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "unexpected": len(lake - produced),
    }
