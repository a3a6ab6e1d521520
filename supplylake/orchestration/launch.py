"""Starting every registered pipeline as a supervised child, in an explicit run mode."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.orchestration.supervisor import Supervisor
from supplylake.pipelines.catalog import enabled_pipelines
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import Settings

PLANNER: dict[str, tuple[str, ...]] = {"planner": ("-m", "supplylake", "plan", "--watch")}
"""The live planner (`supplylake plan --watch`), supervised next to the pipelines by the demo."""


def pipeline_env(connection: BrokerConnection, reorder_points: Path | None) -> dict[str, str]:
    """Settings the children need beyond the parent's environment (the run mode goes as --mode)."""
    env: dict[str, str] = {}
    if connection.embedded:
        env["SUPPLYLAKE_KAFKA__EMBEDDED"] = "true"
    if reorder_points is not None:
        env["SUPPLYLAKE_INVENTORY__REORDER_POINTS_FILE"] = str(reorder_points.resolve())
    return env


@contextmanager
def running_pipelines(
    settings: Settings,
    connection: BrokerConnection,
    mode: RunMode,
    reorder_points: Path | None = None,
    instances: int = 1,
    extra_env: dict[str, str] | None = None,
    commands: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[Supervisor]:
    """Every pipeline the settings select (``SUPPLYLAKE_PIPELINES``; default all) running,
    ``instances`` of each (topics created first), and the ``commands`` (e.g. :data:`PLANNER`),
    until the context ends."""
    ensure_topics(connection, all_topics(settings.topics), settings.topics)
    supervisor = Supervisor(
        enabled_pipelines(settings),
        bootstrap=connection.bootstrap,
        data_dir=settings.data_dir.resolve(),
        extra_env={**pipeline_env(connection, reorder_points), **(extra_env or {})},
        mode=mode,
        instances=instances,
        broker=connection,
        commands=commands,
    )
    with supervisor:
        yield supervisor
