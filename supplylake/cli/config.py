"""`supplylake config`: what the effective configuration is."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from supplylake.cli.options import DataDirOption, settings_for

app = typer.Typer(help="Inspect the configuration (SUPPLYLAKE_* environment variables).", no_args_is_help=True)


@app.command("show")
def show(
    data_dir: DataDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of indented text.")] = False,
) -> None:
    """Print the effective configuration, secrets masked."""
    data = settings_for(data_dir).masked()
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    for line in _flatten(data):
        typer.echo(line)


def _flatten(data: dict, prefix: str = "SUPPLYLAKE_") -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        name = f"{prefix}{key.upper()}"
        if isinstance(value, dict) and key != "properties" and key != "reorder_points":
            lines.extend(_flatten(value, f"{name}__"))
        else:
            shown = json.dumps(value) if isinstance(value, (dict, list)) else ("" if value is None else value)
            lines.append(f"{name}={shown}")
    return lines
