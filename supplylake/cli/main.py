"""Entry point: wires the command groups and turns errors into one clear line."""

from __future__ import annotations

import sys

import typer

# Typer 0.29 vendors its own copy of click; its exceptions live here (not in `click`).
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from supplylake.cli import broker, config, contracts, demo, lake, pipeline, plan, simulate, sql, train
from supplylake.errors import SupplylakeError
from supplylake.redaction import redact_environment

app = typer.Typer(
    name="supplylake",
    help="Real-time supply-chain visibility: Kafka events -> Iceberg lake -> SQL and dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(broker.app, name="broker")
app.add_typer(config.app, name="config")
app.add_typer(contracts.app, name="contracts")
app.add_typer(lake.app, name="lake")
app.command("simulate")(simulate.simulate)
app.command("run")(pipeline.run)
app.command("demo")(demo.demo)
app.command("sql")(sql.sql)
app.command("plan")(plan.plan)
app.command("train")(train.train)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad arguments and known errors print one line and exit non-zero."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="supplylake")
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        return 0
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "supplylake"
        message = " ".join(exc.format_message().split())
        typer.echo(redact_environment(f"error: {message} (see `{command} --help`)"), err=True)
        return 2
    except ClickException as exc:
        typer.echo(redact_environment(f"error: {' '.join(exc.format_message().split())}"), err=True)
        return 1
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return 130
    except SupplylakeError as exc:
        # Messages may quote a library (a catalog URI, a driver's words): never a secret.
        typer.echo(redact_environment(f"error: {exc.one_line()}"), err=True)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
