"""What a pipeline starting a new broker epoch reads from the lake (supplylake/lake/epoch_history.py),
over a real SQL catalog: the latest state per key from *earlier* epochs, stored event ids, and
dead letters by what they were rather than where the broker put them."""

from __future__ import annotations

from typing import Any

from pyiceberg.catalog import Catalog

from supplylake.dead_letters import dead_letter_row
from supplylake.lake.epoch_history import (
    StateEntry,
    dead_letter_digest,
    latest_per_epoch,
    latest_state,
    load_history,
    stored_event_ids,
)
from supplylake.lake.maintenance import MaintenancePolicy, maintain
from supplylake.lake.tables import DEAD_LETTERS, INVENTORY_EVENTS
from supplylake.lake.tables.pipeline_state import internal_namespace, state_table
from supplylake.lake.writer import ExactlyOnceWriter

STORE = "inventory-events/default"
SPEC = state_table("test")
NAMESPACE = "supplylake"


def _change(
    cluster: str, written_at: int, offset: int, key: bytes, value: bytes | None, *, partition: int = 0
) -> dict[str, Any]:
    return {
        "store": STORE,
        "partition": partition,
        "cf": "default",
        "prefix": None if value is None else key.split(b"|")[0],
        "key": key,
        "value": value,
        "written_at": written_at,
        "_src_cluster": cluster,
        "_src_topic": "inventory-events",
        "_src_partition": partition,
        "_src_offset": offset,
    }


def _commit(catalog: Catalog, cluster: str, rows: list[dict[str, Any]], namespace: str) -> None:
    """One checkpoint's worth of state rows per call, as the state mirror commits them."""
    offsets: dict[tuple[str, int], int] = {}
    for row in rows:
        tp = (row["_src_topic"], row["_src_partition"])
        offsets[tp] = max(offsets.get(tp, -1), row["_src_offset"])
    writer = ExactlyOnceWriter(catalog, SPEC, cluster_id=cluster, namespace=namespace)
    writer.commit(rows, offsets, max_event_time_ms=None)


def test_the_latest_epoch_and_checkpoint_win_and_the_current_epoch_is_left_out(catalog: Catalog) -> None:
    namespace = internal_namespace(NAMESPACE)
    catalog.create_namespace_if_not_exists(namespace)
    # Epoch "old" (began at t=1000): two checkpoints; epoch "new" (began at t=5000) offsets restart at 0.
    _commit(
        catalog,
        "old",
        [
            _change("old", 1000, 10, b"a|x", b"1"),
            _change("old", 1000, 10, b"a|y", b"1"),
            _change("old", 1000, 10, b"b|z", b"1", partition=1),
            _change("old", 2000, 20, b"a|x", b"2"),
            _change("old", 2000, 20, b"a|gone", b"1"),
        ],
        namespace,
    )
    _commit(
        catalog,
        "new",
        [_change("new", 5000, 0, b"a|y", b"3"), _change("new", 5000, 0, b"a|gone", None)],
        namespace,
    )
    _commit(catalog, "now", [_change("now", 9000, 0, b"a|x", b"current epoch")], namespace)

    seeds = latest_state(catalog, SPEC.identifier(namespace), "now", STORE)
    assert seeds == {
        0: [StateEntry("default", b"a", b"a|x", b"2"), StateEntry("default", b"a", b"a|y", b"3")],
        1: [StateEntry("default", b"b", b"b|z", b"1")],
    }
    # Another store of the same table, or no table at all: nothing to seed.
    assert latest_state(catalog, SPEC.identifier(namespace), "now", "other-topic/default") == {}
    assert latest_state(catalog, ("nowhere", "state_none"), "now", STORE) == {}


def test_stored_event_ids_come_from_earlier_epochs_only(catalog: Catalog, events: Any) -> None:
    for cluster, offsets in (("old", range(3)), ("now", range(3, 5))):
        rows = [{**row, "_src_cluster": cluster} for row in events(offsets)]
        ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id=cluster).commit(
            rows, {(rows[0]["_src_topic"], 0): max(offsets)}, max_event_time_ms=None
        )
    ids = stored_event_ids(catalog, NAMESPACE, "now", (INVENTORY_EVENTS,))
    assert ids == {row["event_id"] for row in events(range(3))}


def _dead_letter(offset: int, raw: bytes, topic: str = "inventory-events") -> dict[str, Any]:
    return dead_letter_row(
        cluster_id="c",
        source_topic=topic,
        source_partition=0,
        source_offset=offset,
        source_key=None,
        raw=raw,
        reason="bad",
        error_code="invalid_json",
        event_type=None,
        failed_at_ms=1000,
    )


def test_a_dead_letter_is_the_same_wherever_the_broker_put_it() -> None:
    assert dead_letter_digest(_dead_letter(1, b"{oops")) == dead_letter_digest(_dead_letter(99, b"{oops"))
    assert dead_letter_digest(_dead_letter(1, b"{oops")) != dead_letter_digest(_dead_letter(1, b"{oops!"))
    assert dead_letter_digest(_dead_letter(1, b"{oops")) != dead_letter_digest(_dead_letter(1, b"{oops", "x"))
    # Raw bytes that are not UTF-8 are stored base64-encoded: still one digest each.
    assert dead_letter_digest(_dead_letter(1, b"\xff\xfe")) != dead_letter_digest(_dead_letter(1, b"\xff\xfd"))


def test_history_recognises_dead_letters_of_earlier_epochs(catalog: Catalog) -> None:
    old = _dead_letter(5, b"{oops")
    old.update({"_src_cluster": "old", "_src_topic": "inventory-events", "_src_partition": 0, "_src_offset": 5})
    ExactlyOnceWriter(catalog, DEAD_LETTERS, cluster_id="old").commit(
        [old], {("inventory-events", 0): 5}, max_event_time_ms=None
    )
    history = load_history(catalog, NAMESPACE, "now", ())
    assert history.recorded(_dead_letter(0, b"{oops"))
    assert not history.recorded(_dead_letter(0, b"{other"))
    assert load_history(catalog, NAMESPACE, "old", ()).dead_letters == frozenset()


def test_compaction_keeps_each_key_s_latest_row_of_every_epoch_and_seeds_stay_the_same(catalog: Catalog) -> None:
    namespace = internal_namespace(NAMESPACE)
    catalog.create_namespace_if_not_exists(namespace)
    # Small commits, one file each: a key rewritten at every checkpoint of two epochs.
    for offset in range(8):
        _commit(catalog, "old", [_change("old", 1000 + offset, offset, b"a|x", str(offset).encode())], namespace)
        _commit(catalog, "old", [_change("old", 1000 + offset, offset, b"a|y", b"y", partition=1)], namespace)
    for offset in range(4):
        _commit(catalog, "new", [_change("new", 9000 + offset, offset, b"a|x", f"n{offset}".encode())], namespace)
    identifier = SPEC.identifier(namespace)
    before = latest_state(catalog, identifier, "now", STORE)
    assert before[0] == [StateEntry("default", b"a", b"a|x", b"n3")]

    policy = MaintenancePolicy(compact_min_small_files=2, keep_last_snapshots=1, min_snapshots_to_expire=1)
    report = maintain(catalog, SPEC, policy, namespace=namespace, prune=latest_per_epoch)
    assert report.files_rewritten > report.files_written
    rows = catalog.load_table(identifier).scan().to_arrow()
    kept = sorted(
        zip(rows["_src_cluster"].to_pylist(), rows["key"].to_pylist(), rows["value"].to_pylist(), strict=True)
    )
    assert kept == [("new", b"a|x", b"n3"), ("old", b"a|x", b"7"), ("old", b"a|y", b"y")]
    assert latest_state(catalog, identifier, "now", STORE) == before
    # A crash before epoch "new" committed its first checkpoint would seed from "old": still there.
    assert latest_state(catalog, identifier, "new", STORE)[0] == [StateEntry("default", b"a", b"a|x", b"7")]


def test_pruning_an_empty_bin_keeps_it_empty() -> None:
    empty = SPEC.to_arrow([])
    assert latest_per_epoch(empty).equals(empty)
