"""What a scenario is: its options, a ``--quick`` setting for smoke tests, and a measuring run.

:func:`run_scenario` does what every scenario needs around its measurement: parse options,
time it, write the JSON result with the machine/code header.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.console import log
from bench.harness.results import OUT_DIR, make_header, write_result

Figures = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    measure: Callable[[argparse.Namespace], Figures]
    quick: dict[str, Any] = field(default_factory=dict)  # option defaults under --quick

    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog=f"python -m bench {self.name}", description=self.title)
        parser.add_argument("--quick", action="store_true", help=f"smoke-test sizes: {self._quick_text()}")
        parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where the JSON result goes")
        parser.add_argument(
            "--quiet-budget",
            type=float,
            default=120.0,
            help="seconds in all to wait for other sessions' load to drop before timed phases (--quick: 0)",
        )
        self.add_arguments(parser)
        return parser

    def _quick_text(self) -> str:
        def option(key: str, value: Any) -> str:
            flag = key.replace("_", "-")
            if isinstance(value, bool):
                return f"--{flag}" if value else f"--no-{flag}"
            return f"--{flag} {value}"

        return " ".join(option(k, v) for k, v in self.quick.items()) or "as the defaults"

    def parse(self, argv: list[str]) -> argparse.Namespace:
        parser = self.parser()
        if "--quick" in argv:
            parser.set_defaults(quiet_budget=0.0, **self.quick)
        args = parser.parse_args(argv)
        args.argv = list(argv)
        return args


def shown_argument(argument: str) -> str:
    """An argument as the report shows it: no machine paths (an outside path keeps its last parts)."""
    path = Path(argument)
    if not path.is_absolute():
        return argument
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return "…/" + "/".join(path.parts[-3:])


def run_scenario(scenario: Scenario, argv: list[str]) -> Path:
    """Measure one scenario with ``argv`` and write its result; returns the JSON file."""
    args = scenario.parse(argv)
    log(f"scenario {scenario.name}: {scenario.title}" + (" (quick)" if args.quick else ""))
    started = time.monotonic()
    figures = scenario.measure(args)
    command = " ".join([".venv/bin/python -m bench", scenario.name, *map(shown_argument, argv)])
    header = make_header(scenario.name, command, quick=args.quick, wall_s=time.monotonic() - started)
    path = write_result(header, figures, args.out_dir)
    log(f"wrote {path}")
    return path
