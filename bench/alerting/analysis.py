"""From one stack life's raw records to its figures (JSON-ready; the renderer takes percentiles).

- alert latency: trigger alerts are checked against their exact expected id (a lost alert is
  counted as "not received"); alerts the simulated stream raised are matched through
  ``details.source_event_id``;
- timer lateness: arrival of a timer shipment's ``DELIVERY_DELAYED`` − its deadline, split into
  waiting for a tick (the alert record's Kafka timestamp, which Quix copies from the firing tick)
  and tick → received;
- the measurement floor (probe records), and each pipeline's backlog and commit rate.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.alerting.consumer import Received
from bench.alerting.fullload import (
    backlog_series,
    backlog_verdict,
    drain_thresholds,
    drain_time,
    freshness_figures,
    input_rates,
)
from bench.alerting.stack import LiveRun
from bench.alerting.triggers import PROBE_TOPIC
from bench.harness.stats import NAN, pct

INF = float("inf")
WINDOW_S = 10


@dataclass
class Latencies:
    """Latencies of received alerts plus the count never received (infinitely late for percentiles)."""

    values: list[float] = field(default_factory=list)
    missing: int = 0

    def with_missing(self) -> list[float]:
        return self.values + [INF] * self.missing

    def p50(self) -> float:
        return pct(self.with_missing(), 50)

    def figures(self) -> dict[str, Any]:
        return {"values": self.values, "missing": self.missing}


def _details(alert: dict[str, Any]) -> dict[str, Any]:
    details = alert.get("details")
    if isinstance(details, str):
        parsed: dict[str, Any] = json.loads(details)
        return parsed
    return details or {}


class Analysis:
    def __init__(self, run: LiveRun) -> None:
        self.run = run
        self.first: dict[str, tuple[Received, dict[str, Any]]] = {}
        self.copies: Counter[str] = Counter()
        self.probes: dict[str, list[float]] = defaultdict(list)
        for rec in run.received:
            if rec.topic == PROBE_TOPIC:
                sent = float(rec.value)
                self.probes[self.phase_at(sent)].append(rec.recv_ms - sent)
            elif rec.topic == run.alerts_topic:
                alert = json.loads(rec.value)
                self.copies[alert["alert_id"]] += 1
                self.first.setdefault(alert["alert_id"], (rec, alert))

    def phase_at(self, ms: float) -> str:
        run = self.run
        if run.load_start_ms and ms >= run.load_start_ms:
            return "load" if ms <= run.load_end_ms else "drain"
        return "quiet" if run.quiet_start_ms and ms >= run.quiet_start_ms else "warm-up"

    def triggers(self) -> tuple[dict[str, dict[str, Latencies]], dict[str, dict[int, Latencies]], list[float]]:
        """(phase -> group -> latencies, family -> 10 s window of the load -> latencies, cross-check)."""
        run = self.run
        trig: dict[str, dict[str, Latencies]] = defaultdict(lambda: defaultdict(Latencies))
        by_window: dict[str, dict[int, Latencies]] = defaultdict(lambda: defaultdict(Latencies))
        cross: list[float] = []
        for exp in run.produced.expected.values():
            got = self.first.get(exp.alert_id)
            groups = (exp.alert_type, exp.family, "all triggers")
            window = int((exp.ref_ms - run.load_start_ms) // (WINDOW_S * 1000)) if exp.phase == "load" else None
            targets = [trig[exp.phase][g] for g in groups]
            if window is not None:
                targets.append(by_window[exp.family][window])
            if got is None:
                for t in targets:
                    t.missing += 1
                continue
            rec, _ = got
            for t in targets:
                t.values.append(rec.recv_ms - exp.ref_ms)
            cross.append(abs(rec.kafka_ts - exp.ref_ms))
        return trig, by_window, cross

    def simulated(self) -> tuple[dict[str, dict[str, list[float]]], Counter[str], Counter[str], dict[str, Any]]:
        """Alerts the simulated stream raised (phase -> type -> latencies), unmatched, other timers, our timers."""
        run = self.run
        other: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        unmatched: Counter[str] = Counter()
        other_timer: Counter[str] = Counter()
        timer_alerts: dict[str, tuple[Received, dict[str, Any]]] = {}
        for aid, (rec, alert) in self.first.items():
            details = _details(alert)
            kind = alert["alert_type"]
            if kind in ("DELIVERY_DELAYED", "NO_TRACKING_UPDATE"):
                if kind == "DELIVERY_DELAYED" and alert["entity_id"] in run.produced.timer_deadlines:
                    timer_alerts[alert["entity_id"]] = (rec, details)
                else:
                    other_timer[kind] += 1
                continue
            if aid in run.produced.expected:
                continue
            source = details.get("source_event_id")
            produced = run.produced.produced_at.get(source) if source else None
            phase = run.produced.phase_of_event.get(source, "?") if source else "?"
            if produced is None or phase not in ("load", "burst", "quiet"):
                unmatched[kind] += 1
                continue
            other[phase][kind].append(rec.recv_ms - produced)
        return other, unmatched, other_timer, timer_alerts

    def timers(self, timer_alerts: dict[str, Any]) -> dict[str, Any]:
        late: dict[str, Latencies] = defaultdict(Latencies)
        wait_tick: dict[str, list[float]] = defaultdict(list)
        after_tick: dict[str, list[float]] = defaultdict(list)
        wrong_deadline = 0
        for shipment, (deadline, phase) in self.run.produced.timer_deadlines.items():
            got = timer_alerts.get(shipment)
            if got is None:
                late[phase].missing += 1
                continue
            rec, details = got
            if int(details.get("deadline_ms", -1)) != int(deadline):
                wrong_deadline += 1
            late[phase].values.append(rec.recv_ms - deadline)
            wait_tick[phase].append(rec.kafka_ts - deadline)  # the firing tick's CreateTime (Quix copies it)
            after_tick[phase].append(rec.recv_ms - rec.kafka_ts)
        return {
            "late": {p: v.figures() for p, v in late.items()},
            "wait_tick": dict(wait_tick),
            "after_tick": dict(after_tick),
            "wrong_deadline": wrong_deadline,
        }

    def pipelines(self) -> dict[str, Any]:
        """Backlog and committed records/s per pipeline, by 10 s window of the load and after it."""
        run = self.run
        load_s = (run.load_end_ms - run.load_start_ms) / 1000
        steady_s = steady_seconds(run)
        lag_end = next((s for s in run.lag if s.t >= steady_s), None)
        groups = list(run.lag[0].lag) if run.lag else []
        lag_max = {g: max((s.lag.get(g, 0) for s in run.lag if s.t <= steady_s + 1), default=0) for g in groups}
        rates: dict[str, float] = {}
        in_load = [s for s in run.lag if 0 <= s.t <= steady_s + 0.5]
        if len(in_load) >= 2:
            a, b = in_load[0], in_load[-1]
            rates = {g: (b.committed[g] - a.committed[g]) / (b.t - a.t) for g in a.committed}
        rate_windows: dict[int, dict[str, float]] = {}
        samples = [s for s in run.lag if s.t >= 0]
        for w in range(int((samples[-1].t if samples else 0) // WINDOW_S) + 1):
            inside = [s for s in samples if w * WINDOW_S <= s.t < (w + 1) * WINDOW_S]
            before = [s for s in samples if s.t < w * WINDOW_S]
            if not inside:
                continue
            a = before[-1] if before else inside[0]
            b = inside[-1]
            if b.t > a.t:
                rate_windows[w] = {g: (b.committed[g] - a.committed[g]) / (b.t - a.t) for g in b.committed}
        drain_rate = {}
        after = [s for s in run.lag if s.t >= load_s]
        if len(after) >= 2 and after[-1].t > after[0].t:
            span = after[-1].t - after[0].t
            drain_rate = {g: (after[-1].committed[g] - after[0].committed[g]) / span for g in after[0].committed}
        return {
            "load_s": load_s,
            "steady_s": steady_s,
            "lag_end": lag_end.lag if lag_end else None,
            "lag_max": lag_max,
            "rates": rates,
            "rate_windows": rate_windows,
            "drain_rate": drain_rate,
        }


def steady_seconds(run: LiveRun) -> float:
    """Seconds from the load's start to the end of its steady segment (the whole load without one)."""
    steady = next((seg for seg in run.segments if seg["label"] == "steady"), None)
    end_ms = steady["end_ms"] if steady else run.load_end_ms
    return (end_ms - run.load_start_ms) / 1000


def full_load(run: LiveRun) -> dict[str, Any]:
    """Freshness per event table, backlog over time and its verdict, the burst's drain time, completeness."""
    steady_s = steady_seconds(run)
    phases = {"steady": (run.load_start_ms, run.load_start_ms + steady_s * 1000)}
    by_id = {
        t: (run.produced.ids_by_table.get(t, []), run.produced.produced_at, first)
        for t, first in run.lake_first_seen.items()
    }
    burst = next((seg for seg in run.segments if seg["label"] == "burst"), None)
    if burst is not None:
        phases["burst and after"] = (burst["start_ms"], run.load_end_ms)
    figures: dict[str, Any] = {
        "segments": run.segments,
        "extra_env": run.extra_env,
        "freshness": freshness_figures(run.produced.delivered, run.lake_seen, phases, by_id) if run.lake_seen else {},
        "lake_polls": run.lake_polls,
        "lake_poll_ms_p50": pct(run.lake_poll_ms, 50),
        "backlog": backlog_verdict(run.lag, steady_s),
        "backlog_series": backlog_series(run.lag),
        "lake_counts": run.lake_counts,
    }
    if burst is not None:
        burst_end_s = (burst["end_ms"] - run.load_start_ms) / 1000
        rates = input_rates(run.lag, 0.0, steady_s)
        thresholds = drain_thresholds(run.lag, steady_s, rates)
        figures["burst"] = {
            "factor": burst["rate"] / run.rate if run.rate else NAN,
            "seconds": burst["seconds"],
            "achieved": burst["produced"] / max((burst["end_ms"] - burst["start_ms"]) / 1000, 1e-9),
            "drain_s": drain_time(run.lag, burst_end_s, thresholds),
            "drained_below": thresholds,
            "end_s": burst_end_s,
            "lag_max": {g: max((s.lag.get(g, 0) for s in run.lag if s.t >= steady_s), default=0) for g in rates},
        }
    return figures


def analyse(run: LiveRun) -> dict[str, Any]:
    """The figures of one stack life, with its verdict (``sustained``) for the load."""
    analysis = Analysis(run)
    trig, by_window, cross = analysis.triggers()
    other, unmatched, other_timer, timer_alerts = analysis.simulated()
    pipelines = analysis.pipelines()
    steady_s = pipelines["steady_s"]
    steady = next((seg for seg in run.segments if seg["label"] == "steady"), None)
    produced = steady["produced"] if steady else run.load_produced
    achieved = produced / steady_s if steady_s else 0.0
    lag_end = pipelines["lag_end"]
    keeps_up = lag_end is not None and all(v <= 2 * run.rate for v in lag_end.values())
    last_w = max((w for windows in by_window.values() for w in windows if w < steady_s // WINDOW_S), default=0)
    growing = last_w > 0 and any(
        last_w in windows and 0 in windows and windows[last_w].p50() > 2 * max(windows[0].p50(), 1000)
        for windows in by_window.values()
    )
    sustained = achieved >= 0.97 * run.rate and keeps_up and not growing and run.drained
    return {
        "label": run.label,
        "rate": run.rate,
        "seconds": run.seconds,
        "tick_interval_s": run.tick_interval_s,
        "tick_holdback_s": run.tick_holdback_s,
        "sustained": sustained,
        "achieved": achieved,
        "keeps_up": keeps_up,
        "growing": growing,
        "drained": run.drained,
        "drain_s": run.drain_s,
        "load_produced": run.load_produced,
        "load_sim": run.load_sim,
        "load_triggers": run.load_triggers,
        "load_timers": run.load_timers,
        "produced_by_topic": dict(sorted(run.produced.by_topic.items())),
        "trig": {p: {g: v.figures() for g, v in groups.items()} for p, groups in trig.items()},
        "by_window": {f: {w: v.figures() for w, v in ws.items()} for f, ws in by_window.items()},
        "cross": cross,
        "other": {p: dict(kinds) for p, kinds in other.items()},
        "unmatched": dict(unmatched),
        "other_timer": dict(other_timer),
        **analysis.timers(timer_alerts),
        "probes": dict(analysis.probes),
        "duplicates": sum(c - 1 for c in analysis.copies.values() if c > 1),
        "alerts": len(analysis.first),
        "records": sum(analysis.copies.values()),
        **pipelines,
        **full_load(run),
        "cpu": run.cpu,
        "peak_rss": run.peak_rss,
        "restarts": run.restarts,
        "startup_s": run.startup_s,
        "sim_event_span_s": run.sim_event_span_s,
        "total_s": run.total_s,
        "notes": run.notes,
        "code": list(run.code),
    }
