"""`supplylake run` (bounded file replay) and `supplylake demo` (the whole product, live)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from supplylake.broker.connection import BrokerConnection, connect
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.cli.options import DataDirOption, settings_for
from supplylake.ingest.intake import record_rejects
from supplylake.ingest.replay import replay_file
from supplylake.pipelines.control import broadcast_watermark
from supplylake.pipelines.progress import wait_until_pipelines_committed
from supplylake.pipelines.registry import PIPELINES, control_topics
from supplylake.pipelines.supervisor import Supervisor
from supplylake.reports import lake_summary
from supplylake.settings import Settings


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; silent otherwise (logs stay quiet)."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with progress:
        yield progress


def pipeline_env(
    settings: Settings, connection: BrokerConnection, reorder_points: Path | None, *, live: bool = True
) -> dict[str, str]:
    env: dict[str, str] = {}
    if connection.embedded:
        env["SUPPLYLAKE_KAFKA__EMBEDDED"] = "true"
    if not live:
        # A bounded replay runs on event time only (deterministic): no wall-clock ticks.
        env["SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S"] = "0"
    if reorder_points is not None:
        env["SUPPLYLAKE_INVENTORY__REORDER_POINTS_FILE"] = str(reorder_points.resolve())
    return env


@contextmanager
def running_pipelines(
    settings: Settings, connection: BrokerConnection, reorder_points: Path | None, *, live: bool = True
) -> Iterator[Supervisor]:
    ensure_topics(connection, all_topics(settings.topics), settings.topics)
    supervisor = Supervisor(
        PIPELINES,
        bootstrap=connection.bootstrap,
        data_dir=settings.data_dir.resolve(),
        extra_env=pipeline_env(settings, connection, reorder_points, live=live),
    )
    with supervisor:
        yield supervisor


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
) -> None:
    """Replay a file through every pipeline into the lake, print a summary, exit.

    Starts the embedded broker unless SUPPLYLAKE_KAFKA_BROKERS is set. Lines that are not JSON
    or have no known eventType go to the dead letters with the reason and their line number.
    """
    settings = settings_for(data_dir)
    if not input_file.is_file():
        raise typer.BadParameter(f"{input_file} does not exist", param_hint="'--input'")
    with (
        connect(settings) as connection,
        running_pipelines(settings, connection, reorder_points, live=False) as supervisor,
    ):
        with progress_bar("replaying") as progress:
            task = progress.add_task("producing", total=None)
            summary = replay_file(
                input_file, connection, settings.topics, on_progress=lambda n: progress.update(task, completed=n)
            )
            record_rejects(settings, connection, summary.rejected)
            if summary.max_event_time_ms is not None:
                # Every deadline due by the input's latest event time fires, on every partition,
                # whatever that partition saw; the control records are part of what to wait for.
                sent = broadcast_watermark(connection, control_topics(settings), summary.max_event_time_ms)
                for tp, offset in sent.items():
                    summary.end_offsets[tp] = max(offset, summary.end_offsets.get(tp, -1))
            progress.update(task, description="pipelines", completed=0, total=None)
            wait_until_pipelines_committed(
                connection,
                settings,
                summary.end_offsets,
                timeout_s=timeout or 120 + summary.lines / 500,
                check=supervisor.check,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    typer.echo(
        f"replayed {summary.lines} lines from {input_file.name}: "
        + ", ".join(f"{topic} {n}" for topic, n in sorted(summary.produced.items()))
        + f"; {len(summary.rejected)} rejected at intake"
    )
    typer.echo(lake_summary(settings))


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
) -> None:
    """Run everything on one machine: broker, simulator, pipelines, lake and dashboard."""
    from supplylake.cli.demo_runner import run_demo

    run_demo(settings_for(data_dir), events=events, rate=rate, seed=seed, headless=headless, port=port)
