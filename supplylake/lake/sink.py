"""The exactly-once lake sink for Quix Streams.

Each processed source record yields one :class:`LakeRows` (rows for any number of tables). At
every Quix checkpoint, ``flush()`` commits each table once, for all partitions, through an
:class:`~supplylake.lake.writer.ExactlyOnceWriter` that dedupes replays against the offsets
ledger in the table itself. Quix flushes sinks *before* it commits Kafka offsets, so after a
crash the same records come back; the ledger makes that harmless. Every few commits the sink
runs lake maintenance (snapshot expiry, compaction) so commit latency stays flat.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pyiceberg.catalog import Catalog
from quixstreams.sinks.base import BaseSink

from supplylake.lake.catalog import default_catalog_properties, open_catalog
from supplylake.lake.maintenance import MaintenancePolicy, maintain, should_maintain
from supplylake.lake.tables import SRC_CLUSTER, SRC_OFFSET, SRC_PARTITION, SRC_TOPIC, TableSpec
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.logs import get_logger
from supplylake.settings import Settings

log = get_logger(__name__)


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


def catalog_for(settings: Settings) -> Catalog:
    """The configured Iceberg catalog (SqlCatalog under the data dir unless configured)."""
    properties = settings.catalog.properties or default_catalog_properties(settings.data_dir)
    return open_catalog(settings.catalog.name, properties, namespace=settings.catalog.namespace)


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
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.cluster_id = cluster_id
        self.namespace = namespace
        self.specs = {spec.name: spec for spec in tables}
        self.writers = {
            name: ExactlyOnceWriter(catalog, spec, cluster_id=cluster_id, namespace=namespace)
            for name, spec in self.specs.items()
        }
        self.policy = policy
        self.maintain_every = maintain_every
        self.counters: Counter[str] = Counter()
        # Run first in every flush: pipelines write their cached per-key state back here, so it
        # reaches Quix's transaction before the checkpoint produces the changelog.
        self.before_flush: list[Callable[[], None]] = []
        self._commits: Counter[str] = Counter()
        self._reset()

    @classmethod
    def for_tables(cls, settings: Settings, *, cluster_id: str, tables: Iterable[TableSpec]) -> LakeSink:
        return cls(
            catalog_for(settings),
            tables,
            cluster_id=cluster_id,
            namespace=settings.catalog.namespace,
            policy=MaintenancePolicy(keep_last_snapshots=settings.lake.keep_last_snapshots),
            maintain_every=settings.lake.maintain_every_commits,
        )

    def _reset(self) -> None:
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.specs}
        self._offsets: dict[tuple[str, int], int] = {}
        self._max_event_time: dict[str, int] = {}

    def add(self, value: Any, key: Any, timestamp: int, headers: Any, topic: str, partition: int, offset: int) -> None:
        tp = (topic, partition)
        if offset > self._offsets.get(tp, -1):
            self._offsets[tp] = offset
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
                    rows, self._offsets, max_event_time_ms=self._max_event_time.get(name)
                )
                self._commits[name] += 1
                log.debug(
                    "lake commit",
                    table=name,
                    rows=result.rows_written,
                    skipped=result.rows_skipped_as_replayed,
                    ms=round(result.duration_ms, 1),
                )
                if self._commits[name] % self.maintain_every == 0:
                    self._maintain(name)
        finally:
            self._reset()

    def _maintain(self, name: str) -> None:
        spec = self.specs[name]
        table = self.catalog.load_table(spec.identifier(self.namespace))
        if not should_maintain(table, self.policy):
            return
        started = time.monotonic()
        report = maintain(self.catalog, spec, self.policy, namespace=self.namespace)
        log.info("lake maintenance", table=name, ms=round((time.monotonic() - started) * 1000), report=str(report))
