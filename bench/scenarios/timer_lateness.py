"""Live timer lateness on an idle stack: deadline → ``DELIVERY_DELAYED`` received.

``--quiet-timers`` timer shipments (``shipment.created`` with ``expectedDelivery`` = now +
U(``--timer-lead-min``, ``--timer-lead-max``), nothing after it) over ~``--quiet-seconds``, with
only 2 trigger events/s (their alert latency is the idle figure). Lateness = arrival of the
alert − deadline (``expectedDelivery`` + grace), both wall clock; the tick interval and hold-back
are the product's unless ``--tick-interval`` / ``--tick-holdback``. The same figure under load
comes from alert_latency's timer shipments.
"""

from __future__ import annotations

import argparse
import warnings

from bench.alerting.analysis import analyse
from bench.alerting.stack import add_stack_arguments, run_stack
from bench.scenarios.scenario import Figures, Scenario


def measure(args: argparse.Namespace) -> Figures:
    warnings.simplefilter("ignore")
    run = analyse(run_stack(args, "quiet", 0.0, 0.0, quiet=True, load=False))
    options = {
        k: getattr(args, k)
        for k in (
            "quiet_timers",
            "quiet_seconds",
            "quiet_grace",
            "timer_lead_min",
            "timer_lead_max",
            "grace",
            "tick_interval",
            "tick_holdback",
            "seed",
        )
    }
    return {"options": options, "runs": [run]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet-timers", type=int, default=30, help="timer shipments (default 30)")
    parser.add_argument("--quiet-seconds", type=float, default=15.0, help="spread of the timer shipments (s)")
    parser.add_argument(
        "--quiet-grace", type=float, default=15.0, help="wait this long past the last expected tick (s)"
    )
    add_stack_arguments(parser)


SCENARIO = Scenario(
    name="timer_lateness",
    title="live timer lateness (deadline → DELIVERY_DELAYED received) on an idle stack",
    add_arguments=add_arguments,
    measure=measure,
    quick={"quiet_timers": 5, "quiet_seconds": 5, "quiet_grace": 10, "timer_lead_min": 2, "timer_lead_max": 4},
)
