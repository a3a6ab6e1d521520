"""`supplylake contracts`: publish the event contracts as JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Event contracts (the wire format producers speak).", no_args_is_help=True)


@app.command("export")
def export(
    out_dir: Annotated[
        Path, typer.Argument(help="Directory to write one <eventType>.schema.json per event type.", file_okay=False)
    ],
) -> None:
    """Write one JSON Schema file per event type."""
    from supplylake.contracts import export_json_schemas

    paths = export_json_schemas(out_dir)
    typer.echo(f"wrote {len(paths)} schemas to {out_dir}")
