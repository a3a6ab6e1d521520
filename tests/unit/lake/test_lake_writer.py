from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
import structlog.testing
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitStateUnknownException
from pyiceberg.table import TableProperties

from supplylake.lake import (
    INVENTORY_EVENTS,
    LEDGER_PROPERTY,
    CommitConflict,
    CommitHooks,
    ExactlyOnceWriter,
    InvalidBatch,
    TableReplaced,
    read_ledger,
)
from supplylake.lake.datafiles import write_data_files
from supplylake.lake.errors import LakeDiskFull
from supplylake.lake.ledger import Ledger
from supplylake.lake.snapshot_properties import MAX_EVENT_TIME_PROPERTY
from supplylake.lake.writer import CommitAttempt, disk_full

# The lake conftest's fixtures: a row factory, a table scan, and duplicate / key counters.
Events = Callable[..., list[dict[str, Any]]]
Read = Callable[..., pa.Table]
DupCount = Callable[[pa.Table], int]
KeysOf = Callable[[pa.Table], Counter[tuple[str, int, int]]]

TP0 = ("inventory-events", 0)
TP1 = ("inventory-events", 1)


def writer(catalog: Catalog, cluster_id: str = "cluster-a", **kwargs: Any) -> ExactlyOnceWriter:
    return ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id=cluster_id, backoff_initial_s=0, **kwargs)


def unavailable_for_long(catalog: Catalog, failing: Callable[[CommitAttempt], None]) -> ExactlyOnceWriter:
    """A writer whose every commit attempt runs ``failing`` first, giving up after 0.3 s of retries."""
    return ExactlyOnceWriter(
        catalog,
        INVENTORY_EVENTS,
        cluster_id="cluster-a",
        max_attempts=2,
        max_unavailable_s=0.3,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        hooks=CommitHooks(before_commit=failing),
    )


def current_summary(catalog: Catalog) -> dict[str, str]:
    """The current snapshot's supplylake summary properties."""
    snapshot = catalog.load_table(INVENTORY_EVENTS.identifier()).current_snapshot()
    assert snapshot is not None and snapshot.summary is not None
    return dict(snapshot.summary.additional_properties)


def snapshot_count(catalog: Catalog) -> int:
    return len(catalog.load_table(INVENTORY_EVENTS.identifier()).metadata.snapshots)


def test_replay_after_crash_before_the_kafka_offset_commit_writes_nothing_twice(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    w = writer(catalog)
    first = w.commit(events(range(10)), {TP0: 9}, max_event_time_ms=None)
    assert (first.rows_written, first.rows_skipped_as_replayed, first.attempts) == (10, 0, 1)

    # The process died before committing the Kafka offsets: a new writer gets the same batch again.
    replay = writer(catalog).commit(events(range(10)), {TP0: 9}, max_event_time_ms=None)
    assert (replay.rows_written, replay.rows_skipped_as_replayed, replay.snapshot_id) == (0, 10, None)
    assert snapshot_count(catalog) == 1

    overlap = writer(catalog).commit(events(range(5, 15)), {TP0: 14}, max_event_time_ms=None)
    assert (overlap.rows_written, overlap.rows_skipped_as_replayed) == (5, 5)
    rows = read(catalog)
    assert dup_count(rows) == 0
    assert sorted(rows["_src_offset"].to_pylist()) == list(range(15))
    assert w.committed_offsets() == {TP0: 14}


def test_one_commit_covers_all_partitions_and_advances_offsets_without_rows(
    catalog: Catalog, events: Events, read: Read
) -> None:
    w = writer(catalog)
    result = w.commit(events(range(3)) + events(range(2), partition=1), {TP0: 2, TP1: 1}, max_event_time_ms=None)
    assert result.rows_written == 5 and snapshot_count(catalog) == 1

    # Partition 1 moved on (e.g. only filtered-out records): no rows, but the ledger must advance.
    empty = w.commit([], {TP1: 7}, max_event_time_ms=None)
    assert empty.committed and empty.rows_written == 0
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    head = table.current_snapshot()
    assert head is not None and head.snapshot_id == empty.snapshot_id
    assert read_ledger(table).offsets("cluster-a") == {TP0: 2, TP1: 7}
    assert w.commit([], {TP1: 7}, max_event_time_ms=None).snapshot_id is None
    assert read(catalog).num_rows == 5


def test_zombie_commits_the_same_offsets_between_read_and_commit(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    zombie = writer(catalog, "cluster-a")
    batch = events(range(20))

    def zombie_flushes_first(attempt: CommitAttempt) -> None:
        if attempt.attempt == 1:
            assert zombie.commit(batch, {TP0: 19}, max_event_time_ms=None).rows_written == 20

    live = writer(catalog, "cluster-a", hooks=CommitHooks(before_commit=zombie_flushes_first))
    result = live.commit(batch, {TP0: 19}, max_event_time_ms=None)

    assert (result.rows_written, result.rows_skipped_as_replayed, result.snapshot_id) == (0, 20, None)
    assert result.attempts == 2
    rows = read(catalog)
    assert rows.num_rows == 20 and dup_count(rows) == 0


def test_zombie_with_a_partial_overlap_leaves_only_the_new_offsets(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    zombie = writer(catalog)

    def zombie_flushes_first(attempt: CommitAttempt) -> None:
        if attempt.attempt == 1:
            zombie.commit(events(range(10)), {TP0: 9}, max_event_time_ms=None)

    live = writer(catalog, hooks=CommitHooks(before_commit=zombie_flushes_first))
    result = live.commit(events(range(15)), {TP0: 14}, max_event_time_ms=None)
    assert (result.rows_written, result.rows_skipped_as_replayed, result.attempts) == (5, 10, 2)
    rows = read(catalog)
    assert dup_count(rows) == 0 and sorted(rows["_src_offset"].to_pylist()) == list(range(15))


def test_commit_landed_but_the_call_failed(catalog: Catalog, events: Events, read: Read, dup_count: DupCount) -> None:
    seen: list[int] = []

    def lose_the_response(attempt: CommitAttempt) -> None:
        seen.append(attempt.snapshot_id)
        if attempt.attempt == 1:
            raise CommitStateUnknownException("connection reset after the request was sent")

    w = writer(catalog, hooks=CommitHooks(after_commit=lose_the_response))
    result = w.commit(events(range(8)), {TP0: 7}, max_event_time_ms=None)

    assert result.attempts == 2
    assert (result.rows_written, result.snapshot_id) == (8, seen[0])  # recognised as its own landed commit
    assert len(seen) == 1 and snapshot_count(catalog) == 1
    rows = read(catalog)
    assert rows.num_rows == 8 and dup_count(rows) == 0


def test_request_failed_before_reaching_the_catalog_is_retried(catalog: Catalog, events: Events, read: Read) -> None:
    def fail_once(attempt: CommitAttempt) -> None:
        if attempt.attempt == 1:
            raise ConnectionError("catalog unreachable")

    result = writer(catalog, hooks=CommitHooks(before_commit=fail_once)).commit(
        events(range(4)), {TP0: 3}, max_event_time_ms=None
    )
    assert (result.rows_written, result.attempts) == (4, 2)
    assert read(catalog).num_rows == 4 and snapshot_count(catalog) == 1


def test_conflicts_are_retried_then_raised_as_retryable_never_dropped(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    other = writer(catalog, "cluster-b")
    next_offset = iter(range(1000))

    def someone_else_always_wins(attempt: CommitAttempt) -> None:
        offset = next(next_offset)
        other.commit(events([offset], partition=5), {("inventory-events", 5): offset}, max_event_time_ms=None)

    loser = writer(catalog, max_attempts=3, hooks=CommitHooks(before_commit=someone_else_always_wins))
    with pytest.raises(CommitConflict) as info:
        loser.commit(events(range(6)), {TP0: 5}, max_event_time_ms=None)
    assert info.value.retryable and info.value.hint
    assert read(catalog).num_rows == 3  # only the other writer's rows
    assert writer(catalog).committed_offsets() == {}

    retried = writer(catalog).commit(events(range(6)), {TP0: 5}, max_event_time_ms=None)
    assert retried.rows_written == 6
    assert dup_count(read(catalog)) == 0


def test_naive_read_filter_append_with_pyiceberg_retries_duplicates(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    """Negative control: the danger the writer exists for is real with pyiceberg's default retries."""
    zombie = writer(catalog)  # also creates the table
    naive = catalog.load_table(INVENTORY_EVENTS.identifier())
    naive.transaction().set_properties(
        {TableProperties.COMMIT_NUM_RETRIES: "4", TableProperties.COMMIT_MIN_RETRY_WAIT_MS: "0"}
    ).commit_transaction()
    naive = catalog.load_table(INVENTORY_EVENTS.identifier())
    batch = INVENTORY_EVENTS.to_arrow(events(range(50)))

    # The naive sink reads the ledger and filters (nothing committed yet: keeps all 50 rows)...
    ledger = read_ledger(naive)
    assert ledger.offset("cluster-a", *TP0) is None
    # ...a zombie commits the same offsets...
    assert zombie.commit(batch, {TP0: 49}, max_event_time_ms=None).rows_written == 50
    # ...and the naive append conflicts, gets rebased by pyiceberg's retry and lands anyway.
    merged = ledger.merge("cluster-a", {TP0: 49})
    with (
        naive.transaction() as tx,
        tx.update_snapshot(snapshot_properties={LEDGER_PROPERTY: merged.encode()}).fast_append() as append,
    ):
        for data_file in write_data_files(tx.table_metadata, naive.io, batch):
            append.append_data_file(data_file)

    assert dup_count(read(catalog)) == 50


def test_replaced_table_is_fatal(catalog: Catalog, events: Events) -> None:
    w = writer(catalog)
    w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    catalog.drop_table(INVENTORY_EVENTS.identifier())
    with pytest.raises(TableReplaced, match="no longer exists"):
        w.commit(events(range(3, 6)), {TP0: 5}, max_event_time_ms=None)
    writer(catalog, "someone-else")  # recreates the table: same name, new uuid, empty ledger
    with pytest.raises(TableReplaced, match="replaced") as info:
        w.commit(events(range(3, 6)), {TP0: 5}, max_event_time_ms=None)
    assert not info.value.retryable


def test_a_new_cluster_id_starts_from_nothing_and_old_ones_are_pruned(
    catalog: Catalog, events: Events, read: Read
) -> None:
    writer(catalog, "broker-life-1").commit(events(range(5)), {TP0: 4}, max_event_time_ms=None)
    # The embedded broker restarted empty: offsets start at 0 again and mean new events.
    second = writer(catalog, "broker-life-2", max_clusters=3)
    assert second.committed_offsets() == {}
    fresh = [dict(r, event_id=f"life2-{r['_src_offset']}") for r in events(range(3))]
    assert second.commit(fresh, {TP0: 2}, max_event_time_ms=None).rows_written == 3
    for life in range(3, 6):
        writer(catalog, f"broker-life-{life}", max_clusters=3).commit([], {TP0: 0}, max_event_time_ms=None)
    ledger = read_ledger(catalog.load_table(INVENTORY_EVENTS.identifier()))
    assert ledger.cluster_ids == ("broker-life-5", "broker-life-4", "broker-life-3")
    assert read(catalog).num_rows == 8


def test_rows_beyond_the_declared_offsets_are_refused(catalog: Catalog, events: Events) -> None:
    w = writer(catalog)
    with pytest.raises(InvalidBatch, match="reach offset 9"):
        w.commit(events(range(10)), {TP0: 8}, max_event_time_ms=None)
    with pytest.raises(InvalidBatch):
        w.commit(events(range(2), partition=3), {TP0: 8}, max_event_time_ms=None)
    assert snapshot_count(catalog) == 0


def test_reenabled_pyiceberg_retries_are_switched_off_before_writing(catalog: Catalog, events: Events) -> None:
    w = writer(catalog)
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    table.transaction().set_properties({TableProperties.COMMIT_NUM_RETRIES: "4"}).commit_transaction()
    w.commit(events(range(2)), {TP0: 1}, max_event_time_ms=None)
    assert catalog.load_table(INVENTORY_EVENTS.identifier()).properties[TableProperties.COMMIT_NUM_RETRIES] == "0"


def test_freshness_properties_never_go_back(catalog: Catalog, events: Events) -> None:
    w = writer(catalog)
    w.commit(events(range(2)), {TP0: 1}, max_event_time_ms=2_000_000)
    w.commit(events(range(2, 4)), {TP0: 3}, max_event_time_ms=1_000_000)
    summary = current_summary(catalog)
    assert summary[MAX_EVENT_TIME_PROPERTY] == "2000000"
    w.commit(events(range(4, 6)), {TP0: 5}, max_event_time_ms=None)  # derived from the rows' event_time
    summary = current_summary(catalog)
    assert int(summary[MAX_EVENT_TIME_PROPERTY]) == events([5])[0]["event_time"]
    assert int(summary["supplylake.committed-at-ms"]) > 1_700_000_000_000
    assert Ledger.decode(summary[LEDGER_PROPERTY]).offset("cluster-a", *TP0) == 5


def test_memo_transaction_sees_the_same_metadata_as_pyiceberg(catalog: Catalog, events: Events) -> None:
    from pyiceberg.table import Transaction

    from supplylake.lake.transaction import MemoTransaction

    writer(catalog).commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    table = catalog.load_table(INVENTORY_EVENTS.identifier())
    memo, plain = MemoTransaction(table), Transaction(table)
    assert memo.table_metadata == plain.table_metadata
    for tx in (memo, plain):
        tx.set_properties({"a": "1"})
    assert memo.table_metadata.properties["a"] == "1"
    assert memo.table_metadata.model_dump(exclude={"last_updated_ms"}) == plain.table_metadata.model_dump(
        exclude={"last_updated_ms"}
    )
    assert memo.table_metadata is memo.table_metadata  # computed once per staged state
    memo.remove_properties("a")
    assert "a" not in memo.table_metadata.properties


def test_last_attempt_landing_with_a_lost_response_still_counts(catalog: Catalog, events: Events, read: Read) -> None:
    def always_lose_the_response(attempt: CommitAttempt) -> None:
        raise CommitStateUnknownException("timeout reading the response")

    w = writer(catalog, max_attempts=1, hooks=CommitHooks(after_commit=always_lose_the_response))
    result = w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    assert result.committed and result.rows_written == 3 and result.attempts == 1
    assert read(catalog).num_rows == 3


def test_unknown_outcomes_that_never_land_end_in_a_retryable_conflict(
    catalog: Catalog, events: Events, read: Read
) -> None:
    def never_arrives(attempt: CommitAttempt) -> None:
        raise ConnectionError("catalog unreachable")

    w = writer(catalog, max_attempts=3, max_unavailable_s=0, hooks=CommitHooks(before_commit=never_arrives))
    with pytest.raises(CommitConflict, match="ConnectionError") as info:
        w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    assert info.value.retryable
    assert read(catalog).num_rows == 0 and snapshot_count(catalog) == 0


def test_a_catalog_unavailable_for_longer_than_the_attempts_is_waited_out(
    catalog: Catalog, events: Events, read: Read
) -> None:
    """A locked SQLite catalog (or an unreadable warehouse) fails every attempt for a while: the
    writer keeps retrying past ``max_attempts`` for up to ``max_unavailable_s``, then lands once."""
    from sqlalchemy.exc import OperationalError

    failures = []

    def locked_for_a_while(attempt: CommitAttempt) -> None:
        if len(failures) < 6:
            failures.append(attempt.attempt)
            raise OperationalError("UPDATE iceberg_tables", {}, Exception("database is locked"))

    w = writer(catalog, max_attempts=2, max_unavailable_s=30, hooks=CommitHooks(before_commit=locked_for_a_while))
    result = w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    assert result.committed and result.attempts == 7 and failures == [1, 2, 3, 4, 5, 6]
    assert read(catalog).num_rows == 3 and snapshot_count(catalog) == 1


def test_an_unavailable_catalog_still_ends_in_a_retryable_conflict_after_max_unavailable_s(
    catalog: Catalog, events: Events, read: Read
) -> None:
    def gone(attempt: CommitAttempt) -> None:
        raise FileNotFoundError("warehouse/metadata/00001.metadata.json")

    w = unavailable_for_long(catalog, gone)
    with pytest.raises(CommitConflict, match="FileNotFoundError") as info:
        w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    assert info.value.retryable and read(catalog).num_rows == 0


def test_a_full_disk_is_waited_out_then_named_not_called_a_conflict(
    catalog: Catalog, events: Events, read: Read
) -> None:
    """ENOSPC while writing: retried for ``max_unavailable_s`` (one warning), then LakeDiskFull
    says so with what to do; nothing is committed, and the same batch lands once space is back."""
    import errno

    full = {"on": True}

    def no_space(attempt: CommitAttempt) -> None:
        if full["on"]:
            raise OSError(errno.ENOSPC, "No space left on device", "warehouse/metadata/00002.metadata.json")

    w = unavailable_for_long(catalog, no_space)
    with structlog.testing.capture_logs() as logged, pytest.raises(LakeDiskFull, match="disk is full") as info:
        w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    assert info.value.retryable and "free space" in info.value.one_line()
    assert read(catalog).num_rows == 0
    assert [entry["event"] for entry in logged] == ["lake disk full, waiting for space"]  # once, not per retry

    full["on"] = False
    assert w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None).rows_written == 3
    assert read(catalog).num_rows == 3 and snapshot_count(catalog) == 1


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (OSError(28, "No space left on device"), True),
        (Exception("(sqlite3.OperationalError) database or disk is full"), True),
        (OSError(2, "No such file or directory"), False),
        (Exception("database is locked"), False),
    ],
)
def test_what_counts_as_a_full_disk(error: Exception, full: bool) -> None:
    try:
        try:
            raise error
        except Exception as cause:
            raise RuntimeError("commit failed") from cause
    except RuntimeError as wrapped:
        assert disk_full(wrapped) is full


def test_writers_resuming_after_an_outage_still_get_their_attempts_at_lost_races(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    """An outage spends more attempts than ``max_attempts``; when it ends, the writers that all
    resume at once conflict with each other. Those lost races get their own ``max_attempts``
    (seen in the chaos disk_full run: one conflict right after the disk was back stopped a pipeline)."""
    import errno

    other = writer(catalog, "cluster-b")
    script = iter(["full"] * 5 + ["race"] * 2)

    def outage_then_races(attempt: CommitAttempt) -> None:
        step = next(script, "commit")
        if step == "full":
            raise OSError(errno.ENOSPC, "No space left on device")
        if step == "race":
            offset = 100 + attempt.attempt
            other.commit(events([offset], partition=5), {("inventory-events", 5): offset}, max_event_time_ms=None)

    w = writer(catalog, max_attempts=3, max_unavailable_s=30, hooks=CommitHooks(before_commit=outage_then_races))
    result = w.commit(events(range(4)), {TP0: 3}, max_event_time_ms=None)
    assert result.committed and result.attempts == 8  # 5 waiting for space, 2 lost races, 1 landed
    assert read(catalog).num_rows == 4 + 2 and dup_count(read(catalog)) == 0


def test_a_table_that_cannot_be_loaded_is_retried_not_raised(catalog: Catalog, events: Events, read: Read) -> None:
    """Loading the table is part of the attempt: a catalog error there is retried like a commit's."""
    w = writer(catalog)
    w.commit(events(range(2)), {TP0: 1}, max_event_time_ms=None)
    w.forget_head()  # the next attempt loads the table
    loads = {"n": 0}
    real_load = catalog.load_table

    def flaky_load(identifier: Any) -> Any:
        loads["n"] += 1
        if loads["n"] <= 3:
            raise OSError("warehouse unreadable")
        return real_load(identifier)

    catalog.load_table = flaky_load  # type: ignore[method-assign]
    try:
        result = w.commit(events(range(2, 4)), {TP0: 3}, max_event_time_ms=None)
    finally:
        del catalog.load_table  # type: ignore[method-assign]
    assert result.committed and result.attempts == 4 and read(catalog).num_rows == 4


def test_a_cached_head_whose_files_maintenance_deleted_is_reloaded(
    catalog: Catalog, events: Events, read: Read
) -> None:
    """Maintenance expires the snapshot a writer's cached head is at and deletes its manifest
    list: the writer's next commit loads the table again instead of failing."""
    import os

    w, other = writer(catalog), writer(catalog, cluster_id="cluster-b")
    w.commit(events(range(3)), {TP0: 2}, max_event_time_ms=None)
    head = catalog.load_table(INVENTORY_EVENTS.identifier()).current_snapshot()
    assert head is not None
    other.commit(events(range(100, 102)), {TP0: 101}, max_event_time_ms=None)
    os.remove(head.manifest_list.removeprefix("file://"))  # what expiry with file deletion does
    result = w.commit(events(range(3, 5)), {TP0: 4}, max_event_time_ms=None)
    assert result.committed and result.rows_written == 2 and result.attempts == 2
    assert read(catalog).num_rows == 7


class CountingCatalog:
    """The catalog, counting load_table calls made through it."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self.loads = 0

    def load_table(self, identifier: Any) -> Any:
        self.loads += 1
        return self._catalog.load_table(identifier)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalog, name)


def test_after_its_own_commit_a_writer_commits_without_loading_again(catalog: Catalog, events: Events) -> None:
    counting = CountingCatalog(catalog)
    w = writer(counting)  # type: ignore[arg-type]
    w.commit(events(range(5)), {TP0: 4}, max_event_time_ms=None)
    loads = counting.loads
    for n in range(1, 4):
        w.commit(events(range(5 * n, 5 * n + 5)), {TP0: 5 * n + 4}, max_event_time_ms=None)
    assert counting.loads == loads  # the three commits started from the table the previous one returned


def test_a_commit_by_another_writer_since_the_last_one_is_seen_before_writing(
    catalog: Catalog, events: Events, read: Read, dup_count: DupCount
) -> None:
    live, zombie = writer(catalog), writer(catalog)
    live.commit(events(range(10)), {TP0: 9}, max_event_time_ms=None)
    # Another writer (a zombie flush of the same partition) commits offsets 10-19 meanwhile.
    assert zombie.commit(events(range(20)), {TP0: 19}, max_event_time_ms=None).rows_written == 10
    result = live.commit(events(range(10, 25)), {TP0: 24}, max_event_time_ms=None)
    assert (result.rows_written, result.rows_skipped_as_replayed, result.attempts) == (5, 10, 2)
    rows = read(catalog)
    assert dup_count(rows) == 0 and sorted(rows["_src_offset"].to_pylist()) == list(range(25))
    assert read_ledger(catalog.load_table(INVENTORY_EVENTS.identifier())).offsets("cluster-a") == {TP0: 24}
