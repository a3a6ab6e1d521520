"""Options shared by commands, and the settings they resolve to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supplylake.logs import configure_logging
from supplylake.settings import Settings, load_settings

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the lake, state and logs live (default ./data, or SUPPLYLAKE_DATA_DIR).",
        file_okay=False,
        show_default=False,
    ),
]


InstancesOption = Annotated[
    int,
    typer.Option(
        "--instances",
        help="Instances of each pipeline, in one consumer group (they share its partitions: "
        "SUPPLYLAKE_TOPICS__PARTITIONS bounds how many get work).",
        min=1,
        max=16,
    ),
]


def settings_for(data_dir: Path | None = None) -> Settings:
    """Load settings (fails with one line on a bad value) and apply --data-dir."""
    settings = load_settings().with_data_dir(data_dir)
    configure_logging(settings.log_level, settings.log_format)
    return settings
