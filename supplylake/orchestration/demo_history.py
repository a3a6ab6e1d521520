"""`demo --history-days N`: the lake starts with N days of simulated history, then goes live.

The history is the supplier-scoring history of ``simulate --days N`` (:func:`history_config`),
placed so that it ends now: it is written to ``<data dir>/history/`` and replayed through the
pipelines as a bounded replay (:func:`replay_into_lake`, deadlines on event time, one final
watermark), then the live simulator starts at the history's end or later
(:func:`live_start`). Event time never goes backwards between the two, so the live pipelines
see live events as the newest, not as late ones.

The history and the live stream share the seed's world (warehouses, SKUs, suppliers) but not
their identifiers (``SimulationConfig.run``): the lake keeps both. A lake that already holds
data (a demo restarted on its data dir) gets no history: replaying older event times behind
what it holds would make the pipelines take all of it for late events.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from supplylake.ingest.simulated import write_side_files
from supplylake.lake.catalog import catalog_for
from supplylake.orchestration.bounded_replay import replay_into_lake
from supplylake.orchestration.reporting import Reporter
from supplylake.planning.disruption import assess
from supplylake.planning.review import NothingToReview, review
from supplylake.settings import Settings
from supplylake.simulator import FaultConfig, Simulation, history_config, write_jsonl
from supplylake.training.late_delivery import NotEnoughHistory, train

DEFAULT_HISTORY_DAYS = 60
HISTORY_DIR = "history"
# Measured on the 2-core dev box (seed 7, one instance): a day of history is ~19.5k events (telemetry
# thinned) and takes ~21 s to generate and replay, after ~10 s to start the broker and pipelines
# (7 days: 148 s in all). Only for the estimate the demo prints before it starts.
EVENTS_PER_HISTORY_DAY = 19_500
SECONDS_PER_HISTORY_DAY = 21
STARTUP_S = 10


@dataclass(frozen=True)
class HistoryPlan:
    """The history to load: ``days`` of event time from ``start`` to ``end`` (UTC, whole seconds)."""

    days: int
    start: datetime
    end: datetime
    directory: Path

    @property
    def events_file(self) -> Path:
        return self.directory / f"history-{self.days}d.jsonl"

    @property
    def reorder_points(self) -> Path:
        """The history world's SKUs (its reorder points fit the history's demand, not the live one's)."""
        return self.directory / "reference" / "skus.csv"

    def estimated_s(self) -> int:
        """Roughly how long loading takes on a 2-core machine."""
        return STARTUP_S + self.days * SECONDS_PER_HISTORY_DAY

    def describe(self) -> str:
        minutes = max(1, round(self.estimated_s() / 60))
        return (
            f"{self.days} days of event time, {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC "
            f"(~{self.days * EVENTS_PER_HISTORY_DAY:,} events, about {minutes} min on 2 cores)"
        )


def plan_history(days: int, now: datetime, data_dir: Path) -> HistoryPlan | None:
    """The history ending at ``now`` (to the second), or None for ``days`` 0."""
    if days < 0:
        raise ValueError(f"history days must not be negative, got {days}")
    if days == 0:
        return None
    end = now.astimezone(UTC).replace(microsecond=0)
    return HistoryPlan(days, end - timedelta(days=days), end, data_dir / HISTORY_DIR)


def live_start(now: datetime, history_end: datetime | None) -> datetime:
    """Where live event time starts: now, but never before the history's end."""
    now = now.astimezone(UTC)
    if history_end is None or history_end <= now:
        return now
    return history_end.astimezone(UTC)


def lake_holds_data(settings: Settings) -> bool:
    """True when any table of the lake's namespace has a snapshot (something was committed)."""
    catalog = catalog_for(settings)
    namespace = settings.catalog.namespace
    for identifier in catalog.list_tables(namespace):
        if catalog.load_table(identifier).current_snapshot() is not None:
            return True
    return False


def history_simulation(plan: HistoryPlan, seed: int) -> Simulation:
    """The history of ``simulate --days`` moved to the plan's window, with its own identifiers."""
    config = history_config(seed, faults=FaultConfig())
    return Simulation(dataclasses.replace(config, start=plan.start, run=int(plan.start.timestamp())))


def load_history(settings: Settings, plan: HistoryPlan, *, seed: int, reporter: Reporter, instances: int = 1) -> float:
    """Generate the plan's history and replay it into the lake; returns the seconds it took."""
    began = time.monotonic()
    reporter.say(f"history: loading {plan.describe()}; this takes a while (--history-days 0 skips it)")
    plan.directory.mkdir(parents=True, exist_ok=True)
    sim = history_simulation(plan, seed)
    with reporter.progress() as update:
        update("generating history", 0, None)
        summary = write_jsonl(sim.events(until=plan.end), plan.events_file)
    write_side_files(sim, plan.directory)
    reporter.say(f"history: {summary.events} events generated in {time.monotonic() - began:.0f} s; replaying them")
    replay_into_lake(
        settings, plan.events_file, reorder_points=plan.reorder_points, reporter=reporter, instances=instances
    )
    # The lake holds it now; the file is only the replay's input (reference/ and erp/ stay).
    plan.events_file.unlink()
    took = time.monotonic() - began
    reporter.say(f"history: {plan.days} days ({summary.events} events) loaded in {took:.0f} s")
    review_history(settings, reporter)
    train_on_history(settings, reporter)
    return took


def train_on_history(settings: Settings, reporter: Reporter) -> None:
    """The late-delivery risk model of the history's shipments (what `supplylake train` does), so
    the live shipments are scored from the start; skipped when the history is too short."""
    try:
        with reporter.progress() as update:
            update("training the late-delivery model", 0, None)
            report = train(settings)
    except NotEnoughHistory:
        return
    reporter.say(
        f"history: late-delivery model {report.model.version} trained on {report.train_moments} moments "
        f"(held out: model F1 {report.model_holdout.f1 or 0:.2f}, rule F1 {report.rule_holdout.f1 or 0:.2f}); "
        "`supplylake sql --query shipments_most_at_risk --param top=20` ranks the live shipments"
    )


def review_history(settings: Settings, reporter: Reporter) -> None:
    """The replenishment review of the history's days and the disruption assessment of its
    signals (what `supplylake plan` does), so the demo opens with suggestions and impacts; skipped
    when the pipelines run lack their tables."""
    try:
        reviewed = review(settings)
    except NothingToReview:
        return
    reporter.say(
        f"history: replenishment review of {len(reviewed.days)} day(s): {reviewed.suggestions} suggestion(s) "
        "(STOCKOUT_RISK); `supplylake sql --query suggestions_to_place --param day=latest` lists them"
    )
    assessed = assess(settings)
    if assessed.signals:
        reporter.say(
            f"history: {assessed.signals} disruption signal(s) assessed: {assessed.impacts} warehouse x SKU "
            f"impact(s), {assessed.alerts} DISRUPTION_IMPACT alert(s); `supplylake sql --query disruption_impact "
            "--param signal=latest` shows the latest"
        )
