"""`supplylake run`: bounded file replay through every pipeline into the lake."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supplylake.cli.options import DataDirOption, InstancesOption, settings_for
from supplylake.cli.terminal import TerminalReporter


def run(
    input_file: Annotated[
        Path,
        typer.Option(
            "--input", "-i", help="JSON-lines file of events (e.g. from `supplylake simulate --out`).", dir_okay=False
        ),
    ],
    data_dir: DataDirOption = None,
    reorder_points: Annotated[
        Path | None,
        typer.Option(
            "--reorder-points",
            help="CSV with columns sku,reorder_point (the simulator writes skus.csv).",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(help="Seconds to wait for the pipelines to catch up (default: 120 + 1 s per 500 lines).", min=1),
    ] = None,
    instances: InstancesOption = 1,
) -> None:
    """Replay a file through every pipeline into the lake, print a summary, exit.

    Starts the embedded broker unless SUPPLYLAKE_KAFKA_BROKERS is set. Lines that are not JSON
    or have no known eventType go to the dead letters with the reason and their line number.
    """
    settings = settings_for(data_dir)
    if not input_file.is_file():
        raise typer.BadParameter(f"{input_file} does not exist", param_hint="'--input'")
    # Imported here: `supplylake --help` and the other commands need none of the replay's code.
    from supplylake.orchestration.bounded_replay import replay_into_lake

    replay_into_lake(
        settings,
        input_file,
        reorder_points=reorder_points,
        timeout_s=timeout,
        reporter=TerminalReporter(),
        instances=instances,
    )
