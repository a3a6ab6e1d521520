"""`supplylake demo`: the whole product on one machine, live (supplylake/orchestration/live_demo.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from supplylake.cli.options import DataDirOption, InstancesOption, settings_for
from supplylake.cli.terminal import TerminalReporter

# The demo's default history (supplylake.orchestration.demo_history.DEFAULT_HISTORY_DAYS, which a
# unit test keeps equal): not imported from there, `supplylake --help` loads none of the demo's code.
DEFAULT_HISTORY_DAYS = 60


def demo(
    data_dir: DataDirOption = None,
    events: Annotated[
        int | None, typer.Option(help="Stop after this many simulated events (default: run until Ctrl-C).", min=1)
    ] = None,
    rate: Annotated[float, typer.Option(help="Simulated events per second.", min=0.1)] = 200.0,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    headless: Annotated[
        bool, typer.Option("--headless", help="No dashboard; with --events, exit once the lake holds everything.")
    ] = False,
    port: Annotated[int, typer.Option(help="Dashboard port.", min=1, max=65535)] = 8501,
    instances: InstancesOption = 1,
    history_days: Annotated[
        int,
        typer.Option(
            help=(
                "Days of simulated history (as `simulate --days`) replayed into the lake before going live, "
                "ending now; 0 for none. Skipped when the lake already holds data. Loading takes about 20 s "
                "a day of history on 2 cores (60 days: ~20 min, 7 days: ~2.5 min)."
            ),
        ),
    ] = DEFAULT_HISTORY_DAYS,
) -> None:
    """Run everything on one machine: broker, simulator, pipelines, lake and dashboard."""
    if history_days < 0:
        raise typer.BadParameter(
            f"{history_days} is not a number of days: give 0 for no history or more, e.g. --history-days 7",
            param_hint="'--history-days'",
        )
    # Imported here: `supplylake --help` and the other commands need none of the demo's code.
    from supplylake.orchestration.live_demo import run_demo

    run_demo(
        settings_for(data_dir),
        events=events,
        rate=rate,
        seed=seed,
        headless=headless,
        port=port,
        reporter=TerminalReporter(),
        instances=instances,
        history_days=history_days,
    )
