"""`supplylake simulate`: a seeded, realistic supply chain, to a file or live to the topics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supplylake.cli.options import DataDirOption, settings_for
from supplylake.simulator.params import HISTORY_TELEMETRY_DENSITY


def simulate(
    events: Annotated[int | None, typer.Option("--events", "-n", help="Number of events to generate.", min=1)] = None,
    duration: Annotated[
        float | None, typer.Option(help="Seconds to run (live) or of event time to cover (file).", min=0.1)
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            help=(
                "Days of event time to write (file only): a history to score suppliers on, with "
                "suppliers from reliable to unreliable and one ERP snapshot a day."
            ),
            min=1,
        ),
    ] = None,
    telemetry_density: Annotated[
        float | None,
        typer.Option(
            help=(
                "Share of tracker readings to emit, above 0 up to 1 (evenly thinned; the other events "
                f"stay the same). Default 1, or {HISTORY_TELEMETRY_DENSITY:g} with --days "
                "(90 days stay under ~2M events)."
            ),
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 7,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write JSON lines here (plus FILE.faults.json, erp/ and reference/ beside it).",
            dir_okay=False,
        ),
    ] = None,
    rate: Annotated[
        float | None, typer.Option(help="Produce live to the topics at this many events/s (instead of --out).", min=0.1)
    ] = None,
    faults: Annotated[
        str | None,
        typer.Option(
            help=(
                "Fault ratios, e.g. 'duplicate=0.02,malformed_json=0.01' (kinds: duplicate, out_of_order, late, "
                "malformed_json, missing_field, unknown_type, schema_drift); 'none' for a clean stream."
            )
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Generate supply-chain events: orders, shipments, POs, sales, stock, with injected faults."""
    from supplylake.ingest.simulated import run_simulation

    if out is None and rate is None:
        raise typer.BadParameter(
            "say where the events go: --out FILE.jsonl, or --rate N to produce to the topics",
            param_hint="'--out' / '--rate'",
        )
    if out is not None and rate is not None:
        raise typer.BadParameter(
            "use either --out (file) or --rate (live to the topics), not both", param_hint="'--out' / '--rate'"
        )
    if telemetry_density is not None and not 0.0 < telemetry_density <= 1.0:
        raise typer.BadParameter(
            f"{telemetry_density:g} is not a share: give a number above 0 and at most 1, e.g. 0.05",
            param_hint="'--telemetry-density'",
        )
    if days is not None and (events is not None or duration is not None):
        raise typer.BadParameter(
            "--days is the bound of a history: drop --events / --duration, or drop --days",
            param_hint="'--days'",
        )
    if days is not None and out is None:
        raise typer.BadParameter("a history goes to a file: add --out FILE.jsonl", param_hint="'--days'")
    if out is not None and events is None and duration is None and days is None:
        raise typer.BadParameter(
            "a file needs a bound: add --events N, --duration S or --days N", param_hint="'--events'"
        )
    run_simulation(
        settings_for(data_dir),
        events=events,
        duration=duration,
        seed=seed,
        out=out,
        rate=rate,
        faults=faults,
        days=days,
        telemetry_density=telemetry_density,
    )
