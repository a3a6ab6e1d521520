"""`supplylake sql`: read-only SQL over the lake tables, in the analyst's own dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
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
    query: Annotated[str, typer.Argument(help="A single read-only query (SELECT / WITH ...).")],
    data_dir: DataDirOption = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    dialect: Annotated[str | None, typer.Option(help="SQL dialect of the query (snowflake, bigquery, postgres, ...); translated to DuckDB.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Answer from the lake as it was at this time (ISO 8601, e.g. 2025-01-15T18:00:00Z).")] = None,
    max_rows: Annotated[int | None, typer.Option(help="Stop after this many rows.", min=1)] = None,
) -> None:
    """Run a read-only query against the lake (tables are views at their latest snapshot).

    Tables: inventory_events, inventory_levels, inventory_current, alerts, dead_letters.
    """
    from supplylake.lake.sink import catalog_for
    from supplylake.query.formats import render
    from supplylake.query.lake_views import LakeReader
    from supplylake.query.runner import run_query

    moment = _parse_time(as_of) if as_of else None
    settings = settings_for(data_dir)
    reader = LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)
    result = run_query(reader, query, dialect=dialect, as_of=moment, max_rows=max_rows)
    text = render(result, output.value)
    typer.echo(text, nl=not text.endswith("\n"))
