"""Per-checkpoint write-behind cache of per-key domain state.

Quix keeps state values serialised: every ``State.get`` decodes JSON and every ``State.set``
encodes it. A hot warehouse×SKU holds hundreds of remembered event ids, so doing that per
event dominated the pipeline's CPU. This cache decodes a key's state once per checkpoint,
keeps the live objects while records arrive, and writes each changed key back once, when the
lake sink flushes at the start of Quix's checkpoint — before Quix produces the changelog and
commits offsets, so the changelog and the lake still describe the same records.

The cache is emptied at every flush: a partition can only be revoked or reassigned at a
checkpoint, so nothing cached can outlive the transaction it was read from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from quixstreams.state import State


class Serialisable(Protocol):
    """A state with a ``to_dict()`` (every :class:`~supplylake.pipelines.state_codec.StoredState`)."""

    def to_dict(self) -> dict[str, Any]: ...


S = TypeVar("S", bound=Serialisable)


@dataclass
class _Entry:
    state: State  # the Quix State of the current transaction for this key
    values: dict[str, Serialisable]
    dirty: set[str] = field(default_factory=set)


class CheckpointStateCache:
    """Live per-key objects between checkpoints; ``flush()`` writes the changed ones back."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, Any], _Entry] = {}

    def get(self, partition: int, key: Any, state: State, name: str, decode: Callable[[Any], S]) -> S | None:
        """The live value of ``name`` for this key, decoded from Quix state on first use."""
        entry = self._entry(partition, key, state)
        if name not in entry.values:
            stored = state.get(name)
            if stored is None:
                return None
            entry.values[name] = decode(stored)
        return cast("S", entry.values[name])

    def set(self, partition: int, key: Any, state: State, name: str, value: Serialisable) -> None:
        entry = self._entry(partition, key, state)
        entry.values[name] = value
        entry.dirty.add(name)

    def _entry(self, partition: int, key: Any, state: State) -> _Entry:
        entry = self._entries.get((partition, key))
        if entry is None:
            entry = self._entries[(partition, key)] = _Entry(state, {})
        else:
            entry.state = state
        return entry

    def flush(self) -> None:
        """Write every changed value to its Quix state, then forget everything."""
        try:
            for entry in self._entries.values():
                for name in entry.dirty:
                    entry.state.set(name, entry.values[name].to_dict())
        finally:
            self._entries.clear()
