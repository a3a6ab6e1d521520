"""The state mirror (pipelines/state_mirror.py) over real Quix RocksDB partitions and a real lake:
what one epoch's checkpoints change comes back, byte for byte, into the empty store of the next.

Only the Quix checkpoint around the transactions is a stand-in (the mirror reads three of its
attributes); the transactions, their update caches and the stores are Quix's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyiceberg.catalog import Catalog
from quixstreams.state.rocksdb import RocksDBStorePartition

from supplylake.lake import default_catalog_properties, open_catalog
from supplylake.pipelines.keyed_state import StateAccessError
from supplylake.pipelines.state_mirror import MARKER_KEY, MARKER_PREFIX, StateMirror
from supplylake.settings import Settings
from tests.support.fake_state import at_offset

TOPIC = "inventory-events"


@dataclass
class _Registry:
    def get_topics_for_stream_id(self, stream_id: str) -> list[str]:
        return [stream_id]


@dataclass
class _Checkpoint:
    _store_transactions: dict[tuple[str, int, str], Any] = field(default_factory=dict)
    _tp_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    _dataframe_registry: _Registry = field(default_factory=_Registry)


@dataclass
class _Context:
    checkpoint: _Checkpoint = field(default_factory=_Checkpoint)


@dataclass
class _App:
    _processing_context: _Context = field(default_factory=_Context)


class Epoch:
    """One broker epoch of a one-partition pipeline: fresh stores, a new cluster id, the same lake."""

    def __init__(self, root: Path, cluster_id: str, catalog: Catalog) -> None:
        self.app = _App()
        self.mirror = StateMirror(
            self.app,  # type: ignore[arg-type]
            "test",
            settings=Settings(),
            cluster_id=cluster_id,
            catalog=catalog,
        )
        self.partition = RocksDBStorePartition(path=str(root / cluster_id))
        self.offset = -1

    def process(self, key: bytes, change: Any) -> None:
        """One record: seeded first (the mirror's wrapper), then ``change(state)``."""
        checkpoint = self.app._processing_context.checkpoint
        transaction = checkpoint._store_transactions.get((TOPIC, 0, "default"))
        if transaction is None:
            transaction = checkpoint._store_transactions[(TOPIC, 0, "default")] = self.partition.begin()
        self.offset += 1
        checkpoint._tp_offsets[(TOPIC, 0)] = self.offset
        at_offset(TOPIC, self.offset)

        def apply(value: Any, key: Any, timestamp: int, headers: Any, state: Any) -> None:
            change(state)

        self.mirror.stateful(apply)(None, key, 0, None, transaction.as_state(prefix=key))

    def checkpoint(self) -> None:
        """What a Quix checkpoint does, in order: the sink's hooks (the mirror commits), then the store."""
        self.mirror.commit()
        checkpoint = self.app._processing_context.checkpoint
        for transaction in checkpoint._store_transactions.values():
            transaction.prepare()
            transaction.flush()
        self.app._processing_context.checkpoint = _Checkpoint()

    def abort(self) -> None:
        """A checkpoint that never committed (a revoke that timed out): its writes are gone."""
        self.app._processing_context.checkpoint = _Checkpoint()

    def read(self, key: bytes, name: str) -> Any:
        return self.partition.begin().as_state(prefix=key).get(name)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return open_catalog("test", default_catalog_properties(tmp_path / "lake"))


def test_a_new_epoch_starts_from_the_state_the_last_one_ended_with(tmp_path: Path, catalog: Catalog) -> None:
    first = Epoch(tmp_path, "epoch-1", catalog)
    first.process(b"WH-1:A", lambda s: s.set("stock", {"on_hand": 5}))
    first.process(b"WH-1:B", lambda s: s.set("stock", {"on_hand": 1}))
    first.process(b"WH-1:B", lambda s: s.set("alerts", ["LOW_STOCK"]))
    first.checkpoint()
    first.process(b"WH-1:A", lambda s: s.set("stock", {"on_hand": 7}))  # a later checkpoint wins
    first.process(b"WH-1:B", lambda s: s.delete("alerts"))  # and a delete stays deleted
    first.checkpoint()

    second = Epoch(tmp_path, "epoch-2", catalog)
    assert second.read(b"WH-1:A", "stock") is None  # a new epoch's store starts empty
    seen: dict[str, Any] = {}
    second.process(b"WH-1:C", lambda s: seen.update(other=s.get("stock")))
    second.process(b"WH-1:A", lambda s: seen.update(a=s.get("stock"), a_alerts=s.get("alerts")))
    second.process(b"WH-1:B", lambda s: seen.update(b=s.get("stock"), b_alerts=s.get("alerts")))
    assert seen == {"other": None, "a": {"on_hand": 7}, "a_alerts": None, "b": {"on_hand": 1}, "b_alerts": None}
    second.checkpoint()
    # The seed is an ordinary state write: it is in the store (and the changelog), with the marker.
    assert second.read(b"WH-1:A", "stock") == {"on_hand": 7}
    assert second.partition.begin().get(MARKER_KEY, prefix=MARKER_PREFIX) == "epoch-2"

    # Within the epoch nothing is seeded again: a key the epoch changed keeps its new value.
    second.process(b"WH-1:A", lambda s: s.set("stock", {"on_hand": 9}))
    second.checkpoint()
    second.process(b"WH-1:A", lambda s: seen.update(again=s.get("stock")))
    assert seen["again"] == {"on_hand": 9}

    third = Epoch(tmp_path, "epoch-3", catalog)
    third.process(b"WH-1:A", lambda s: seen.update(third=s.get("stock")))
    third.process(b"WH-1:B", lambda s: seen.update(third_b=s.get("stock")))
    assert (seen["third"], seen["third_b"]) == ({"on_hand": 9}, {"on_hand": 1})


def test_a_first_checkpoint_that_never_committed_seeds_again(tmp_path: Path, catalog: Catalog) -> None:
    first = Epoch(tmp_path, "epoch-1", catalog)
    first.process(b"k", lambda s: s.set("v", 1))
    first.checkpoint()
    second = Epoch(tmp_path, "epoch-2", catalog)
    seen: list[Any] = []
    second.process(b"k", lambda s: seen.append(s.get("v")))
    second.abort()
    second.process(b"k", lambda s: seen.append(s.get("v")))
    assert seen == [1, 1]


def test_a_replayed_checkpoint_adds_no_state_rows(tmp_path: Path, catalog: Catalog) -> None:
    epoch = Epoch(tmp_path, "epoch-1", catalog)
    epoch.process(b"k", lambda s: s.set("v", 1))
    epoch.checkpoint()
    table = catalog.load_table(epoch.mirror.spec.identifier(epoch.mirror.namespace))
    rows = table.scan().to_arrow().num_rows
    # The same record again at the same offset (a crash before Quix committed it): the ledger drops it.
    epoch.offset -= 1
    epoch.process(b"k", lambda s: s.set("v", 1))
    epoch.checkpoint()
    assert catalog.load_table(table.name()).scan().to_arrow().num_rows == rows == 1


def test_a_quix_without_the_expected_internals_fails_loudly(tmp_path: Path, catalog: Catalog) -> None:
    epoch = Epoch(tmp_path, "epoch-1", catalog)
    epoch.app._processing_context.checkpoint = object()  # type: ignore[assignment]
    with pytest.raises(StateAccessError, match="pin quixstreams"):
        epoch.mirror.commit()
