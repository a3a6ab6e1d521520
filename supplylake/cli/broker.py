"""`supplylake broker`: the embedded Kafka-compatible broker (Tansu, in memory)."""

from __future__ import annotations

import typer

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker, read_detached, stop_detached
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.cli.options import DataDirOption, settings_for

app = typer.Typer(
    help="Start, stop or inspect the embedded broker. It keeps messages in memory only.",
    no_args_is_help=True,
)


@app.command("start")
def start(data_dir: DataDirOption = None) -> None:
    """Start a broker in the background for this data dir and create the topics."""
    settings = settings_for(data_dir)
    running = read_detached(settings.data_dir)
    if running is not None:
        typer.echo(f"already running at {running.bootstrap} (cluster {running.cluster_id}, pid {running.pid})")
        return
    broker = EmbeddedBroker(settings.data_dir).start(detached=True)
    ensure_topics(
        BrokerConnection(broker.bootstrap, broker.cluster_id, True), all_topics(settings.topics), settings.topics
    )
    typer.echo(f"started at {broker.bootstrap} (cluster {broker.cluster_id}); stop it with `supplylake broker stop`")


@app.command("stop")
def stop(data_dir: DataDirOption = None) -> None:
    """Stop the background broker of this data dir (its messages are gone; the lake stays)."""
    settings = settings_for(data_dir)
    stopped = stop_detached(settings.data_dir)
    typer.echo(f"stopped broker pid {stopped.pid}" if stopped else "no broker was running")


@app.command("status")
def status(data_dir: DataDirOption = None) -> None:
    """Say whether a background broker runs for this data dir. Exit code 3 when not."""
    settings = settings_for(data_dir)
    if settings.brokers:
        typer.echo(f"using external Kafka at {settings.brokers} (SUPPLYLAKE_KAFKA_BROKERS)")
        return
    running = read_detached(settings.data_dir)
    if running is None:
        typer.echo("not running")
        raise typer.Exit(3)
    typer.echo(f"running at {running.bootstrap} (cluster {running.cluster_id}, pid {running.pid})")
