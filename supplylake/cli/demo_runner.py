"""What `supplylake demo` does: the whole product on one machine, live."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import typer

from supplylake.broker.connection import connect
from supplylake.cli.pipeline import progress_bar, running_pipelines
from supplylake.ingest.simulated import live_simulation, produce_paced, write_side_files
from supplylake.pipelines.progress import wait_until_pipelines_committed
from supplylake.processes import die_with_parent
from supplylake.reports import lake_summary
from supplylake.settings import Settings
from supplylake.simulator import FaultConfig

DASHBOARD = Path(__file__).resolve().parents[2] / "app" / "Home.py"


def start_dashboard(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    log = (settings.data_dir / "logs" / "dashboard.log").open("ab")
    env = {**os.environ, "SUPPLYLAKE_DATA_DIR": str(settings.data_dir.resolve())}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(DASHBOARD),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        preexec_fn=die_with_parent,
        start_new_session=True,
    )


def run_demo(settings: Settings, *, events: int | None, rate: float, seed: int, headless: bool, port: int) -> None:
    sim = live_simulation(seed, rate, FaultConfig())
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    sim.world.write_reference(settings.data_dir / "reference")
    skus = settings.data_dir / "reference" / "skus.csv"
    stop = threading.Event()
    dashboard: subprocess.Popen[bytes] | None = None
    with connect(settings) as connection, running_pipelines(settings, connection, skus) as supervisor:
        try:
            if not headless:
                dashboard = start_dashboard(settings, port)
                typer.echo(f"dashboard: http://localhost:{port}")
            where = "embedded broker (memory only)" if connection.embedded else "Kafka"
            typer.echo(
                f"{where} at {connection.bootstrap}; simulating {events or 'unbounded'} events at {rate:g}/s; "
                "Ctrl-C stops"
            )
            result = produce_paced(sim.events(max_events=events), connection, settings.topics, rate=rate, stop=stop)
            write_side_files(sim, settings.data_dir)
            if events is not None:
                with progress_bar("pipelines") as progress:
                    task = progress.add_task("committing", total=None)
                    wait_until_pipelines_committed(
                        connection,
                        settings,
                        result.end_offsets,
                        timeout_s=120 + events / 200,
                        check=supervisor.check,
                        on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                    )
                typer.echo(f"produced {result.produced} events")
                typer.echo(lake_summary(settings))
            if not headless:
                typer.echo("pipelines and dashboard keep running; Ctrl-C stops")
                while not stop.wait(1.0):
                    supervisor.check()
        except KeyboardInterrupt:
            stop.set()
            typer.echo("stopping")
        finally:
            if dashboard is not None:
                dashboard.terminate()
                try:
                    dashboard.wait(10)
                except subprocess.TimeoutExpired:
                    dashboard.kill()
