"""`supplylake train`: the late-delivery risk model, fitted on the lake's shipment history and
judged on held-out history next to the rule-based AT_RISK SLA state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from supplylake.cli.options import DataDirOption, settings_for

if TYPE_CHECKING:
    from supplylake.pipelines.shipments.risk import Confusion


def train(data_dir: DataDirOption = None) -> None:
    """Fit the late-delivery risk model on every finished shipment in the lake (the latest quarter
    of them held out), print its precision and recall on the held-out history next to the rule's
    (SLA state AT_RISK), and store it as a new version in shipment_risk_models."""
    from supplylake.training.late_delivery import train as fit_and_store

    report = fit_and_store(settings_for(data_dir))
    m, r = report.model_holdout, report.rule_holdout
    typer.echo(
        f"train: {report.model.version}: fitted on {report.train_moments} in-transit moments, judged on "
        f"{report.holdout_moments} held out ({report.holdout_late_share:.0%} of them late)"
    )
    typer.echo(f"train: model (score >= {report.model.threshold:.3f}): {_figures(m)}")
    typer.echo(f"train: rule (SLA state AT_RISK):  {_figures(r)}")
    if m.f1 is not None and r.f1 is not None:
        gap = m.f1 - r.f1
        verdict = f"beats the rule by {gap:.3f} F1" if gap > 0 else f"does not beat the rule: {-gap:.3f} F1 behind"
        typer.echo(f"train: the model {verdict}; stored in shipment_risk_models")


def _figures(c: Confusion) -> str:
    def share(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    return f"precision {share(c.precision)}, recall {share(c.recall)}, F1 {share(c.f1)} ({c.tp} of {c.tp + c.fn} late)"
