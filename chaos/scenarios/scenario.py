"""What a chaos scenario is: a name, a title, and a run that returns one result per variant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaos.result import ScenarioResult


@dataclass(frozen=True)
class RunOptions:
    quick: bool
    seed: int
    work_dir: Path  # scratch space: data dirs, input files (deleted by the caller)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    run: Callable[[RunOptions], list[ScenarioResult]]


@dataclass(frozen=True)
class Planned:
    """A scenario of issue 9 that is not built yet: listed in the report, never measured."""

    name: str
    title: str
