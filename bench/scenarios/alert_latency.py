"""Alert latency under load: event produced → alert received from ``alerts``, live stack.

``--seconds`` at ``--rate`` events/s in all: the live simulation (``live_simulation``, no faults:
the stream ``demo`` produces), with ``--trigger-rate`` of the events replaced by trigger events
(bench/alerting/triggers.py), plus one timer shipment every ``--timer-every`` seconds (their
lateness under load is reported with timer_lateness's quiet figures). If the run does not keep
up, a second run on a fresh broker at ``--fallback-rate`` for ``--fallback-seconds`` follows.

Issue 8 target 3 ("fresh under load"): by default the steady load (5,000/s for 300 s) is followed
by a burst (``--burst-factor`` × the rate for ``--burst-seconds``) and ``--after-burst-seconds``
back at the rate; reported are freshness per event table (produced → visible in a DuckDB query of
the lake), backlog over time and whether it grows, the burst's drain time, and that every
produced event is in the lake exactly once. ``--commit-curve N,N,…`` adds shorter runs
(``--curve-seconds``, no burst) with ``SUPPLYLAKE_LAKE__LIVE_COMMIT_RECORDS`` = each N: freshness
and pipeline CPU against the commit size.

Kept up = produce rate ≥ 97 % of the target, each pipeline's uncommitted backlog ≤ 2 s of input
when production stops, the last 10 s window's trigger p50 not above twice the first's, and
everything drained within ``--drain-timeout``.
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from bench.alerting.analysis import analyse
from bench.alerting.stack import add_stack_arguments, run_stack
from bench.harness.console import log
from bench.scenarios.scenario import Figures, Scenario

CURVE_ENV = "SUPPLYLAKE_LAKE__LIVE_COMMIT_RECORDS"
PIPELINE_PROCS = ("inventory", "shipments", "orders")


def options(args: argparse.Namespace) -> dict[str, Any]:
    keep = (
        "rate seconds fallback_rate fallback_seconds trigger_rate timer_every timer_lead_min timer_lead_max "
        "grace tick_interval tick_holdback drain_timeout seed burst_factor burst_seconds after_burst_seconds "
        "commit_curve curve_seconds fresh_poll"
    )
    return {k: getattr(args, k) for k in keep.split()}


def curve_point(commit_records: int, run: dict[str, Any]) -> dict[str, Any]:
    """One point of the freshness / commit-size curve: freshness, pipeline CPU, backlog verdict."""
    fresh = run["freshness"].get("steady", {}).get("all", {})
    cpu = run["cpu"].get("load", {})
    wall = cpu.get("_wall") or float("nan")
    return {
        "commit_records": commit_records,
        "rate": run["rate"],
        "seconds": run["seconds"],
        "achieved": run["achieved"],
        "fresh_p50": fresh.get("p50", float("nan")),
        "fresh_p99": fresh.get("p99", float("nan")),
        "not_visible": fresh.get("not_visible", 0),
        "pipeline_cores": sum(cpu.get(p, 0.0) for p in PIPELINE_PROCS) / wall,
        "cores": {p: cpu.get(p, 0.0) / wall for p in PIPELINE_PROCS},
        "backlog_grows": run["backlog"]["grows"],
        "sustained": run["sustained"],
        "notes": run["notes"],
    }


def commit_curve(args: argparse.Namespace) -> list[dict[str, Any]]:
    points = []
    for n in args.commit_curve:
        label = f"commit-{n}"
        run = analyse(
            run_stack(args, label, args.rate, args.curve_seconds, quiet=False, load=True, extra_env={CURVE_ENV: str(n)})
        )
        points.append(curve_point(n, run))
        p = points[-1]
        log(
            f"[{label}] freshness p50 {p['fresh_p50'] / 1000:.2f} s p99 {p['fresh_p99'] / 1000:.2f} s, "
            f"pipelines {p['pipeline_cores']:.2f} cores"
        )
    return points


def parse_curve(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def measure(args: argparse.Namespace) -> Figures:
    if not 0 < args.trigger_rate < min(args.rate, args.fallback_rate or args.rate):
        raise SystemExit("error: --trigger-rate must be positive and below --rate and --fallback-rate")
    warnings.simplefilter("ignore")
    first = analyse(run_stack(args, "first", args.rate, args.seconds, quiet=False, load=True, burst=True))
    runs = [first]
    log(f"first run {'kept up' if first['sustained'] else 'fell behind'}")
    if not first["sustained"] and args.fallback_rate > 0:
        second = analyse(run_stack(args, "fallback", args.fallback_rate, args.fallback_seconds, quiet=False, load=True))
        runs.append(second)
        log(f"fallback run {'kept up' if second['sustained'] else 'fell behind'}")
    return {"options": options(args), "runs": runs, "curve": commit_curve(args) if args.commit_curve else []}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=5000.0, help="events/s in all during the load (default 5000)")
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the steady load (default 300)")
    parser.add_argument(
        "--burst-factor", type=float, default=10.0, help="after the steady load, this × the rate (default 10; ≤1: none)"
    )
    parser.add_argument("--burst-seconds", type=float, default=30.0, help="length of the burst (default 30; 0: none)")
    parser.add_argument(
        "--after-burst-seconds", type=float, default=60.0, help="the rate again after the burst (default 60)"
    )
    parser.add_argument(
        "--commit-curve",
        type=parse_curve,
        default=[],
        help=f"also runs of --curve-seconds (no burst) with {CURVE_ENV} = each value, e.g. 1000,2500,5000,10000",
    )
    parser.add_argument("--curve-seconds", type=float, default=60.0, help="length of each commit-curve run")
    parser.add_argument(
        "--fallback-rate",
        type=float,
        default=200.0,
        help="second run at this rate if the first falls behind (default 200, demo's rate; 0: none)",
    )
    parser.add_argument("--fallback-seconds", type=float, default=30.0, help="length of the fallback load (default 30)")
    parser.add_argument(
        "--trigger-rate", type=float, default=20.0, help="trigger events/s within the rate (default 20)"
    )
    parser.add_argument("--timer-every", type=float, default=1.0, help="one timer shipment every N s of a load")
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="give the pipelines this long to catch up (s)"
    )
    add_stack_arguments(parser)


SCENARIO = Scenario(
    name="alert_latency",
    title="alert latency (event produced → alert received) with all pipelines live under load",
    add_arguments=add_arguments,
    measure=measure,
    quick={
        "rate": 500,
        "seconds": 45,
        "burst_factor": 3,
        "burst_seconds": 10,
        "after_burst_seconds": 15,
        "fallback_rate": 0,
        "timer_lead_min": 2,
        "timer_lead_max": 4,
        "curve_seconds": 20,
    },
)
