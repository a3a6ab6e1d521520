"""The exactly-once lake sink for Quix Streams.

Each processed source record yields one :class:`LakeRows` (rows for any number of tables). At
every Quix checkpoint, ``flush()`` commits each table once, for all partitions, through an
:class:`~supplylake.lake.writer.ExactlyOnceWriter` that dedupes replays against the offsets
ledger in the table itself. Quix flushes sinks *before* it commits Kafka offsets, so after a
crash the same records come back; the ledger makes that harmless. Every few commits the sink
runs lake maintenance (snapshot expiry, compaction) so commit latency stays flat.

Commit figures, for benchmarks and monitoring, come out two ways; neither is log wording:

- **In process**: ``LakeSink(..., observers=[callback])`` calls each observer with a frozen
  :class:`CommitReport` after every table commit (after its maintenance, when that ran). An
  observer that raises is logged and ignored: the commit has landed, a broken measurement must
  not stop the pipeline.
- **Structured log**: with ``SUPPLYLAKE_LOG_FORMAT=json`` every log line on stderr is one JSON
  object. These two events and their field names are a stable interface (the bench parses them;
  add fields, never rename):

  ``{"event": "lake commit", "level": "debug", "timestamp": ..., "table": str, "rows": int,
  "skipped": int, "ms": float, "attempts": int, "committed_at_ms": int | null}``
    one per table commit (DEBUG: needs ``SUPPLYLAKE_LOG_LEVEL=DEBUG``). ``rows`` written,
    ``skipped`` rows dropped as replays, ``ms`` the commit's wall time including retries,
    ``attempts`` the commit attempts, ``committed_at_ms`` the snapshot's commit stamp (null when
    every row was a replay and nothing was committed).

  ``{"event": "lake maintenance", "level": "info", "timestamp": ..., "table": str, "ms": int,
  "report": str}``
    one per maintenance run (INFO); ``ms`` its wall time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyiceberg.catalog import Catalog
from quixstreams.sinks.base import BaseSink

from supplylake.lake.catalog import catalog_for
from supplylake.lake.fault_injection import commit_hooks
from supplylake.lake.maintenance import MaintenancePolicy, maintain, should_maintain
from supplylake.lake.tables import SRC_CLUSTER, SRC_OFFSET, SRC_PARTITION, SRC_TOPIC, TableSpec
from supplylake.lake.writer import CommitHooks, CommitResult, ExactlyOnceWriter
from supplylake.logs import get_logger
from supplylake.settings import Settings

# catalog_for lives in lake/catalog.py; it stays importable from here for older callers (bench/).
__all__ = ["CommitObserver", "CommitReport", "LakeRows", "LakeSink", "catalog_for"]

log = get_logger(__name__)


@dataclass(frozen=True)
class CommitReport:
    """One table commit of a sink flush, as observers see it (the same figures as the log event)."""

    table: str
    #: rows written to the table by this commit
    rows: int
    #: rows dropped because the table already held their source offsets (replays)
    skipped: int
    #: wall time of ExactlyOnceWriter.commit, retries included
    commit_ms: float
    #: commit attempts (1 unless it lost races or met unknown outcomes)
    attempts: int
    #: wall time of the maintenance that ran right after this commit; None when none ran
    maintenance_ms: float | None
    #: the snapshot's committed-at stamp (epoch ms, writer's clock); None when nothing was committed
    committed_at_ms: int | None


#: Called with every CommitReport, on the pipeline's thread, inside the sink's flush.
CommitObserver = Callable[[CommitReport], None]


@dataclass
class LakeRows:
    """What one source record contributes to the lake (and to the alert/DLQ topics)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    max_event_time_ms: int | None = None
    counters: dict[str, int] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    dead_letter: dict[str, Any] | None = None
    raw: bytes = b""

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


class LakeSink(BaseSink):
    """Buffers rows per table between checkpoints; one exactly-once commit per table per flush."""

    def __init__(
        self,
        catalog: Catalog,
        tables: Iterable[TableSpec],
        *,
        cluster_id: str,
        namespace: str,
        policy: MaintenancePolicy,
        maintain_every: int,
        observers: Iterable[CommitObserver] = (),
        hooks: CommitHooks | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.cluster_id = cluster_id
        self.namespace = namespace
        self.specs = {spec.name: spec for spec in tables}
        self.writers = {
            name: ExactlyOnceWriter(catalog, spec, cluster_id=cluster_id, namespace=namespace, hooks=hooks)
            for name, spec in self.specs.items()
        }
        self.policy = policy
        self.maintain_every = maintain_every
        self.counters: Counter[str] = Counter()
        # Run first in every flush: pipelines write their cached per-key state back here, so it
        # reaches Quix's transaction before the checkpoint produces the changelog.
        self.before_flush: list[Callable[[], None]] = []
        self.observers: list[CommitObserver] = list(observers)
        # Run last in every flush that processed records, after the lake commits and before Quix
        # produces the checkpoint's changelog and commits its offsets, with the first offset the
        # checkpoint processed per partition: a fence raises to stop a consumer whose partitions
        # were handed over meanwhile (a zombie), so its stale changelog records never land.
        self.fences: list[Callable[[Mapping[tuple[str, int], int]], None]] = []
        self._commits: Counter[str] = Counter()
        self._reset()

    @classmethod
    def for_tables(
        cls,
        settings: Settings,
        *,
        cluster_id: str,
        tables: Iterable[TableSpec],
        observers: Iterable[CommitObserver] = (),
    ) -> LakeSink:
        return cls(
            catalog_for(settings),
            tables,
            cluster_id=cluster_id,
            namespace=settings.catalog.namespace,
            policy=MaintenancePolicy(keep_last_snapshots=settings.lake.keep_last_snapshots),
            maintain_every=settings.lake.maintain_every_commits,
            observers=observers,
            hooks=commit_hooks(settings),  # the chaos suite's crash points; None unless configured
        )

    def _reset(self) -> None:
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.specs}
        self._offsets: dict[tuple[str, int], int] = {}
        self._first_offsets: dict[tuple[str, int], int] = {}
        self._max_event_time: dict[str, int] = {}

    def add(self, value: Any, key: Any, timestamp: int, headers: Any, topic: str, partition: int, offset: int) -> None:
        tp = (topic, partition)
        if offset > self._offsets.get(tp, -1):
            self._offsets[tp] = offset
        if offset < self._first_offsets.get(tp, offset + 1):
            self._first_offsets[tp] = offset
        if not isinstance(value, LakeRows):
            return
        self.counters.update(value.counters)
        for table, rows in value.tables.items():
            buffer = self._rows[table]
            for row in rows:
                row[SRC_CLUSTER] = self.cluster_id
                row[SRC_TOPIC] = topic
                row[SRC_PARTITION] = partition
                row[SRC_OFFSET] = offset
                buffer.append(row)
            if value.max_event_time_ms is not None and value.max_event_time_ms > self._max_event_time.get(table, -1):
                self._max_event_time[table] = value.max_event_time_ms

    def flush(self) -> None:
        try:
            for hook in self.before_flush:
                hook()
            if not self._offsets:
                return
            for name, rows in self._rows.items():
                # A table with nothing new keeps its ledger where it is: replaying those offsets
                # yields no rows for it either, so nothing can be written twice.
                if not rows:
                    continue
                result = self.writers[name].commit(
                    self.specs[name].latest_rows(rows), self._offsets, max_event_time_ms=self._max_event_time.get(name)
                )
                self._commits[name] += 1
                self._log_commit(name, result)
                maintenance_ms = self._maintain(name) if self._commits[name] % self.maintain_every == 0 else None
                self._notify(_report(name, result, maintenance_ms))
            for fence in self.fences:
                fence(dict(self._first_offsets))
        finally:
            self._reset()

    def _maintain(self, name: str) -> float | None:
        """Maintain ``name`` if it needs it; its wall time in ms, or None when it did not."""
        spec = self.specs[name]
        table = self.catalog.load_table(spec.identifier(self.namespace))
        if not should_maintain(table, self.policy):
            return None
        started = time.monotonic()
        report = maintain(self.catalog, spec, self.policy, namespace=self.namespace)
        self.writers[name].forget_head()  # maintenance committed: the writer's table is stale
        elapsed_ms = (time.monotonic() - started) * 1000
        log.info("lake maintenance", table=name, ms=round(elapsed_ms), report=str(report))
        return elapsed_ms

    @staticmethod
    def _log_commit(name: str, result: CommitResult) -> None:
        # Field names are an interface (module docstring): add fields at the end, never rename.
        log.debug(
            "lake commit",
            table=name,
            rows=result.rows_written,
            skipped=result.rows_skipped_as_replayed,
            ms=round(result.duration_ms, 1),
            attempts=result.attempts,
            committed_at_ms=result.committed_at_ms,
        )

    def _notify(self, report: CommitReport) -> None:
        for observer in self.observers:
            try:
                observer(report)
            except Exception:
                log.exception("lake commit observer failed; the commit itself succeeded", table=report.table)


def _report(name: str, result: CommitResult, maintenance_ms: float | None) -> CommitReport:
    return CommitReport(
        table=name,
        rows=result.rows_written,
        skipped=result.rows_skipped_as_replayed,
        commit_ms=result.duration_ms,
        attempts=result.attempts,
        maintenance_ms=maintenance_ms,
        committed_at_ms=result.committed_at_ms,
    )
