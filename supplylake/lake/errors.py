"""Errors raised by the lake: what happened, and in ``hint`` what to do about it.

``retryable`` comes from the base a class mixes in: a supervisor may retry a
:class:`CommitConflict` as is; a :class:`TableReplaced` or :class:`LedgerAheadOfLog` needs a
person first, because carrying on could drop or duplicate events.
"""

from __future__ import annotations

from supplylake.errors import FatalError, RetryableError, SupplylakeError


class LakeError(SupplylakeError):
    """Root of the errors raised by :mod:`supplylake.lake`."""


class CommitConflict(LakeError, RetryableError):
    """A commit kept losing races (or kept ending with an unknown outcome) until the attempts ran out.

    Nothing was written twice: every attempt re-read the ledger first. Retrying the same batch later
    is safe.
    """


class TableReplaced(LakeError, FatalError):
    """The table was dropped, or dropped and recreated, while a writer was using it.

    The offsets ledger lives in the table, so a new table means a new, empty ledger: writing on
    would silently replay (or skip) events.
    """


class LedgerAheadOfLog(LakeError, FatalError):
    """The lake says it holds offsets that the broker's log does not have.

    The topic was recreated, or the broker lost its data, under the same cluster id: resuming
    from the ledger would drop every new event up to the ledger's offset.
    """


class LedgerCorrupt(LakeError, FatalError):
    """The offsets ledger stored in the table cannot be parsed."""


class InvalidBatch(LakeError, FatalError):
    """The rows handed to the writer contradict the offsets handed with them (a caller bug)."""


class SchemaConflict(LakeError, FatalError):
    """An existing table has a column whose type differs from the table spec's.

    The lake only evolves schemas by adding optional columns; anything else needs a migration.
    """


class CatalogUnavailable(LakeError, RetryableError):
    """The Iceberg catalog cannot be opened (unreachable, misconfigured, missing driver).

    The message names the catalog with its URI's password masked, and quotes the cause with
    every configured secret masked.
    """


class LakeDiskFull(LakeError, RetryableError):
    """The disk under the lake (warehouse or catalog) has no space left.

    Nothing was committed: the batch stays unacknowledged and is written once space returns.
    """
