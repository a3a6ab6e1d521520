"""Run the `supplylake` command in this process, stdout and stderr captured apart.

Goes through typer's CliRunner isolation (captured streams, environment overrides) around
``supplylake.cli.main.main``, the function that turns errors into one line and an exit code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from typer.testing import CliRunner

from supplylake.cli.main import main


@dataclass(frozen=True)
class Outcome:
    """What a command printed and returned, shaped like a finished process."""

    returncode: int
    stdout: str
    stderr: str


def supplylake(*args: str, env: dict[str, str] | None = None) -> Outcome:
    """Run `supplylake ARGS` in-process, stdout and stderr captured apart."""
    with CliRunner().isolation(env=env) as (stdout, stderr, _):
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(code, stdout.getvalue().decode(), stderr.getvalue().decode())
