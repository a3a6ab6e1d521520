"""State of another key in the same partition, for code that must touch more than one key.

Quix Streams hands a stateful function a ``State`` scoped to the current message's key. A timer
that fires belongs to some *other* key of the partition (whichever shipment's deadline passed),
and Quix has no per-key timers (quix-streams #790). The ``State`` object is a view with a key
prefix over the partition's ``PartitionTransaction``; the transaction's ``as_state(prefix=...)``
gives a view of any other prefix. Writes through it belong to the same transaction, so they go
to the changelog and commit (or roll back after a crash) together with the current record:
state changes stay derived from the record that caused them.

This reaches one private attribute (``TransactionState._transaction``), checked here so a Quix
upgrade that moves it fails loudly at the first record instead of corrupting state.
"""

from __future__ import annotations

from typing import Any

from quixstreams.state import State

from supplylake.errors import FatalError


class StateAccessError(FatalError):
    """The Quix state object does not expose its partition transaction (Quix internals changed)."""


def partition_transaction(state: State, *, needs: str = "as_state") -> Any:
    """The ``PartitionTransaction`` behind ``state`` (checked to offer ``needs``)."""
    transaction: Any = getattr(state, "_transaction", None)
    if transaction is None or not callable(getattr(transaction, needs, None)):
        raise StateAccessError(
            f"cannot reach the partition transaction behind {type(state).__name__}",
            hint="the installed quixstreams changed its State internals; "
            "pin quixstreams to the version in requirements.lock",
        )
    return transaction


def scoped_state(state: State, scope: str) -> State:
    """A ``State`` view of ``scope`` (a key prefix of our own) in ``state``'s partition transaction.

    Scopes share the partition's store with the per-message-key views, so pick prefixes no
    message key can have (e.g. ``"shipment:<id>"``, ``"\\x00partition"``).
    """
    view: State = partition_transaction(state).as_state(prefix=scope.encode())
    return view
