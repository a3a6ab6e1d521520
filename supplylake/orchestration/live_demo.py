"""`supplylake demo`: the whole product on one machine, live.

First a history of ``history_days`` (see :mod:`~supplylake.orchestration.demo_history`; skipped
when the lake already holds data), replayed into the lake. Then the broker (embedded unless
configured), every pipeline in :attr:`RunMode.LIVE`, the live planner (``supplylake plan
--watch``: the daily review and the disruption impact of each new signal), the simulator producing at a steady rate
with event time tracking the wall clock (from the history's end on), and the dashboard. With a
bounded number of events it waits until the lake holds them all and prints a summary; without
the dashboard (headless) it then exits, otherwise everything keeps running until Ctrl-C.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from datetime import UTC, datetime

from supplylake.broker.connection import connect
from supplylake.ingest.simulated import live_simulation, produce_paced, write_side_files
from supplylake.orchestration.dashboard import running_dashboard
from supplylake.orchestration.demo_history import (
    DEFAULT_HISTORY_DAYS,
    lake_holds_data,
    live_start,
    load_history,
    plan_history,
)
from supplylake.orchestration.launch import PLANNER, running_pipelines
from supplylake.orchestration.progress import wait_until_pipelines_committed
from supplylake.orchestration.reporting import QuietReporter, Reporter
from supplylake.pipelines.run_mode import RunMode
from supplylake.reports import lake_summary
from supplylake.settings import Settings
from supplylake.simulator import FaultConfig


def commit_timeout_s(events: int) -> float:
    """How long the pipelines get to commit a bounded demo: 120 s plus 1 s per 200 events."""
    return 120 + events / 200


def run_demo(
    settings: Settings,
    *,
    events: int | None,
    rate: float,
    seed: int,
    headless: bool,
    port: int,
    reporter: Reporter | None = None,
    instances: int = 1,
    history_days: int = DEFAULT_HISTORY_DAYS,
) -> None:
    reporter = reporter or QuietReporter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    plan = plan_history(history_days, datetime.now(UTC), settings.data_dir)
    if plan is not None and lake_holds_data(settings):
        reporter.say(
            f"history: skipped, the lake in {settings.data_dir} already holds data "
            "(a history behind it would arrive as late events; use a new --data-dir for one)"
        )
        plan = None
    if plan is not None:
        try:
            load_history(settings, plan, seed=seed, reporter=reporter, instances=instances)
        except KeyboardInterrupt:
            reporter.say("stopping")
            return
    sim = live_simulation(seed, rate, FaultConfig(), start=live_start(datetime.now(UTC), plan.end if plan else None))
    sim.world.write_reference(settings.data_dir / "reference")
    skus = settings.data_dir / "reference" / "skus.csv"
    stop = threading.Event()
    with (
        connect(settings) as connection,
        running_pipelines(settings, connection, RunMode.LIVE, skus, instances, commands=PLANNER) as supervisor,
        ExitStack() as dashboard,
    ):
        try:
            if not headless:
                dashboard.enter_context(running_dashboard(settings, port))
                reporter.say(f"dashboard: http://localhost:{port}")
            where = "embedded broker (memory only)" if connection.embedded else "Kafka"
            reporter.say(
                f"{where} at {connection.bootstrap}; simulating {events or 'unbounded'} events at {rate:g}/s; "
                "Ctrl-C stops"
            )
            result = produce_paced(sim.events(max_events=events), connection, settings.topics, rate=rate, stop=stop)
            write_side_files(sim, settings.data_dir)
            if events is not None:
                with reporter.progress() as update:
                    update("committing", 0, None)
                    wait_until_pipelines_committed(
                        connection,
                        settings,
                        result.end_offsets,
                        timeout_s=commit_timeout_s(events),
                        check=supervisor.check,
                        on_progress=lambda done, total: update("committing", done, total),
                    )
                reporter.say(f"produced {result.produced} events")
                reporter.say(lake_summary(settings))
            if not headless:
                reporter.say("pipelines and dashboard keep running; Ctrl-C stops")
                while not stop.wait(1.0):
                    supervisor.check()
        except KeyboardInterrupt:
            stop.set()
            reporter.say("stopping")
