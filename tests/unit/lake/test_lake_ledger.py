from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyiceberg.catalog import Catalog

from supplylake.errors import FatalError
from supplylake.lake import (
    INVENTORY_EVENTS,
    LEDGER_PROPERTY,
    ExactlyOnceWriter,
    Ledger,
    LedgerAheadOfLog,
    LedgerCorrupt,
    check_ledger_not_ahead,
    read_ledger,
)

offsets_strategy = st.dictionaries(
    st.tuples(st.sampled_from(["inventory-events", "order-events", "a.b_c"]), st.integers(0, 64)),
    st.integers(0, 2**62),
    max_size=12,
)


@given(st.lists(st.tuples(st.sampled_from(["c1", "c2", "c3", "c4"]), offsets_strategy), max_size=12))
def test_merge_never_moves_offsets_back_and_round_trips(commits: list[tuple[str, dict[tuple[str, int], int]]]) -> None:
    ledger = Ledger()
    highest: dict[tuple[str, str, int], int] = {}
    for cluster_id, offsets in commits:
        ledger = ledger.merge(cluster_id, offsets, max_clusters=8)
        for (topic, partition), offset in offsets.items():
            key = (cluster_id, topic, partition)
            highest[key] = max(offset, highest.get(key, -1))
        assert Ledger.decode(ledger.encode()) == ledger
    for (cluster_id, topic, partition), offset in highest.items():
        assert ledger.offset(cluster_id, topic, partition) == offset
    assert ledger.seq == len(commits)


def test_only_the_most_recent_clusters_are_kept() -> None:
    ledger = Ledger()
    for i in range(6):
        ledger = ledger.merge(f"cluster-{i}", {("t", 0): i}, max_clusters=3)
    ledger = ledger.merge("cluster-3", {("t", 0): 99}, max_clusters=3)  # touching an old one makes it recent
    ledger = ledger.merge("cluster-6", {("t", 0): 6}, max_clusters=3)
    assert ledger.cluster_ids == ("cluster-6", "cluster-3", "cluster-5")
    assert ledger.offset("cluster-4", "t", 0) is None
    assert ledger.offset("cluster-3", "t", 0) == 99


def test_encoding_is_compact_json_in_one_property() -> None:
    ledger = Ledger().merge("Mk3OEXBSR", {("inventory-events", 0): 17, ("inventory-events", 1): 5})
    assert ledger.encode() == (
        '{"v":1,"seq":1,"clusters":{"Mk3OEXBSR":{"seq":1,"topics":{"inventory-events":{"0":17,"1":5}}}}}'
    )
    assert ledger.covers("Mk3OEXBSR", {("inventory-events", 0): 17})
    assert not ledger.covers("Mk3OEXBSR", {("inventory-events", 0): 18})
    assert not ledger.covers("other", {("inventory-events", 0): 0})


@pytest.mark.parametrize(
    "text", ["not json", '{"v":2,"seq":1,"clusters":{}}', '{"v":1,"seq":1,"clusters":{"c":{"seq":1}}}']
)
def test_an_unreadable_ledger_fails_closed(text: str) -> None:
    with pytest.raises(LedgerCorrupt) as info:
        Ledger.decode(text)
    assert isinstance(info.value, FatalError) and info.value.hint


def test_ledger_ahead_of_the_log_is_fatal() -> None:
    ledger = Ledger().merge("c1", {("t", 0): 10, ("t", 1): 3})
    check_ledger_not_ahead(ledger, "c1", {("t", 0): 11, ("t", 1): 4, ("t", 2): 0})
    check_ledger_not_ahead(ledger, "c2", {("t", 0): 0})  # another broker life: unrelated offsets
    with pytest.raises(LedgerAheadOfLog, match=r"t\[0\]: ledger 10 ≥ log end 10") as info:
        check_ledger_not_ahead(ledger, "c1", {("t", 0): 10, ("t", 1): 4})
    assert not info.value.retryable and "cluster id" in info.value.hint


def test_read_ledger_prefers_the_newer_of_summary_and_property(catalog: Catalog, events) -> None:
    writer = ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id="c1")
    assert read_ledger(catalog.load_table(INVENTORY_EVENTS.identifier())).is_empty()
    writer.commit(events(range(3)), {("inventory-events", 0): 2}, max_event_time_ms=None)
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    assert table.current_snapshot().summary[LEDGER_PROPERTY] == table.properties[LEDGER_PROPERTY]
    assert read_ledger(table).offset("c1", "inventory-events", 0) == 2

    # A commit by another tool drops our summary keys: the mirrored table property still has the ledger.
    table.transaction().set_properties({"owner": "analyst"}).commit_transaction()
    with table.transaction() as tx, tx.update_snapshot().fast_append():
        pass
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    assert table.current_snapshot().summary[LEDGER_PROPERTY] is None
    assert read_ledger(table).offset("c1", "inventory-events", 0) == 2

    # A stale property (older seq) loses to the snapshot summary.
    writer.commit(events(range(3, 5)), {("inventory-events", 0): 4}, max_event_time_ms=None)
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    stale = Ledger().merge("c1", {("inventory-events", 0): 1}).encode()
    table.transaction().set_properties({LEDGER_PROPERTY: stale}).commit_transaction()
    assert read_ledger(catalog.load_table(INVENTORY_EVENTS.identifier())).offset("c1", "inventory-events", 0) == 4
