"""`supplylake lake`: keep the lake healthy (also done automatically by the pipelines)."""

from __future__ import annotations

import typer

from supplylake.cli.options import DataDirOption, settings_for

app = typer.Typer(help="Lake housekeeping.", no_args_is_help=True)


@app.command("maintain")
def maintain_lake(data_dir: DataDirOption = None) -> None:
    """Expire old snapshots, compact small files and manifests of every lake table."""
    from supplylake.lake.catalog import catalog_for
    from supplylake.lake.maintenance import MaintenancePolicy, maintain
    from supplylake.lake.tables import TABLES

    settings = settings_for(data_dir)
    catalog = catalog_for(settings)
    policy = MaintenancePolicy(keep_last_snapshots=settings.lake.keep_last_snapshots)
    for spec in TABLES:
        if not catalog.table_exists(spec.identifier(settings.catalog.namespace)):
            continue
        report = maintain(catalog, spec, policy, namespace=settings.catalog.namespace)
        typer.echo(
            f"{spec.name}: snapshots {report.snapshots_before} -> {report.snapshots_after}, "
            f"{report.partitions_compacted} partition(s) compacted "
            f"({report.files_rewritten} -> {report.files_written} files), "
            f"manifests {report.manifests_before} -> {report.manifests_after}, {report.duration_ms:.0f} ms"
            + (f"; {'; '.join(report.notes)}" if report.notes else "")
        )


@app.command("docs")
def table_docs() -> None:
    """Print the lake's table reference (Markdown) from the table definitions.

    `supplylake lake docs > docs/lake-tables.md` regenerates the committed reference.
    """
    from supplylake.lake.tables import TABLES
    from supplylake.lake.tables.reference import render_table_reference

    typer.echo(render_table_reference(TABLES), nl=False)
