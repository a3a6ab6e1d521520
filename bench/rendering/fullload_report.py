"""Issue 8 target 3 ("fresh under load") in bench/REPORT-alerts.md, and its rows in REPORT.md's Targets."""

from __future__ import annotations

import math
from typing import Any

from bench.harness.stats import pct
from bench.rendering.markdown import INF, NAN, fmt_latency, num, table

Result = dict[str, Any]
Target = tuple[str, str, str]
TARGET_RATE = 5000.0
TARGET_SECONDS = 300.0
FRESH_P50_MS = 1500.0
FRESH_P99_MS = 3000.0
ALERT_P99_MS = 1000.0
EVENT_TABLES = ("inventory_events", "shipment_events", "shipment_telemetry", "order_events")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _s(ms: Any) -> str:
    value = num(ms)
    return "–" if math.isnan(value) else f"{value / 1000:.2f} s"


def _with_missing(latencies: Result | None) -> list[float]:
    if not latencies:
        return []
    return [num(v) for v in latencies["values"]] + [INF] * latencies["missing"]


def has_full_load(run: Result) -> bool:
    return "freshness" in run and "backlog" in run


def lost_and_duplicated(run: Result) -> tuple[int, int]:
    counts = run.get("lake_counts") or {}
    return sum(c["lost"] for c in counts.values()), sum(c["duplicates"] for c in counts.values())


def fresh_targets(run: Result) -> list[Target]:
    """The "fresh under load: …" rows for one full-stack run (the first run of alert_latency)."""
    if not has_full_load(run):
        return []
    steady_s = num(run.get("steady_s", run["load_s"]))
    backlog = run["backlog"]
    worst = max((num(p["last_s"]) for p in backlog["pipelines"].values()), default=NAN)
    sized = run["rate"] >= TARGET_RATE and steady_s >= 0.97 * TARGET_SECONDS
    kept = sized and run["achieved"] >= 0.97 * run["rate"] and not backlog["grows"]
    rows: list[Target] = [
        (
            "fresh under load: all pipelines sustain 5k events/s for ≥ 5 min without a growing backlog",
            f"{run['achieved']:,.0f}/s for {steady_s:.0f} s; backlog {'grows' if backlog['grows'] else 'flat'} "
            f"(last-minute mean ≤ {worst:.2f} s of input)",
            _yes(kept),
        )
    ]
    fresh = run["freshness"].get("steady", {}).get("all")
    if fresh:
        complete = fresh["not_visible"] == 0
        tail = "" if complete else f", {fresh['not_visible']:,} never visible"
        rows.append(
            (
                "fresh under load: freshness p50 ≤ 1.5 s",
                _s(fresh["p50"]) + tail,
                _yes(sized and complete and num(fresh["p50"]) <= FRESH_P50_MS),
            )
        )
        rows.append(
            (
                "fresh under load: freshness p99 ≤ 3 s",
                _s(fresh["p99"]) + tail,
                _yes(sized and complete and num(fresh["p99"]) <= FRESH_P99_MS),
            )
        )
    alerts = _with_missing(run["trig"].get("load", {}).get("all triggers"))
    if alerts:
        p99 = pct(alerts, 99)
        rows.append(
            (
                "fresh under load: alert latency p99 ≤ 1 s",
                "not received" if p99 == INF else _s(p99),
                _yes(sized and p99 <= ALERT_P99_MS),
            )
        )
    late = _with_missing(run["late"].get("load"))
    if late:
        p99, limit = pct(late, 99), (run["tick_interval_s"] + 1) * 1000
        rows.append(
            (
                f"fresh under load: live timer lateness p99 ≤ tick + 1 s ({limit / 1000:g} s)",
                "not received" if p99 == INF else _s(p99),
                _yes(sized and p99 <= limit),
            )
        )
    burst = run.get("burst")
    if burst:
        lost, dups = lost_and_duplicated(run)
        drain = burst["drain_s"]
        measured = (
            f"{burst['factor']:g}× for {burst['seconds']:g} s ({burst['achieved']:,.0f}/s produced): "
            + ("not drained" if drain is None else f"drained in {drain:.0f} s")
            + (
                f"; {lost:,} not in the lake when the drain gave up (still in the backlog), duplicated {dups:,}"
                if drain is None
                else f"; lost {lost:,}, duplicated {dups:,}"
            )
        )
        full = burst["factor"] >= 10 and burst["seconds"] >= 30 and sized
        ok = full and drain is not None and lost == 0 and dups == 0 and bool(run.get("lake_counts"))
        rows.append(("fresh under load: a 10× burst for 30 s drains, nothing lost", measured, _yes(ok)))
    return rows


def freshness_table(run: Result) -> list[str]:
    rows: list[list[str]] = []
    for phase, figures in run["freshness"].items():
        first = True
        for name in [*EVENT_TABLES, "all"]:
            f = figures["tables"].get(name) if name != "all" else figures["all"]
            if not f:
                continue
            rows.append(
                [
                    phase if first else "",
                    f"**{name}**" if name == "all" else name,
                    f"{f['n']:,}",
                    f"{f['not_visible']:,}",
                    *[fmt_latency(num(f[q])) for q in ("p50", "p90", "p99", "max")],
                ]
            )
            first = False
    head = ["produced during", "table", "records", "never visible", "p50", "p90", "p99", "max"]
    out = [table(head, rows, right_from=2), ""]
    thirds = run["freshness"].get("steady", {}).get("thirds_p50")
    if thirds:
        out.append(
            "Freshness p50 (all tables) by third of the steady load: "
            + " → ".join(fmt_latency(num(t)) for t in thirds)
            + " (growing = falling behind).\n"
        )
    return out


def backlog_tables(run: Result) -> list[str]:
    backlog = run["backlog"]
    rows = [
        [
            g,
            f"{num(p['input_rate']):,.0f}",
            f"{num(p['first_mean']):,.0f} ({num(p['first_s']):.2f} s)",
            f"{num(p['last_mean']):,.0f} ({num(p['last_s']):.2f} s)",
            "**grows**" if p["grows"] else "no",
        ]
        for g, p in sorted(backlog["pipelines"].items())
    ]
    w = num(backlog["window_s"])
    head = ["pipeline", "input records/s", f"mean backlog, first {w:.0f} s", f"… last {w:.0f} s", "grows"]
    out = [
        "Backlog = records produced to a pipeline's source topics not yet committed by its consumer group, "
        "sampled every second; in parentheses in seconds of that pipeline's input. *Grows* = the last "
        "window's mean above 1.5 × the first's (and above 1 s of input), or above 10 s of input.\n",
        table(head, rows),
        "",
    ]
    series = run.get("backlog_series") or []
    if series:
        step = max(1, math.ceil(len(series) / 30))
        groups = sorted(series[0][1])
        marks = {seg["label"]: seg for seg in run.get("segments", [])}
        rows = [[f"{num(t):.0f} s", *[f"{lag.get(g, 0):,}" for g in groups]] for t, lag in series[::step]]
        when = ", ".join(
            f"{label} from {(seg['start_ms'] - marks['steady']['start_ms']) / 1000:.0f} s"
            for label, seg in marks.items()
            if "steady" in marks
        )
        out += [f"Backlog over time (records; since the load's start — {when}):\n", table(["t", *groups], rows), ""]
    return out


def burst_lines(run: Result) -> list[str]:
    burst = run.get("burst")
    if not burst:
        return []
    drain = burst["drain_s"]
    peaks = ", ".join(f"{g} {n:,}" for g, n in sorted(burst["lag_max"].items()))
    below = burst.get("drained_below") or {}
    return [
        f"**Burst**: {burst['factor']:g}× the rate for {burst['seconds']:g} s, produced at "
        f"{burst['achieved']:,.0f} events/s; "
        + (
            f"every pipeline's backlog was back to its steady level **{drain:.0f} s** after the burst ended"
            if drain is not None
            else "**the backlog was not back under 2 s of input by the end of the run**"
        )
        + f" (peak backlog after the steady load: {peaks}). Steady level = under 2 s of the pipeline's input or "
        "under its 95th percentile backlog of the steady load, whichever is higher"
        + (": " + ", ".join(f"{g} {num(v):,.0f}" for g, v in sorted(below.items())) + " records" if below else "")
        + ". The simulator's event time runs ahead of the wall clock during the burst (events are "
        "made at the base rate's pace of event time).\n"
    ]


def completeness_table(run: Result) -> list[str]:
    counts = run.get("lake_counts") or {}
    if not counts:
        return ["Completeness: no lake check (see the notes).\n"]
    rows = [
        [t, *[f"{c[k]:,}" for k in ("produced", "rows", "distinct", "lost", "duplicates", "unexpected")]]
        for t, c in counts.items()
    ]
    head = ["table", "events produced", "rows", "distinct event_id", "lost", "duplicated rows", "not ours"]
    return [
        "Completeness after the drain (every event id we produced to the table's topic, looked up in the table; "
        "no faults, so every one must land exactly once):\n",
        table(head, rows),
        "",
    ]


def curve_table(curve: list[Result]) -> list[str]:
    if not curve:
        return []
    rows = [
        [
            f"{p['commit_records']:,}",
            f"{p['achieved']:,.0f}/s for {p['seconds']:g} s",
            fmt_latency(num(p["fresh_p50"])),
            fmt_latency(num(p["fresh_p99"])),
            f"{num(p['pipeline_cores']):.2f}",
            " / ".join(f"{num(v):.2f}" for v in p["cores"].values()),
            "**grows**" if p["backlog_grows"] else "flat",
        ]
        for p in curve
    ]
    head = ["LIVE_COMMIT_RECORDS", "load", "freshness p50", "p99", "pipeline cores", "inv / ship / ord", "backlog"]
    return [
        "### Freshness against commit size\n",
        "Separate runs, no burst, `SUPPLYLAKE_LAKE__LIVE_COMMIT_RECORDS` = each value (a live pipeline checkpoints "
        "after that many records or `SUPPLYLAKE_LAKE__LIVE_COMMIT_INTERVAL_S`, whichever comes first):\n",
        table(head, rows),
        "",
    ]


def fullload_section(figures: Result) -> list[str]:
    """The section for alert_latency's figures (nothing for results from before these figures)."""
    runs = [r for r in figures["runs"] if has_full_load(r)]
    if not runs:
        return []
    out = ["## Fresh under load (issue 8, target 3)\n"]
    targets = fresh_targets(runs[0])
    if targets:
        out += [table(["target", "measured", "met"], [list(t) for t in targets], right_from=3), ""]
    out.append(
        "Freshness = produce time (the record's CreateTime, from our producer's delivery report, per topic, "
        "partition and offset) → the first lake query that showed it: a reader thread loops `LakeReader.refresh` + "
        "a DuckDB query of `max(_src_offset)` per partition of each event table "
        f"(pause {figures['options'].get('fresh_poll', 0.5):g} s between queries). Measured in the load's "
        "steady part (the targets) and, separately, from the burst on.\n"
    )
    for run in runs:
        out.append(f"### {run['label']} run\n")
        out += freshness_table(run)
        out.append(
            f"Lake queries: {run['lake_polls']:,}, p50 {fmt_latency(num(run['lake_poll_ms_p50']))} each "
            "(refresh + query).\n"
        )
        out += backlog_tables(run)
        out += burst_lines(run)
        out += completeness_table(run)
    out += curve_table(figures.get("curve") or [])
    return out
