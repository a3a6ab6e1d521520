from __future__ import annotations

import datetime as dt
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
from pyiceberg.catalog import Catalog

from supplylake.lake import (
    INVENTORY_EVENTS,
    LEDGER_PROPERTY,
    CommitHooks,
    ExactlyOnceWriter,
    MaintenancePolicy,
    maintain,
    read_ledger,
    should_maintain,
)
from supplylake.lake.maintenance import MaintenanceHooks, select_expired

TP0 = ("inventory-events", 0)
HOUR = 3_600_000


def writer(catalog: Catalog, **kwargs) -> ExactlyOnceWriter:
    return ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id="cluster-a", backoff_initial_s=0, **kwargs)


def commit_one_by_one(w: ExactlyOnceWriter, events, offsets: range, *, day_every: int = 0) -> None:
    for offset in offsets:
        day = 1 if day_every and offset % day_every == 0 else 0
        w.commit(events([offset], day=day), {TP0: offset}, max_event_time_ms=None)


def table(catalog: Catalog):
    return catalog.load_table(INVENTORY_EVENTS.identifier())


def files_per_day(catalog: Catalog) -> Counter:
    return Counter(f["partition"]["event_time_day"] for f in table(catalog).inspect.files().to_pylist())


def rows_multiset(rows: pa.Table) -> Counter:
    return Counter(tuple(sorted(r.items())) for r in rows.to_pylist())


def data_files_on_disk(tmp_path: Path) -> set[Path]:
    return set((tmp_path / "lake" / "warehouse").rglob("*.parquet"))


def test_maintenance_after_300_commits(catalog, events, read, dup_count) -> None:
    w = writer(catalog)
    commit_one_by_one(w, events, range(300), day_every=10)
    before = table(catalog)
    rows_before = rows_multiset(read(catalog))
    ledger_before = read_ledger(before)
    assert len(before.metadata.snapshots) == 300
    assert files_per_day(catalog) == {dt.date(2025, 1, 15): 270, dt.date(2025, 1, 16): 30}
    policy = MaintenancePolicy()
    assert should_maintain(before, policy)

    report = maintain(catalog, INVENTORY_EVENTS, policy)

    after = table(catalog)
    assert report.partitions_compacted == 1 and report.files_rewritten == 270 and report.files_written == 1
    # Only the day with more than 32 small files is compacted.
    assert files_per_day(catalog) == {dt.date(2025, 1, 15): 1, dt.date(2025, 1, 16): 30}
    assert report.manifests_after < report.manifests_before
    assert len(after.metadata.snapshots) <= policy.keep_last_snapshots + 1  # + newest of the hour (same here)
    assert report.snapshots_after == len(after.metadata.snapshots)
    assert report.snapshots_expired == report.snapshots_before + 1 - report.snapshots_after  # +1: compaction
    assert rows_multiset(read(catalog)) == rows_before
    assert read_ledger(after).offsets("cluster-a") == ledger_before.offsets("cluster-a") == {TP0: 299}
    assert after.current_snapshot().summary[LEDGER_PROPERTY] == ledger_before.encode()
    assert not should_maintain(after, policy)

    # Time travel: the oldest retained snapshot still reads exactly what it held.
    oldest = min(after.metadata.snapshots, key=lambda s: s.sequence_number)
    assert oldest.summary["supplylake.maintenance"] is None  # a writer snapshot from before maintenance
    upto = read_ledger_at(oldest).offset("cluster-a", *TP0)
    assert upto is not None and upto >= 199
    old_rows = read(catalog, snapshot_id=oldest.snapshot_id)
    assert sorted(old_rows["_src_offset"].to_pylist()) == list(range(upto + 1))

    # The writer carries on: replays are still recognised, new offsets still land.
    assert w.commit(events(range(295, 300)), {TP0: 299}, max_event_time_ms=None).rows_skipped_as_replayed == 5
    assert w.commit(events(range(298, 302)), {TP0: 301}, max_event_time_ms=None).rows_written == 2
    rows = read(catalog)
    assert rows.num_rows == 302 and dup_count(rows) == 0


def read_ledger_at(snapshot):
    from supplylake.lake import Ledger

    return Ledger.decode(snapshot.summary[LEDGER_PROPERTY])


def test_expired_files_are_deleted_and_retained_snapshots_stay_readable(catalog, events, read, tmp_path) -> None:
    policy = MaintenancePolicy(keep_last_snapshots=5, keep_hourly_for=timedelta(0), compact_min_small_files=8)
    w = writer(catalog)
    commit_one_by_one(w, events, range(30))
    first = maintain(catalog, INVENTORY_EVENTS, policy)
    assert first.files_rewritten == 30 and first.files_deleted > 0  # old manifest lists
    assert len(data_files_on_disk(tmp_path)) == 31  # the small files: retained snapshots still use them
    commit_one_by_one(w, events, range(30, 40))
    second = maintain(catalog, INVENTORY_EVENTS, policy)

    assert second.files_deleted > 0
    on_disk = data_files_on_disk(tmp_path)
    assert len(on_disk) < 31 + 10
    t = table(catalog)
    live = {Path(f["file_path"].removeprefix("file://")) for f in t.inspect.files().to_pylist()}
    assert live <= on_disk
    for snapshot in t.metadata.snapshots:  # every retained snapshot still scans
        assert read(catalog, snapshot_id=snapshot.snapshot_id).num_rows == int(snapshot.summary["total-records"])
    assert sorted(read(catalog)["_src_offset"].to_pylist()) == list(range(40))


def test_compaction_racing_a_writer_keeps_every_row_once_and_the_newest_ledger(
    catalog, events, read, dup_count
) -> None:
    w = writer(catalog)
    commit_one_by_one(w, events, range(20))
    raced = []

    def writer_commits_meanwhile(step: str) -> None:
        if step == "compact" and not raced:
            raced.append(w.commit(events(range(20, 25)), {TP0: 24}, max_event_time_ms=None))

    report = maintain(
        catalog,
        INVENTORY_EVENTS,
        MaintenancePolicy(compact_min_small_files=8),
        hooks=MaintenanceHooks(before_commit=writer_commits_meanwhile),
    )

    assert raced and raced[0].rows_written == 5
    assert report.partitions_compacted == 1 and report.files_rewritten == 20
    rows = read(catalog)
    assert sorted(rows["_src_offset"].to_pylist()) == list(range(25)) and dup_count(rows) == 0
    head = table(catalog)
    assert head.current_snapshot().summary["supplylake.maintenance"] == "compaction"
    # The compaction landed after the writer: it must carry the writer's newer ledger, not its own plan's.
    assert read_ledger(head).offsets("cluster-a") == {TP0: 24}
    assert head.current_snapshot().summary[LEDGER_PROPERTY] == head.properties[LEDGER_PROPERTY]
    assert w.commit(events(range(20, 25)), {TP0: 24}, max_event_time_ms=None).rows_written == 0


def test_writer_racing_a_compaction_retries_on_the_compacted_table(catalog, events, read, dup_count) -> None:
    commit_one_by_one(writer(catalog), events, range(20))
    policy = MaintenancePolicy(compact_min_small_files=8)

    def compaction_meanwhile(attempt) -> None:
        if attempt.attempt == 1:
            assert maintain(catalog, INVENTORY_EVENTS, policy).partitions_compacted == 1

    w = writer(catalog, hooks=CommitHooks(before_commit=compaction_meanwhile))
    result = w.commit(events(range(15, 30)), {TP0: 29}, max_event_time_ms=None)
    assert (result.rows_written, result.rows_skipped_as_replayed, result.attempts) == (10, 5, 2)
    rows = read(catalog)
    assert sorted(rows["_src_offset"].to_pylist()) == list(range(30)) and dup_count(rows) == 0


def test_compaction_whose_files_were_rewritten_meanwhile_gives_up(catalog, events, read, dup_count, tmp_path) -> None:
    commit_one_by_one(writer(catalog), events, range(20))
    policy = MaintenancePolicy(compact_min_small_files=8, delete_expired_files=False)
    inner = []

    def another_compaction_meanwhile(step: str) -> None:
        if step == "compact" and not inner:
            inner.append(maintain(catalog, INVENTORY_EVENTS, policy))

    hooks = MaintenanceHooks(before_commit=another_compaction_meanwhile)
    outer = maintain(catalog, INVENTORY_EVENTS, policy, hooks=hooks)

    assert inner[0].partitions_compacted == 1 and outer.partitions_compacted == 0
    rows = read(catalog)
    assert sorted(rows["_src_offset"].to_pylist()) == list(range(20)) and dup_count(rows) == 0
    assert len(data_files_on_disk(tmp_path)) == 21  # 20 small + 1 compacted; the loser's output was removed


def test_manifests_are_merged_and_the_ledger_carried(catalog, events, read) -> None:
    commit_one_by_one(writer(catalog), events, range(30))
    policy = MaintenancePolicy(compact_min_small_files=1000, max_manifests=10)
    assert should_maintain(table(catalog), MaintenancePolicy(min_snapshots_to_expire=10**6, max_manifests=10))

    report = maintain(catalog, INVENTORY_EVENTS, policy)

    assert (report.manifests_before, report.manifests_after) == (30, 1)
    head = table(catalog)
    assert head.current_snapshot().summary["supplylake.maintenance"] == "rewrite-manifests"
    assert read_ledger(head).offsets("cluster-a") == {TP0: 29}
    assert "commit.manifest-merge.enabled" not in head.properties  # switched on for that commit only
    assert sorted(read(catalog)["_src_offset"].to_pylist()) == list(range(30))


def test_retention_keeps_the_last_n_plus_one_per_hour() -> None:
    now = 1_000 * HOUR
    # 10 days of snapshots, one every 10 minutes: (id, timestamp, sequence)
    snapshots = [(i, now - i * HOUR // 6, 10_000 - i) for i in range(10 * 24 * 6)]
    policy = MaintenancePolicy(keep_last_snapshots=5, keep_hourly_for=timedelta(days=7))
    expired = set(select_expired(snapshots, protected={1439}, policy=policy, now_ms=now))
    kept = {s for s, _, _ in snapshots} - expired
    newest_per_hour = {}
    for snapshot_id, ts, _ in snapshots:
        if ts >= now - 7 * 24 * HOUR:
            newest_per_hour.setdefault(ts // HOUR, snapshot_id)  # snapshots are listed newest first
    assert kept == set(range(5)) | set(newest_per_hour.values()) | {1439}
    assert len(newest_per_hour) == 7 * 24 + 1


def test_compaction_with_an_unknown_outcome_keeps_its_files(catalog, events, read, dup_count, tmp_path) -> None:
    commit_one_by_one(writer(catalog), events, range(12))
    # Two attempts: the second lands but reports failure, so only a final look can tell it landed.
    policy = MaintenancePolicy(compact_min_small_files=8, max_commit_attempts=2)
    failures = {"before": 0, "after": 0}

    def unreachable_once(step: str) -> None:
        if step == "compact" and failures["before"] == 0:
            failures["before"] += 1
            raise ConnectionError("catalog unreachable")

    def response_lost_once(step: str) -> None:
        if step == "compact" and failures["after"] == 0:
            failures["after"] += 1
            raise ConnectionError("connection reset")

    report = maintain(
        catalog,
        INVENTORY_EVENTS,
        policy,
        hooks=MaintenanceHooks(before_commit=unreachable_once, after_commit=response_lost_once),
    )

    assert failures == {"before": 1, "after": 1}
    assert report.partitions_compacted == 1
    live = table(catalog).inspect.files().to_pylist()
    assert len(live) == 1 and Path(live[0]["file_path"].removeprefix("file://")).exists()
    rows = read(catalog)
    assert sorted(rows["_src_offset"].to_pylist()) == list(range(12)) and dup_count(rows) == 0
