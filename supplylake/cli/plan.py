"""`supplylake plan`: the daily replenishment review over the lake (suggestions, STOCKOUT_RISK)
and the disruption impact assessment of new signals (DISRUPTION_IMPACT)."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from supplylake.cli.options import DataDirOption, settings_for

if TYPE_CHECKING:
    from supplylake.planning.disruption import AssessmentSummary
    from supplylake.planning.restock import DeliverySummary
    from supplylake.planning.review import ReviewSummary
    from supplylake.settings import Settings


def plan(
    data_dir: DataDirOption = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="keep planning: look for changed inputs every SUPPLYLAKE_DEMAND__PLAN_WATCH_INTERVAL_S (default 2 s) "
            "and run what they call for, until Ctrl-C or SIGTERM (what the live demo runs)",
        ),
    ] = False,
) -> None:
    """Review every day the demand pipeline closed since the last review: a replenishment
    suggestion and a STOCKOUT_RISK alert per warehouse x SKU whose inventory position fell below
    its reorder point (once per episode), in replenishment_suggestions and alerts. Rerun it any
    time: days already reviewed are not reviewed again. Then every disruption signal (supplier
    lead-time change, port closure, weather alert) not assessed yet gets its disruption impact per
    warehouse x SKU whose open PO lines it delays
    (disruption_impacts, projected_inventory, DISRUPTION_IMPACT alerts). With SUPPLYLAKE_DEMAND__RESTOCK_WEBHOOK_URL
    set, every suggestion not sent yet is then POSTed to it, once."""
    from supplylake.planning.disruption import assess
    from supplylake.planning.restock import deliver
    from supplylake.planning.review import review

    settings = settings_for(data_dir)
    if watch:
        _watch(settings)
        return
    summary = review(settings)
    _say_review(summary)
    _say_assessment(assess(settings))
    _say_delivery(deliver(settings))


def _watch(settings: Settings) -> None:
    from supplylake.planning.watch import watch

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    typer.echo("plan: watching the lake for new days and disruption signals; Ctrl-C stops")
    try:
        for done in watch(settings, stop):
            if done.review is not None and done.review.days:
                _say_review(done.review)
            if done.assessment is not None:
                _say_assessment(done.assessment)
            if done.delivery is not None and done.delivery.delivered:
                _say_delivery(done.delivery)
    except KeyboardInterrupt:
        pass
    typer.echo("plan: stopped watching")


def _say_delivery(sent: DeliverySummary | None) -> None:
    if sent is not None:
        typer.echo(f"restock webhook {sent.endpoint}: {sent.delivered} suggestion(s) delivered ({sent.attempts} POSTs)")


def _say_review(summary: ReviewSummary) -> None:
    from supplylake.event_time import DAY_MS, from_epoch_ms

    if not summary.days:
        typer.echo("plan: nothing new to review (every day with a forecast is reviewed)")
        return
    first, last = (from_epoch_ms(d * DAY_MS).date().isoformat() for d in (summary.days[0], summary.days[-1]))
    typer.echo(
        f"plan: reviewed {len(summary.days)} day(s), {first} .. {last}: {summary.reviews} warehouse x SKU plans, "
        f"{summary.suggestions} suggestion(s) (STOCKOUT_RISK)"
    )
    skipped = summary.without_stock + summary.without_supplier
    if skipped:
        typer.echo(
            f"plan: {skipped} forecast key-day(s) not reviewed: {summary.without_stock} with no stock level, "
            f"{summary.without_supplier} with no supplier (no PO line yet)"
        )


def _say_assessment(summary: AssessmentSummary) -> None:
    if summary.signals:
        typer.echo(
            f"plan: assessed {summary.signals} disruption signal(s): {summary.impacts} warehouse x SKU impact(s), "
            f"{summary.alerts} DISRUPTION_IMPACT alert(s)"
        )
