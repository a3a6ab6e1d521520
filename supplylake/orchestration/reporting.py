"""How the run and demo loops tell a person what is happening, without knowing about terminals.

The CLI passes a reporter that prints lines and draws a progress bar; tests and other callers
can pass :class:`QuietReporter`. Keeping the loops free of typer and rich keeps them callable
from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

# (phase, done, total or None when unknown): e.g. ("producing", 12000, None), ("pipelines", 5, 9).
ProgressUpdate = Callable[[str, int, int | None], None]


class Reporter(Protocol):
    def say(self, line: str) -> None:
        """One line for the person running the command."""

    def progress(self) -> AbstractContextManager[ProgressUpdate]:
        """A progress display for as long as the context lasts; updates go through what it yields."""


class QuietReporter:
    """Says nothing, shows nothing."""

    def say(self, line: str) -> None:
        pass

    @contextmanager
    def progress(self) -> Iterator[ProgressUpdate]:
        yield lambda phase, done, total: None
