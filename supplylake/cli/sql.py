"""`supplylake sql`: read-only SQL over the lake tables, in the analyst's own dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from supplylake.cli.options import DataDirOption, settings_for


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time; use e.g. 2025-01-15T18:00:00Z") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{text!r} has no time zone; add Z (UTC) or an offset like +02:00")
    return moment.astimezone(UTC)


def sql(
    query: Annotated[
        str | None, typer.Argument(help="A single read-only query (SELECT / WITH ...); or use --file.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Run the query in this file instead, e.g. a named query from sql/.", dir_okay=False
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="name=value for a :name placeholder in the query (repeatable); bound as a string literal.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    dialect: Annotated[
        str | None,
        typer.Option(help="SQL dialect of the query (snowflake, bigquery, postgres, ...); translated to DuckDB."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Answer from the lake as it was at this time (ISO 8601, e.g. 2025-01-15T18:00:00Z)."
        ),
    ] = None,
    max_rows: Annotated[int | None, typer.Option(help="Stop after this many rows.", min=1)] = None,
) -> None:
    """Run a read-only query against the lake (tables are views at their latest snapshot).

    Tables: inventory_events, inventory_levels, inventory_current, order_events, order_status,
    order_current, shipment_events, shipment_telemetry, shipment_status, shipment_current,
    alerts, dead_letters. Named queries live in sql/, e.g.
    `supplylake sql --file sql/where_is_my_order.sql --param order_id=ORD-...`.
    """
    from supplylake.lake.catalog import catalog_for
    from supplylake.query.formats import render
    from supplylake.query.lake_views import LakeReader
    from supplylake.query.params import bind_params, parse_params
    from supplylake.query.runner import run_query

    if (query is None) == (file is None):
        raise typer.BadParameter("give either a QUERY or --file FILE", param_hint="QUERY / '--file'")
    if file is not None:
        try:
            query = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {file}: {exc.strerror}", param_hint="'--file'") from None
    assert query is not None
    if file is not None or param:
        query = bind_params(query, parse_params(param or []), dialect=dialect)
    moment = _parse_time(as_of) if as_of else None
    settings = settings_for(data_dir)
    reader = LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)
    result = run_query(reader, query, dialect=dialect, as_of=moment, max_rows=max_rows)
    text = render(result, output.value)
    typer.echo(text, nl=not text.endswith("\n"))
