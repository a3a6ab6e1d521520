"""`supplylake sql`: read-only SQL over the lake tables, in the analyst's own dialect.

The query comes from exactly one of: the QUERY argument, ``--file PATH`` (any file, e.g.
``sql/where_is_my_order.sql`` in a checkout) or ``--query NAME`` (a named query shipped inside the
package, found through importlib.resources, so it works from any directory and any install).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from supplylake.cli.options import DataDirOption, settings_for


class OutputFormat(StrEnum):
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
        str | None,
        typer.Argument(help="A single read-only query (SELECT / WITH ...); or use --file / --query."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Run the query in this file instead, e.g. a named query from sql/.", dir_okay=False
        ),
    ] = None,
    named: Annotated[
        str | None,
        typer.Option(
            "--query",
            "-q",
            help="Run the named query NAME shipped with supplylake (e.g. where_is_my_order), from any directory.",
            metavar="NAME",
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
    `supplylake sql --query where_is_my_order --param order_id=ORD-...`
    (or `--file sql/where_is_my_order.sql` from a checkout).
    """
    from supplylake.lake.catalog import catalog_for
    from supplylake.query.formats import render
    from supplylake.query.lake_views import LakeReader
    from supplylake.query.params import bind_params, parse_params
    from supplylake.query.runner import run_query

    text = _query_text(query, file, named)
    if query is None or param:
        text = bind_params(text, parse_params(param or []), dialect=dialect)
    moment = _parse_time(as_of) if as_of else None
    settings = settings_for(data_dir)
    reader = LakeReader(catalog_for(settings), namespace=settings.catalog.namespace)
    result = run_query(reader, text, dialect=dialect, as_of=moment, max_rows=max_rows)
    rendered = render(result, output.value)
    typer.echo(rendered, nl=not rendered.endswith("\n"))


def _query_text(query: str | None, file: Path | None, named: str | None) -> str:
    """The SQL to run, from whichever one of QUERY, --file and --query was given."""
    from supplylake.query.errors import UnknownNamedQuery
    from supplylake.query.sql_files import read_named_query

    if sum(source is not None for source in (query, file, named)) == 1:
        if query is not None:
            return query
        if named is not None:
            try:
                return read_named_query(named)
            except UnknownNamedQuery as exc:
                raise typer.BadParameter(exc.message, param_hint="'--query'") from None
        if file is not None:
            return _read_file(file)
    raise typer.BadParameter(
        "give exactly one of a QUERY, --file FILE or --query NAME", param_hint="QUERY / '--file' / '--query'"
    )


def _read_file(file: Path) -> str:
    from supplylake.query.sql_files import named_query_names

    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        # `--file sql/NAME.sql` outside a checkout: the same query ships in the package.
        shipped = file.suffix == ".sql" and not file.exists() and file.stem in named_query_names()
        hint = f"; to run the query shipped with supplylake, use --query {file.stem}" if shipped else ""
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror}{hint}", param_hint="'--file'") from None
