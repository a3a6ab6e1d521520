"""`supplylake plan --watch`: the planning jobs again whenever their inputs change, until stopped.

Every ``SUPPLYLAKE_DEMAND__PLAN_WATCH_INTERVAL_S`` (default 2 s) the watch reads the current
snapshot id of each input table from the catalog (table metadata only, no data files):

- ``demand_forecast`` changed (the demand pipeline closed a day): the replenishment review;
- ``supplier_events`` or ``external_signals`` changed: the disruption assessment of the signals
  not assessed yet;
- then, with a restock webhook configured, the suggestions not delivered yet are sent.

So a signal is assessed a look interval after the pipeline that lands it commits (its commit
interval: live, ``SUPPLYLAKE_LAKE__LIVE_COMMIT_INTERVAL_S``), plus the assessment itself. Each
job is the one ``supplylake plan`` runs, exactly once per day and per signal; the watch adds no
state of its own (a restarted watch starts with a full pass). A pass that fails with a
retryable error (a commit conflict, a webhook that does not answer) is logged and tried again at
the next look; any other error ends the watch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from supplylake.errors import RetryableError
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import DEMAND_FORECAST, EXTERNAL_SIGNALS, SUPPLIER_EVENTS
from supplylake.logs import get_logger
from supplylake.planning.disruption import AssessmentSummary, assess
from supplylake.planning.restock import DeliverySummary, deliver
from supplylake.planning.review import NothingToReview, ReviewSummary, review
from supplylake.query import LakeReader
from supplylake.settings import Settings

log = get_logger(__name__)

REVIEW_INPUTS = (DEMAND_FORECAST.name,)
ASSESSMENT_INPUTS = (SUPPLIER_EVENTS.name, EXTERNAL_SIGNALS.name)


@dataclass(frozen=True)
class PlanPass:
    """What one pass did; a job that did not run is None."""

    review: ReviewSummary | None = None
    assessment: AssessmentSummary | None = None
    delivery: DeliverySummary | None = None


def snapshot_ids(settings: Settings, tables: tuple[str, ...]) -> dict[str, int | None]:
    """The current snapshot id of each table (None: no table, or no snapshot yet)."""
    catalog = catalog_for(settings)
    namespace = settings.catalog.namespace
    found: dict[str, int | None] = {}
    for name in tables:
        if not catalog.table_exists((namespace, name)):
            found[name] = None
            continue
        snapshot = catalog.load_table((namespace, name)).current_snapshot()
        found[name] = None if snapshot is None else snapshot.snapshot_id
    return found


def watch(settings: Settings, stop: threading.Event) -> Iterator[PlanPass]:
    """Yield each pass that ran a job, until ``stop`` is set (module docstring)."""
    seen: dict[str, int | None] = {}
    deliver_pending = True
    # One lake connection for the assessments, refreshed when signals change: opening one costs
    # more than the check for new signals it serves.
    reader = LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)
    con: duckdb.DuckDBPyConnection | None = None
    try:
        while not stop.is_set():
            now = snapshot_ids(settings, REVIEW_INPUTS + ASSESSMENT_INPUTS)
            changed = {name for name, snapshot in now.items() if name not in seen or seen[name] != snapshot}
            assessed: AssessmentSummary | None = None
            try:
                reviewed = _review(settings) if changed & set(REVIEW_INPUTS) else None
                if changed & set(ASSESSMENT_INPUTS):
                    if con is None:
                        con = reader.connect()
                    else:
                        reader.refresh(con)
                    assessed = assess(settings, con=con)
                if reviewed is not None and reviewed.suggestions:
                    deliver_pending = True
                delivered = deliver(settings) if deliver_pending else None
            except RetryableError as exc:
                log.warning("plan pass failed, trying again at the next look", error=exc.one_line())
            else:
                seen = now
                deliver_pending = False
                if reviewed is not None or assessed is not None or delivered is not None:
                    yield PlanPass(reviewed, assessed, delivered)
            stop.wait(settings.demand.plan_watch_interval_s)
    finally:
        if con is not None:
            con.close()


def _review(settings: Settings) -> ReviewSummary | None:
    try:
        return review(settings)
    except NothingToReview:
        return None  # the pipelines have not written its tables yet: looked at again when they do
