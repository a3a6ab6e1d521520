"""The CLI's :class:`~supplylake.orchestration.reporting.Reporter`: lines on stdout, a progress bar on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from supplylake.orchestration.reporting import ProgressUpdate


class TerminalReporter:
    def say(self, line: str) -> None:
        typer.echo(line)

    @contextmanager
    def progress(self) -> Iterator[ProgressUpdate]:
        """A transient progress bar on stderr when it is a terminal; silent otherwise (logs stay quiet)."""
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            disable=not sys.stderr.isatty(),
        )
        task: list[TaskID] = []

        def update(phase: str, done: int, total: int | None) -> None:
            if not task:
                task.append(bar.add_task(phase, total=total))
            bar.update(task[0], description=phase, completed=done, total=total)

        with bar:
            yield update
