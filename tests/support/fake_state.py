"""A stand-in for one partition's Quix state transaction, for processor tests without a broker.

Values are stored serialised (as the RocksDB store does), so what a test reads back went
through the same JSON round trip. ``as_state(prefix)`` views are what the pipelines'
``keyed_state.scoped_state`` reaches through ``State._transaction``.
"""

from __future__ import annotations

from typing import Any

import orjson
from quixstreams.context import set_message_context
from quixstreams.models.messagecontext import MessageContext


class FakeTransaction:
    def __init__(self) -> None:
        self.data: dict[tuple[bytes, Any], bytes] = {}

    def as_state(self, prefix: bytes) -> FakeState:
        return FakeState(self, prefix)


class FakeState:
    def __init__(self, transaction: FakeTransaction, prefix: bytes) -> None:
        self._transaction = transaction
        self._prefix = prefix

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self._transaction.data.get((self._prefix, key))
        return default if raw is None else orjson.loads(raw)

    def set(self, key: Any, value: Any) -> None:
        self._transaction.data[(self._prefix, key)] = orjson.dumps(value)

    def delete(self, key: Any) -> None:
        self._transaction.data.pop((self._prefix, key), None)


def at_offset(topic: str, offset: int, partition: int = 0) -> None:
    """Make ``quixstreams.context.message_context()`` answer this record's coordinates."""
    set_message_context(MessageContext(topic, partition, offset, 0))
