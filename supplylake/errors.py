"""Base exceptions shared by every component.

Each component defines its own small hierarchy under :class:`SupplylakeError`. An error says what
happened and, in ``hint``, what to do next. ``retryable`` tells supervisors whether trying again
can help (a commit conflict) or not (a bad configuration).
"""

from __future__ import annotations


class SupplylakeError(Exception):
    """Root of every error supplylake raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nHint: {self.hint}"
        return self.message

    def one_line(self) -> str:
        """The message and hint on one line, for CLI output."""
        return f"{self.message} Hint: {self.hint}" if self.hint else self.message


class RetryableError(SupplylakeError):
    """Trying again later may succeed (conflicts, transient I/O)."""

    retryable = True


class FatalError(SupplylakeError):
    """Trying again will not help until someone changes something."""

    retryable = False
