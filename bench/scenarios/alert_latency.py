"""Alert latency under load: event produced → alert received from ``alerts``, live stack.

``--seconds`` at ``--rate`` events/s in all: the live simulation (``live_simulation``, no faults:
the stream ``demo`` produces), with ``--trigger-rate`` of the events replaced by trigger events
(bench/alerting/triggers.py), plus one timer shipment every ``--timer-every`` seconds (their
lateness under load is reported with timer_lateness's quiet figures). If the run does not keep
up, a second run on a fresh broker at ``--fallback-rate`` for ``--fallback-seconds`` follows.

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


def options(args: argparse.Namespace) -> dict[str, Any]:
    keep = (
        "rate seconds fallback_rate fallback_seconds trigger_rate timer_every timer_lead_min timer_lead_max "
        "grace tick_interval tick_holdback drain_timeout seed"
    )
    return {k: getattr(args, k) for k in keep.split()}


def measure(args: argparse.Namespace) -> Figures:
    if not 0 < args.trigger_rate < min(args.rate, args.fallback_rate or args.rate):
        raise SystemExit("error: --trigger-rate must be positive and below --rate and --fallback-rate")
    warnings.simplefilter("ignore")
    first = analyse(run_stack(args, "first", args.rate, args.seconds, quiet=False, load=True))
    runs = [first]
    log(f"first run {'kept up' if first['sustained'] else 'fell behind'}")
    if not first["sustained"] and args.fallback_rate > 0:
        second = analyse(run_stack(args, "fallback", args.fallback_rate, args.fallback_seconds, quiet=False, load=True))
        runs.append(second)
        log(f"fallback run {'kept up' if second['sustained'] else 'fell behind'}")
    return {"options": options(args), "runs": runs}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=2000.0, help="events/s in all during the load (default 2000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load (default 60)")
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
    quick={"rate": 200, "seconds": 10, "fallback_rate": 0, "timer_lead_min": 2, "timer_lead_max": 4},
)
