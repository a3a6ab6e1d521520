"""Keep a streaming table cheap to commit to and cheap to read.

A sink committing about once a second adds a snapshot, a manifest and at least one small data
file per commit. pyiceberg's commit cost grows with the number of retained snapshots (it deep
copies the metadata; pyiceberg issue #2673 — :mod:`~supplylake.lake.transaction` cuts the copies,
a commit still costs ~0.2 ms more per retained snapshot) and with the manifests of the current
snapshot, and DuckDB scans slow down with many files and manifests. :func:`maintain` undoes that,
in this order:

1. **compact** – per partition holding more than ``compact_min_small_files`` files below
   ``target_file_size_bytes``, rewrite those files into few large ones (sorted by the spec's
   ``sort_by``), replacing exactly those files in one commit. pyiceberg has no compaction, so this
   reads the files with pyiceberg's Arrow scan and swaps them with an overwrite snapshot.
2. **rewrite manifests** – when the current snapshot lists more than ``max_manifests`` manifests,
   merge them (pyiceberg 0.12 has no ``rewrite_manifests``; an empty merge-append with merging
   switched on for that one commit does the same).
3. **expire snapshots** – keep the last ``keep_last_snapshots`` plus, for time travel, the last
   snapshot of every hour within ``keep_hourly_for``; branch and tag heads are never expired.
4. **delete expired files** – pyiceberg's expiry only edits metadata; files that only expired
   snapshots referenced (replaced small files, old manifests and manifest lists) are deleted.

Safety with a writer committing concurrently: every maintenance commit asserts the branch head it
was planned on and the tables run with ``commit.retry.num-retries=0``, so nothing is rebased
blindly. A compaction that loses a race is re-checked against the new head: if every file it
replaces is still live there, the same rewritten files are committed on top of it (appends of
other files cannot conflict with replacing these), carrying the *new* head's offsets ledger;
otherwise it gives up this round and deletes its output. Compaction commits carry the ledger and
freshness properties forward in their snapshot summary, so the current snapshot always has them.

Run one maintainer per table at a time (the sink every N commits, or a separate process).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError, ValidationException
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io import FileIO
from pyiceberg.io.pyarrow import ArrowScan
from pyiceberg.manifest import DataFile, ManifestContent, ManifestEntry, ManifestEntryStatus, ManifestFile
from pyiceberg.table import FileScanTask, Table, TableProperties, Transaction
from pyiceberg.table.refs import SnapshotRefType
from pyiceberg.table.snapshots import Snapshot
from pyiceberg.table.update.snapshot import ExpireSnapshots

from supplylake.lake.catalog import NAMESPACE
from supplylake.lake.datafiles import delete_files_quietly, write_data_files
from supplylake.lake.errors import TableReplaced
from supplylake.lake.ledger import read_ledger
from supplylake.lake.snapshot_properties import CARRIED_SUMMARY_PROPERTIES, LEDGER_PROPERTY, MAINTENANCE_PROPERTY
from supplylake.lake.tables import TableSpec
from supplylake.lake.transaction import begin
from supplylake.lake.writer import UNKNOWN_OUTCOME_ERRORS

_HOUR_MS = 3_600_000

#: a transaction ready to commit, and the id of the snapshot it creates
_Staged = tuple[Transaction, int]

#: the rows of one compaction bin -> the rows to write back (same schema)
RowPruning = Callable[[pa.Table], pa.Table]


@dataclass(frozen=True)
class MaintenancePolicy:
    """When and how hard to maintain a table. The defaults suit one commit a second."""

    #: always keep this many most recent snapshots (~100 s of history at one commit a second,
    #: also the grace period for readers pinned to an older metadata file)
    keep_last_snapshots: int = 100
    #: …plus the last snapshot of every hour for this long, for "as of Tuesday 18:00" queries
    keep_hourly_for: timedelta = timedelta(days=7)
    #: should_maintain() fires once this many snapshots are expirable (hysteresis: not every commit)
    min_snapshots_to_expire: int = 50
    #: a data file below this on-disk size is small; compaction writes files up to it
    target_file_size_bytes: int = 128 * 1024 * 1024
    #: compact a partition when it holds more than this many small files
    compact_min_small_files: int = 32
    #: merge manifests when the current snapshot has more than this many
    max_manifests: int = 64
    #: delete files only expired snapshots referenced (pyiceberg's expiry leaves them on disk)
    delete_expired_files: bool = True
    #: attempts per maintenance commit before giving up for this round
    max_commit_attempts: int = 5

    def __post_init__(self) -> None:
        if self.keep_last_snapshots < 1:
            raise ValueError("keep_last_snapshots must be at least 1")
        if self.compact_min_small_files < 1 or self.max_manifests < 1 or self.max_commit_attempts < 1:
            raise ValueError("compact_min_small_files, max_manifests and max_commit_attempts must be positive")


@dataclass(frozen=True)
class MaintenanceReport:
    snapshots_before: int
    snapshots_after: int
    snapshots_expired: int
    partitions_compacted: int
    files_rewritten: int
    files_written: int
    manifests_before: int
    manifests_after: int
    files_deleted: int
    #: why a step did nothing or gave up this round (empty when all went through)
    notes: tuple[str, ...]
    duration_ms: float


@dataclass
class MaintenanceHooks:
    """Test seams around each maintenance commit (step is ``"compact"``, ``"manifests"`` or ``"expire"``).

    Both run inside the commit's error handling, like the writer's :class:`CommitHooks`: raising
    ``ConnectionError`` from ``before_commit`` fails a request that never arrived, from
    ``after_commit`` one that landed but whose response was lost.
    """

    before_commit: Callable[[str], None] = lambda step: None
    after_commit: Callable[[str], None] = lambda step: None


# --- cheap check ----------------------------------------------------------------------------------


def should_maintain(table: Table, policy: MaintenancePolicy, *, now_ms: int | None = None) -> bool:
    """Whether :func:`maintain` has work: enough expirable snapshots, or too many manifests.

    Costs one manifest-list read; many small files always come with many manifests (one per
    commit), so the manifest count also stands in for the need to compact.
    """
    if len(snapshots_to_expire(table, policy, now_ms=now_ms)) >= policy.min_snapshots_to_expire:
        return True
    snapshot = table.current_snapshot()
    return snapshot is not None and len(snapshot.manifests(table.io)) > policy.max_manifests


def snapshots_to_expire(table: Table, policy: MaintenancePolicy, *, now_ms: int | None = None) -> list[int]:
    """Ids of the snapshots the policy no longer keeps (never a branch or tag head)."""
    protected = {
        ref.snapshot_id
        for ref in table.metadata.refs.values()
        if ref.snapshot_ref_type in (SnapshotRefType.BRANCH, SnapshotRefType.TAG)
    }
    snapshots = [(s.snapshot_id, s.timestamp_ms, s.sequence_number or 0) for s in table.metadata.snapshots]
    return select_expired(snapshots, protected, policy, now_ms=now_ms)


def select_expired(
    snapshots: Iterable[tuple[int, int, int]],
    protected: set[int],
    policy: MaintenancePolicy,
    *,
    now_ms: int | None = None,
) -> list[int]:
    """The retention rule on (snapshot id, timestamp ms, sequence number) triples, newest expired first."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    newest_first = sorted(snapshots, key=lambda s: (s[1], s[2]), reverse=True)
    keep = {snapshot_id for snapshot_id, _, _ in newest_first[: policy.keep_last_snapshots]} | protected
    horizon = now_ms - int(policy.keep_hourly_for.total_seconds() * 1000)
    hours_seen: set[int] = set()
    for snapshot_id, timestamp_ms, _ in newest_first:
        hour = timestamp_ms // _HOUR_MS
        if timestamp_ms >= horizon and hour not in hours_seen:
            hours_seen.add(hour)
            keep.add(snapshot_id)
    return [snapshot_id for snapshot_id, _, _ in newest_first if snapshot_id not in keep]


# --- maintain -----------------------------------------------------------------------------------


def maintain(
    catalog: Catalog,
    spec: TableSpec,
    policy: MaintenancePolicy | None = None,
    *,
    namespace: str = NAMESPACE,
    now_ms: int | None = None,
    hooks: MaintenanceHooks | None = None,
    prune: RowPruning | None = None,
) -> MaintenanceReport:
    """Compact, merge manifests, expire snapshots and delete expired files (see module doc).

    ``prune``, when given, sees the rows of every compaction bin and returns the ones to keep: a
    table whose older rows are superseded by newer ones (the state mirror's) sheds them there.
    """
    run = _Run(catalog, spec, policy or MaintenancePolicy(), namespace, hooks or MaintenanceHooks(), prune)
    return run.execute(now_ms)


@dataclass
class _Run:
    catalog: Catalog
    spec: TableSpec
    policy: MaintenancePolicy
    namespace: str
    hooks: MaintenanceHooks
    prune: RowPruning | None = None
    notes: list[str] = field(default_factory=list)
    table_uuid: object = None
    #: manifest path → its entries; manifest files are immutable, so one read per run is enough
    _entries: dict[str, list[ManifestEntry]] = field(default_factory=dict)

    def entries(self, manifest: ManifestFile, io: FileIO) -> list[ManifestEntry]:
        """All entries of ``manifest``, deleted ones included."""
        cached = self._entries.get(manifest.manifest_path)
        if cached is None:
            cached = self._entries[manifest.manifest_path] = manifest.fetch_manifest_entry(io, discard_deleted=False)
        return cached

    def live_data_files(self, table: Table) -> list[DataFile]:
        snapshot = table.current_snapshot()
        if snapshot is None:
            return []
        return [
            entry.data_file
            for manifest in snapshot.manifests(table.io)
            if manifest.content == ManifestContent.DATA
            for entry in self.entries(manifest, table.io)
            if entry.status != ManifestEntryStatus.DELETED
        ]

    def execute(self, now_ms: int | None) -> MaintenanceReport:
        started = time.monotonic()
        table = self.load()
        self.table_uuid = table.metadata.table_uuid
        snapshots_before = len(table.metadata.snapshots)
        manifests_before = _manifest_count(table)

        partitions, rewritten, written = self.compact()
        self.rewrite_manifests()
        expired, deleted = self.expire(now_ms)

        table = self.load()
        return MaintenanceReport(
            snapshots_before=snapshots_before,
            snapshots_after=len(table.metadata.snapshots),
            snapshots_expired=expired,
            partitions_compacted=partitions,
            files_rewritten=rewritten,
            files_written=written,
            manifests_before=manifests_before,
            manifests_after=_manifest_count(table),
            files_deleted=deleted,
            notes=tuple(self.notes),
            duration_ms=(time.monotonic() - started) * 1000,
        )

    def load(self) -> Table:
        identifier = self.spec.identifier(self.namespace)
        try:
            table = self.catalog.load_table(identifier)
        except NoSuchTableError as exc:
            raise TableReplaced(f"table {'.'.join(identifier)} disappeared during maintenance") from exc
        if self.table_uuid is not None and table.metadata.table_uuid != self.table_uuid:
            raise TableReplaced(f"table {'.'.join(identifier)} was replaced during maintenance")
        return table

    # --- 1. compaction ---------------------------------------------------------------------------

    def compact(self) -> tuple[int, int, int]:
        table = self.load()
        if table.current_snapshot() is None:
            return 0, 0, 0
        if _has_delete_files(table):
            self.notes.append("compaction skipped: the table has delete files (rows would be resurrected)")
            return 0, 0, 0
        groups: dict[tuple[int, object], list[DataFile]] = {}
        for data_file in self.live_data_files(table):
            if data_file.file_size_in_bytes < self.policy.target_file_size_bytes:
                groups.setdefault((data_file.spec_id, data_file.partition), []).append(data_file)
        partitions = rewritten = written = 0
        for files in groups.values():
            if len(files) <= self.policy.compact_min_small_files:
                continue
            outcome = self.compact_partition(table, files)
            if outcome is not None:
                partitions += 1
                rewritten += outcome[0]
                written += outcome[1]
        return partitions, rewritten, written

    def compact_partition(self, table: Table, files: list[DataFile]) -> tuple[int, int] | None:
        bins = [b for b in _bins(files, self.policy.target_file_size_bytes) if len(b) > 1]
        old = [f for b in bins for f in b]
        new: list[DataFile] = []
        for group in bins:
            rows = ArrowScan(
                table_metadata=table.metadata, io=table.io, projected_schema=table.schema(), row_filter=AlwaysTrue()
            ).to_table(tasks=[FileScanTask(f) for f in group])
            if self.prune is not None:
                rows = self.prune(rows)
            rows = _sorted(rows, self.spec.sort_by)
            # One output file per bin: the bin is already sized to the target.
            new.extend(write_data_files(table.metadata, table.io, rows, target_file_size_bytes=max(rows.nbytes, 1) * 2))
        old_paths = {f.file_path for f in old}

        def stage(head: Table) -> _Staged | None:
            live = {f.file_path for f in self.live_data_files(head)}
            if not old_paths <= live or _has_delete_files(head):
                # Someone else rewrote or deleted some of them: replacing them now could lose rows.
                self.notes.append("compaction of a partition gave up: its files changed meanwhile")
                return None
            tx = begin(head)
            with tx.update_snapshot(snapshot_properties=_carried_summary(head, "compaction")).overwrite() as overwrite:
                for data_file in old:
                    overwrite.delete_data_file(data_file)
                for data_file in new:
                    overwrite.append_data_file(data_file)
            return tx, overwrite.snapshot_id

        outcome = self.commit("compact", stage)
        if outcome == "landed":
            return len(old), len(new)
        if outcome == "lost":  # never part of any snapshot; after an unknown outcome they might be
            delete_files_quietly(table.io, [f.file_path for f in new])
        return None

    # --- 2. manifests ----------------------------------------------------------------------------

    def rewrite_manifests(self) -> None:
        def stage(head: Table) -> _Staged | None:
            snapshot = head.current_snapshot()
            if snapshot is None or _has_delete_files(head):
                return None
            if len(snapshot.manifests(head.io)) <= self.policy.max_manifests:
                return None
            switches = {TableProperties.MANIFEST_MERGE_ENABLED: "true", TableProperties.MANIFEST_MIN_MERGE_COUNT: "2"}
            previous = {k: head.properties[k] for k in switches if k in head.properties}
            tx = begin(head)
            # Merging is read from the table properties when the producer is created, so switch it
            # on for this one commit and restore the previous values in the same transaction.
            tx.set_properties(switches)
            carried = _carried_summary(head, "rewrite-manifests")
            with tx.update_snapshot(snapshot_properties=carried).merge_append() as merge:
                pass
            if previous:
                tx.set_properties(previous)
            if absent := [k for k in switches if k not in previous]:
                tx.remove_properties(*absent)
            return tx, merge.snapshot_id

        self.commit("manifests", stage)

    # --- 3./4. expiry and file deletion ------------------------------------------------------------

    def expire(self, now_ms: int | None) -> tuple[int, int]:
        for _ in range(self.policy.max_commit_attempts):
            before = self.load()
            expired = snapshots_to_expire(before, self.policy, now_ms=now_ms)
            if not expired:
                return 0, 0
            # The expiry commit updates ``before`` in place: remember what is about to go.
            gone = [s for s in before.metadata.snapshots if s.snapshot_id in set(expired)]
            try:
                self.hooks.before_commit("expire")
                # As table.maintenance.expire_snapshots(), but by_id() reads the metadata twice per
                # snapshot: with pyiceberg's copying transaction that is quadratic in history.
                ExpireSnapshots(transaction=begin(before, autocommit=True)).by_ids(expired).commit()
                self.hooks.after_commit("expire")
            except CommitFailedException:
                continue
            except UNKNOWN_OUTCOME_ERRORS:
                continue  # re-planning against a fresh load settles it either way
            deleted = self.delete_expired_files(before, gone) if self.policy.delete_expired_files else 0
            return len(expired), deleted
        self.notes.append("snapshot expiry gave up this round: the table kept changing")
        return 0, 0

    def delete_expired_files(self, before: Table, gone: list[Snapshot]) -> int:
        after = self.load()
        io = after.io
        reachable_lists = {s.manifest_list for s in after.metadata.snapshots}
        reachable_manifests: set[str] = set()
        reachable_files: set[str] = set()
        for manifest in _unique_manifests(after.metadata.snapshots, after):
            reachable_manifests.add(manifest.manifest_path)
            # Any status: a file a retained snapshot deleted may still be live in its retained parent.
            reachable_files.update(e.data_file.file_path for e in self.entries(manifest, io))
        doomed: list[str] = []
        for manifest in _unique_manifests(gone, before):
            if manifest.manifest_path in reachable_manifests:
                continue
            doomed.extend(
                path
                for path in {e.data_file.file_path for e in self.entries(manifest, io)}
                if path not in reachable_files
            )
            doomed.append(manifest.manifest_path)
        doomed.extend(s.manifest_list for s in gone if s.manifest_list not in reachable_lists)
        unique = sorted(set(doomed))
        delete_files_quietly(io, unique)
        return len(unique)

    # --- the commit loop shared by compaction and manifest rewrites -------------------------------

    def commit(self, step: str, stage: Callable[[Table], _Staged | None]) -> Literal["landed", "lost", "unknown"]:
        """Plan on a fresh head and commit without pyiceberg's rebase.

        ``lost`` means no attempt can have landed; ``unknown`` that one may have (keep its files).
        """
        pending: list[int] = []
        for attempt in range(self.policy.max_commit_attempts + 1):
            head = self.load()
            if any(head.metadata.snapshot_by_id(s) is not None for s in pending):
                return "landed"  # an earlier attempt whose response was lost did land
            if attempt == self.policy.max_commit_attempts:
                break  # the extra round only settles a pending unknown outcome
            staged = stage(head)
            if staged is None:
                return "unknown" if pending else "lost"
            tx, snapshot_id = staged
            try:
                self.hooks.before_commit(step)
                tx.commit_transaction()
                self.hooks.after_commit(step)
                return "landed"
            except (CommitFailedException, ValidationException):
                continue
            except UNKNOWN_OUTCOME_ERRORS:
                pending.append(snapshot_id)
                continue
        self.notes.append(f"{step} gave up this round after {self.policy.max_commit_attempts} attempts")
        return "unknown" if pending else "lost"


# --- helpers --------------------------------------------------------------------------------------


def _carried_summary(head: Table, operation: str) -> dict[str, str]:
    """The supplylake summary keys of ``head``, so the new current snapshot still has them."""
    carried: dict[str, str] = {MAINTENANCE_PROPERTY: operation}
    ledger = read_ledger(head)
    if not ledger.is_empty():
        carried[LEDGER_PROPERTY] = ledger.encode()
    snapshot = head.current_snapshot()
    if snapshot is not None and snapshot.summary is not None:
        for key in CARRIED_SUMMARY_PROPERTIES:
            if (value := snapshot.summary[key]) is not None:
                carried[key] = value
    return carried


def _has_delete_files(table: Table) -> bool:
    snapshot = table.current_snapshot()
    return snapshot is not None and any(m.content == ManifestContent.DELETES for m in snapshot.manifests(table.io))


def _manifest_count(table: Table) -> int:
    snapshot = table.current_snapshot()
    return 0 if snapshot is None else len(snapshot.manifests(table.io))


def _unique_manifests(snapshots: Iterable[Snapshot], table: Table) -> list[ManifestFile]:
    seen: dict[str, ManifestFile] = {}
    for snapshot in snapshots:
        for manifest in snapshot.manifests(table.io):
            seen.setdefault(manifest.manifest_path, manifest)
    return list(seen.values())


def _bins(files: list[DataFile], target: int) -> list[list[DataFile]]:
    """Greedy first-fit (smallest first) bins of files whose sizes add up to at most ``target``."""
    bins: list[list[DataFile]] = []
    sizes: list[int] = []
    for data_file in sorted(files, key=lambda f: (f.file_size_in_bytes, f.file_path)):
        for i, size in enumerate(sizes):
            if size + data_file.file_size_in_bytes <= target:
                bins[i].append(data_file)
                sizes[i] += data_file.file_size_in_bytes
                break
        else:
            bins.append([data_file])
            sizes.append(data_file.file_size_in_bytes)
    return bins


def _sorted(rows: pa.Table, sort_by: tuple[str, ...]) -> pa.Table:
    keys = [(name, "ascending") for name in sort_by if name in rows.column_names]
    return rows.sort_by(keys) if keys and rows.num_rows else rows
