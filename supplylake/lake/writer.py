"""Exactly-once appends: rows and the offsets they came from, in one Iceberg commit.

Every attempt of :meth:`ExactlyOnceWriter.commit` runs the loop the trusted sinks (Iceberg Kafka
Connect, Flink) run:

1. load the table fresh from the catalog and check it is still the table first seen (UUID) —
   except on the first attempt after this writer's own successful commit, which starts from the
   table that commit returned (see below);
2. read the offsets ledger for this broker cluster from that metadata;
3. drop rows whose source offset is at or below the ledger (a replay: already in the table);
4. write the remaining rows as data files and commit them in one transaction whose snapshot
   summary carries the merged ledger (mirrored in a table property in the same transaction).

The commit asserts that the branch head is still the snapshot the ledger was read from, and the
table has ``commit.retry.num-retries=0``: pyiceberg's own retry would rebase the append onto a
newer head *without* re-reading the ledger, and duplicate whatever another writer (a zombie flush,
a replay) committed in between. A conflict therefore goes back to step 1. That same assertion
is what lets a writer skip the fresh load after its own commit: if anyone committed since, the
head moved, the commit fails and the next attempt loads. When a commit's outcome is unknown
(the connection died after the request was sent), step 1 also settles it: if the attempt
landed, its snapshot is in the table (and the ledger covers the batch anyway).
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import (
    CommitFailedException,
    CommitStateUnknownException,
    NoSuchTableError,
    ServerError,
    ServiceUnavailableError,
)
from pyiceberg.table import Table, TableProperties
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, wait_random_exponential

from supplylake.lake.catalog import NAMESPACE
from supplylake.lake.datafiles import delete_files_quietly, write_data_files
from supplylake.lake.errors import CommitConflict, InvalidBatch, LakeDiskFull, TableReplaced
from supplylake.lake.ledger import MAX_CLUSTERS, Ledger, TopicPartition, read_ledger
from supplylake.lake.snapshot_properties import COMMITTED_AT_PROPERTY, LEDGER_PROPERTY, MAX_EVENT_TIME_PROPERTY
from supplylake.lake.tables import (
    SRC_OFFSET,
    SRC_PARTITION,
    SRC_TOPIC,
    TableSpec,
    conform_arrow,
    ensure_table,
    rows_to_arrow,
)
from supplylake.lake.transaction import begin
from supplylake.logs import get_logger

# The property names live in snapshot_properties; they stay importable from here for older callers.
__all__ = [
    "COMMITTED_AT_PROPERTY",
    "MAX_EVENT_TIME_PROPERTY",
    "UNKNOWN_OUTCOME_ERRORS",
    "CommitAttempt",
    "CommitHooks",
    "CommitResult",
    "ExactlyOnceWriter",
]

try:  # the SQL catalog's "database is locked" and dropped connections: outcome unknown, retry
    from sqlalchemy.exc import OperationalError as _SqlOperationalError
except ImportError:  # pragma: no cover - only without the sql extra
    _SqlOperationalError = OSError  # type: ignore[assignment,misc]

#: Errors after which a commit may or may not have landed. Anything else propagates: a replay of
#: the batch is still safe (the ledger dedupes it), so hiding bugs behind retries buys nothing.
UNKNOWN_OUTCOME_ERRORS: tuple[type[BaseException], ...] = (
    CommitStateUnknownException,
    ServerError,
    ServiceUnavailableError,
    OSError,  # includes ConnectionError and TimeoutError
    _SqlOperationalError,
)


@dataclass(frozen=True)
class CommitAttempt:
    """What a hook sees: the attempt about to be (or just) committed."""

    attempt: int
    snapshot_id: int
    rows: int
    ledger_before: Ledger
    table: Table


@dataclass
class CommitHooks:
    """Test seams at the two dangerous instants of a commit (no-ops by default).

    Both run inside the commit's error handling. ``before_commit`` runs after the ledger was read
    and the rows filtered, just before the catalog commit: a test commits another writer there (a
    zombie), or raises ``ConnectionError`` to fail a request that never reached the catalog.
    ``after_commit`` runs right after the catalog accepted the commit: raising there simulates a
    commit that landed but whose response was lost.
    """

    before_commit: Callable[[CommitAttempt], None] = lambda attempt: None
    after_commit: Callable[[CommitAttempt], None] = lambda attempt: None


@dataclass(frozen=True)
class CommitResult:
    rows_written: int
    rows_skipped_as_replayed: int
    #: the snapshot this call created, or None when there was nothing new to commit
    snapshot_id: int | None
    attempts: int
    duration_ms: float
    #: this cluster's ledger after the call
    offsets: Mapping[TopicPartition, int] = field(default_factory=dict)
    #: the snapshot's COMMITTED_AT_PROPERTY (epoch ms, writer's clock), or None when nothing was committed
    committed_at_ms: int | None = None

    @property
    def committed(self) -> bool:
        return self.snapshot_id is not None


log = get_logger(__name__)


def disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a full disk: ENOSPC/EDQUOT, or SQLite's "disk is full"."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "disk is full" in str(exc) or "No space left on device" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class _TryAgain(Exception):
    """Internal: this attempt lost a race or ended with an unknown outcome."""


class _Unavailable(_TryAgain):
    """Internal: the catalog or the warehouse could not be reached (locked, unreadable, gone)."""


class ExactlyOnceWriter:
    """Appends batches to one table, each batch exactly once per (cluster, topic, partition, offset).

    ``cluster_id`` is the id of the broker cluster the offsets belong to. Rows must carry the
    ``_src_topic``/``_src_partition``/``_src_offset`` of the record they were derived from, and a
    batch must hold *all* rows derived from each offset it covers (dedup is per offset).
    """

    def __init__(
        self,
        catalog: Catalog,
        spec: TableSpec,
        *,
        cluster_id: str,
        namespace: str = NAMESPACE,
        max_attempts: int = 10,
        max_unavailable_s: float = 60.0,
        backoff_initial_s: float = 0.05,
        backoff_max_s: float = 2.0,
        max_clusters: int = MAX_CLUSTERS,
        hooks: CommitHooks | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not cluster_id:
            raise ValueError("cluster_id is required: offsets mean nothing without the broker they come from")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._catalog = catalog
        self._spec = spec
        self._cluster_id = cluster_id
        self._identifier = spec.identifier(namespace)
        self._max_attempts = max_attempts
        self._max_unavailable_s = max_unavailable_s
        self._wait = wait_random_exponential(multiplier=backoff_initial_s, max=backoff_max_s)
        self._max_clusters = max_clusters
        self._hooks = hooks or CommitHooks()
        self._sleep = sleep
        # Creating/evolving here means a writer never appends columns the table lacks; the UUID
        # seen now is the table this writer's ledger belongs to.
        self._table_uuid = ensure_table(catalog, spec, namespace=namespace).metadata.table_uuid
        # The table as this writer's last successful commit left it: the next commit's first
        # attempt starts from it (None: load fresh).
        self._head: Table | None = None

    @property
    def cluster_id(self) -> str:
        return self._cluster_id

    @property
    def table_name(self) -> str:
        return ".".join(self._identifier)

    def forget_head(self) -> None:
        """Load fresh on the next commit (call after changing the table by other means)."""
        self._head = None

    def committed_offsets(self) -> dict[TopicPartition, int]:
        """This cluster's ledger from a fresh load: (topic, partition) → last committed offset."""
        return read_ledger(self._load()).offsets(self._cluster_id)

    def commit(
        self,
        rows: pa.Table | Sequence[Mapping[str, Any]],
        offsets: Mapping[TopicPartition, int],
        *,
        max_event_time_ms: int | None,
    ) -> CommitResult:
        """Append ``rows`` and advance the ledger to ``offsets`` in one commit, skipping replays.

        ``offsets`` maps each (topic, partition) of the batch to the highest source offset it
        covers, including partitions that produced no rows (so the ledger still advances).
        ``max_event_time_ms`` is recorded for freshness (the maximum is kept across commits); when
        None it is taken from the written rows' time column.
        """
        started = time.monotonic()
        batch = rows if isinstance(rows, pa.Table) else rows_to_arrow(self._spec, rows)
        batch = conform_arrow(self._spec, batch)
        offsets = {(str(t), int(p)): int(o) for (t, p), o in offsets.items()}
        _check_batch(batch, offsets, self.table_name)

        state = _CommitState()
        retrying = Retrying(
            stop=lambda retry_state: self._stop(retry_state, state),
            wait=self._wait,
            retry=retry_if_exception_type(_TryAgain),
            sleep=self._sleep,
            before_sleep=lambda retry_state: self._say_disk_full(retry_state, state),
        )
        try:
            for attempt in retrying:
                with attempt:
                    state.attempts = attempt.retry_state.attempt_number
                    result = self._attempt(batch, offsets, max_event_time_ms, state)
        except RetryError as exc:
            settled = self._settle_unknown(batch, state)
            if settled is None:
                last = exc.last_attempt.exception()
                cause = (last.__cause__ or last) if last is not None else exc
                if disk_full(last):
                    raise LakeDiskFull(
                        f"{self.table_name}: the lake's disk is full, {batch.num_rows} row(s) not committed "
                        f"({type(cause).__name__}: {cause})",
                        hint="free space on the disk that holds the data dir's lake/ (`df -h` shows it); nothing was "
                        "committed, and the pipeline writes this batch once when it is restarted",
                    ) from cause
                raise CommitConflict(
                    f"{self.table_name}: commit of {batch.num_rows} row(s) not confirmed after {state.attempts} "
                    f"attempt(s) ({type(cause).__name__}: {cause})",
                    hint="other writers keep committing to this table, or the catalog is unreachable; retrying the "
                    "same batch later is safe (it is deduplicated against the ledger)",
                ) from cause
            result = settled
        return CommitResult(
            rows_written=result.rows_written,
            rows_skipped_as_replayed=result.rows_skipped_as_replayed,
            snapshot_id=result.snapshot_id,
            attempts=state.attempts,
            duration_ms=(time.monotonic() - started) * 1000,
            offsets=result.offsets,
            committed_at_ms=result.committed_at_ms,
        )

    def _say_disk_full(self, retry_state: RetryCallState, state: _CommitState) -> None:
        """One warning per commit when it waits for disk space (the retries themselves are quiet)."""
        outcome = retry_state.outcome
        if state.warned_disk_full or outcome is None or not disk_full(outcome.exception()):
            return
        state.warned_disk_full = True
        log.warning("lake disk full, waiting for space", table=self.table_name, for_up_to_s=self._max_unavailable_s)

    def _stop(self, retry_state: RetryCallState, state: _CommitState) -> bool:
        """Lost races get ``max_attempts``; an unreachable catalog or warehouse gets (at least)
        ``max_unavailable_s`` of retries, so an outage that short never stops the pipeline.

        The two budgets are separate: attempts spent waiting out an outage do not count as lost
        races, so writers that all resume at once when the catalog or the disk is back (and
        conflict with each other) still get ``max_attempts`` tries each.
        """
        outcome = retry_state.outcome
        if outcome is not None and isinstance(outcome.exception(), _Unavailable):
            waited = max(retry_state.seconds_since_start or 0.0, retry_state.idle_for)  # idle_for: a fake sleep too
            return retry_state.attempt_number >= self._max_attempts and waited >= self._max_unavailable_s
        state.lost_races += 1
        return state.lost_races >= self._max_attempts

    # --- one attempt ------------------------------------------------------------------------------

    def _attempt(
        self, batch: pa.Table, offsets: dict[TopicPartition, int], max_event_time_ms: int | None, state: _CommitState
    ) -> CommitResult:
        try:
            table, self._head = self._head or self._load(for_write=True), None
        except UNKNOWN_OUTCOME_ERRORS as exc:  # nothing was sent: the catalog or warehouse is unreachable
            raise _Unavailable("table could not be loaded") from exc
        ledger = read_ledger(table)
        landed = next((a for a in state.unknown if table.metadata.snapshot_by_id(a.snapshot_id) is not None), None)
        if landed is not None:  # an earlier attempt's lost response: it did commit
            return _landed(table, landed, batch.num_rows, ledger, self._cluster_id)

        committed = ledger.offsets(self._cluster_id)
        new_rows = _drop_replayed(batch, {tp: committed[tp] for tp in offsets if tp in committed})
        if new_rows.num_rows == 0 and ledger.covers(self._cluster_id, offsets):
            return _result(0, batch.num_rows, None, ledger, self._cluster_id)

        merged = ledger.merge(self._cluster_id, offsets, max_clusters=self._max_clusters)
        committed_at_ms = int(time.time() * 1000)
        summary = {
            LEDGER_PROPERTY: merged.encode(),
            COMMITTED_AT_PROPERTY: str(committed_at_ms),
            **_max_event_time(table, new_rows, self._spec.time_column, max_event_time_ms),
        }
        tx = begin(table)
        try:
            data_files = write_data_files(table.metadata, table.io, new_rows)
        except OSError as exc:  # the warehouse is unwritable: nothing was committed
            raise _Unavailable("data files could not be written") from exc
        try:
            with tx.update_snapshot(snapshot_properties=summary).fast_append() as append:
                for data_file in data_files:
                    append.append_data_file(data_file)
            tx.set_properties({LEDGER_PROPERTY: summary[LEDGER_PROPERTY]})
        except OSError as exc:
            # Staging reads the base snapshot's manifest list: gone when maintenance expired the
            # snapshot this writer's cached head is at (or the warehouse is unreadable). Nothing
            # was sent; the next attempt loads the table fresh.
            delete_files_quietly(table.io, [f.file_path for f in data_files])
            raise _Unavailable("the table's files could not be read") from exc
        info = CommitAttempt(state.attempts, append.snapshot_id, new_rows.num_rows, ledger, table)
        try:
            self._hooks.before_commit(info)
            head = tx.commit_transaction()
            self._hooks.after_commit(info)
        except CommitFailedException as exc:
            # Definitely not applied: the data files are nobody's, and the ledger must be re-read.
            delete_files_quietly(table.io, [f.file_path for f in data_files])
            raise _TryAgain("conflict") from exc
        except UNKNOWN_OUTCOME_ERRORS as exc:
            state.unknown.append(info)  # files may be referenced now: keep them
            unreachable = isinstance(exc, (OSError, _SqlOperationalError))  # locked, unreadable, gone
            raise (_Unavailable if unreachable else _TryAgain)("unknown outcome") from exc
        self._head = head
        skipped = batch.num_rows - new_rows.num_rows
        return _result(new_rows.num_rows, skipped, append.snapshot_id, merged, self._cluster_id, committed_at_ms)

    def _settle_unknown(self, batch: pa.Table, state: _CommitState) -> CommitResult | None:
        """After the last attempt: did an attempt with an unknown outcome land after all?"""
        if not state.unknown:
            return None
        try:
            table = self._load()
        except UNKNOWN_OUTCOME_ERRORS:
            return None
        for info in state.unknown:
            if table.metadata.snapshot_by_id(info.snapshot_id) is not None:
                return _landed(table, info, batch.num_rows, read_ledger(table), self._cluster_id)
        return None

    def _load(self, *, for_write: bool = False) -> Table:
        try:
            table = self._catalog.load_table(self._identifier)
        except NoSuchTableError as exc:
            raise TableReplaced(
                f"table {self.table_name} no longer exists",
                hint="recreate it with ensure_table and restart the sink; its offsets ledger is gone with it",
            ) from exc
        if table.metadata.table_uuid != self._table_uuid:
            raise TableReplaced(
                f"table {self.table_name} was replaced (uuid {self._table_uuid} → {table.metadata.table_uuid})",
                hint="a new table has a new, empty offsets ledger: restart the sink so it resumes from the new table",
            )
        if for_write and table.properties.get(TableProperties.COMMIT_NUM_RETRIES) != "0":
            # Someone re-enabled pyiceberg's blind rebase: switch it off before writing, not after.
            try:
                fix = {TableProperties.COMMIT_NUM_RETRIES: "0"}
                table = table.transaction().set_properties(fix).commit_transaction()
            except CommitFailedException as exc:
                raise _TryAgain("table changed while switching pyiceberg retries off") from exc
        return table


@dataclass
class _CommitState:
    attempts: int = 0
    unknown: list[CommitAttempt] = field(default_factory=list)
    warned_disk_full: bool = False
    lost_races: int = 0  # attempts that failed other than by the catalog or warehouse being unreachable


def _result(
    written: int,
    skipped: int,
    snapshot_id: int | None,
    ledger: Ledger,
    cluster_id: str,
    committed_at_ms: int | None = None,
) -> CommitResult:
    return CommitResult(
        written,
        skipped,
        snapshot_id,
        attempts=0,
        duration_ms=0.0,
        offsets=ledger.offsets(cluster_id),
        committed_at_ms=committed_at_ms,
    )


def _landed(table: Table, attempt: CommitAttempt, batch_rows: int, ledger: Ledger, cluster_id: str) -> CommitResult:
    """The result of an attempt whose response was lost but whose snapshot is in ``table``."""
    snapshot = table.metadata.snapshot_by_id(attempt.snapshot_id)
    stamp = snapshot.summary[COMMITTED_AT_PROPERTY] if snapshot is not None and snapshot.summary else None
    committed_at_ms = int(stamp) if stamp is not None else None
    return _result(attempt.rows, batch_rows - attempt.rows, attempt.snapshot_id, ledger, cluster_id, committed_at_ms)


def _check_batch(batch: pa.Table, offsets: Mapping[TopicPartition, int], table_name: str) -> None:
    """Rows must lie within the offsets declared for their partition, or the ledger would lie."""
    if batch.num_rows == 0:
        return
    highest = batch.group_by([SRC_TOPIC, SRC_PARTITION]).aggregate([(SRC_OFFSET, "max")]).to_pylist()
    for entry in highest:
        tp = (entry[SRC_TOPIC], entry[SRC_PARTITION])
        if tp not in offsets or entry[f"{SRC_OFFSET}_max"] > offsets[tp]:
            raise InvalidBatch(
                f"{table_name}: rows of {tp[0]}[{tp[1]}] reach offset {entry[f'{SRC_OFFSET}_max']} but the batch "
                f"declares {offsets.get(tp)}",
                hint="pass, per (topic, partition), the highest source offset the batch covers",
            )


def _drop_replayed(batch: pa.Table, committed: Mapping[TopicPartition, int]) -> pa.Table:
    """Rows whose source offset is above the ledger (offset granularity, vectorised)."""
    if not committed or batch.num_rows == 0:
        return batch
    replayed = None
    for (topic, partition), offset in committed.items():
        mask = pc.and_(
            pc.and_(pc.equal(batch[SRC_TOPIC], topic), pc.equal(batch[SRC_PARTITION], partition)),
            pc.less_equal(batch[SRC_OFFSET], offset),
        )
        replayed = mask if replayed is None else pc.or_(replayed, mask)
    return batch.filter(pc.invert(replayed))


def _max_event_time(
    table: Table, new_rows: pa.Table, time_column: str, max_event_time_ms: int | None
) -> dict[str, str]:
    """Carry the table's max event time forward; freshness must not go back on an older batch."""
    candidates: list[int] = []
    snapshot = table.current_snapshot()
    if snapshot is not None and (previous := snapshot.summary[MAX_EVENT_TIME_PROPERTY] if snapshot.summary else None):
        candidates.append(int(previous))
    if max_event_time_ms is not None:
        candidates.append(int(max_event_time_ms))
    elif new_rows.num_rows:
        latest = pc.max(new_rows[time_column]).as_py()
        if latest is not None:
            candidates.append(int(latest.timestamp() * 1000))
    return {MAX_EVENT_TIME_PROPERTY: str(max(candidates))} if candidates else {}
