"""Every pipeline's Quix state, mirrored into the lake and seeded back on a new broker epoch.

The embedded broker starts empty on every run: its changelog topics, which are what Quix
restores state from, are gone, while the lake remains. Without care, re-running a file would
store every event again and raise every alert again, and a new ``demo`` would forget every
stock level, open shipment, timer and open alert episode. One mechanism covers every pipeline:

**Mirror.** At each checkpoint, after the pipeline has written its cached state back to Quix
(the lake sink's ``before_flush`` hooks run in order; this one runs last), :meth:`StateMirror.commit`
reads the changes each store transaction holds — exactly what Quix is about to produce to its
changelog — and appends them to the pipeline's ``state_<pipeline>`` table with the
exactly-once writer, attributed to the last source offset the checkpoint processed on that
partition. It commits before the sink's own tables: should a crash between the two end the
epoch, the next one errs towards "already applied" (the state's own duplicate memory) rather
than applying an event twice.

**Seed.** A new epoch begins with empty stores. The first record each store partition
processes in a checkpoint first checks a marker key; when it does not name this broker's
cluster id, the latest value of every key from earlier epochs
(:func:`~supplylake.lake.epoch_history.latest_state`) is written into the partition's
transaction, with the marker. That is a normal state write: it reaches the changelog and
commits with the first checkpoint, and a crash before that commit simply seeds again. State is
restored byte for byte, so whatever a pipeline keeps in its stores — levels, shipments, timers
and clocks, open alert episodes, recent event ids — carries over, with no per-pipeline code.

**History.** The state only remembers recent event ids, so each pipeline also gets an
:class:`~supplylake.lake.epoch_history.EpochHistory`: the ids of the events its tables already
hold from earlier epochs (skipped as duplicates before they touch state) and the dead letters
already recorded (not recorded again).

This reaches Quix internals (the checkpoint's store transactions and their update cache; Quix
3.28, pinned), checked here so an upgrade that moves them fails loudly at the first checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pyiceberg.catalog import Catalog
from quixstreams import Application
from quixstreams.context import message_context
from quixstreams.state import State
from quixstreams.state.metadata import LOCAL_ONLY_CFS, SEPARATOR, TTL_SYSTEM_CF_NAME

from supplylake.lake.epoch_history import EpochHistory, latest_per_epoch, latest_state, load_history
from supplylake.lake.fault_injection import commit_hooks
from supplylake.lake.maintenance import MaintenancePolicy, maintain, should_maintain
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import SRC_CLUSTER, SRC_OFFSET, SRC_PARTITION, SRC_TOPIC, TableSpec
from supplylake.lake.tables.pipeline_state import internal_namespace, state_table
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.logs import get_logger
from supplylake.pipelines.keyed_state import StateAccessError, partition_transaction
from supplylake.pipelines.runtime import broker_guard, handover_fence
from supplylake.settings import Settings

log = get_logger(__name__)

# The marker lives under a prefix no message key can have, and is never mirrored.
MARKER_PREFIX = b"\x00supplylake-epoch"
MARKER_KEY = "seeded"
_SKIPPED_CFS = LOCAL_ONLY_CFS | {TTL_SYSTEM_CF_NAME}

R = TypeVar("R")
StatefulFunction = Callable[[Any, Any, int, Any, State], R]


class StateMirror:
    """The lake mirror of one pipeline's Quix state (see the module docstring)."""

    def __init__(
        self,
        app: Application,
        pipeline: str,
        *,
        settings: Settings,
        cluster_id: str,
        catalog: Catalog,
        applied_in: Iterable[TableSpec] = (),
    ) -> None:
        self._app = app
        self.cluster_id = cluster_id
        self.spec = state_table(pipeline)
        self.namespace = internal_namespace(settings.catalog.namespace)
        # Several pipelines (and instances) start at once: the catalog takes a lost race as "exists".
        catalog.create_namespace_if_not_exists(self.namespace)
        self._catalog = catalog
        self._writer = ExactlyOnceWriter(
            catalog, self.spec, cluster_id=cluster_id, namespace=self.namespace, hooks=commit_hooks(settings)
        )
        self._policy = MaintenancePolicy(keep_last_snapshots=settings.lake.keep_last_snapshots)
        self._maintain_every = settings.lake.maintain_every_commits
        self._commits = 0
        self.history: EpochHistory = load_history(catalog, settings.catalog.namespace, cluster_id, applied_in)
        # (store, partition) -> the transaction in which its marker was confirmed: a new
        # transaction (the next checkpoint, or one after an aborted checkpoint) checks again.
        self._confirmed: dict[tuple[str, int], Any] = {}

    @classmethod
    def for_sink(
        cls, app: Application, pipeline: str, sink: LakeSink, settings: Settings, applied_in: Iterable[TableSpec] = ()
    ) -> StateMirror:
        """A mirror into ``sink``'s catalog; add :meth:`commit` to ``sink.before_flush`` after the state caches.

        It also guards ``sink``'s epoch at both ends of each flush: first, that the broker is still
        the one its offsets belong to (runtime.broker_guard); last, that no other group member
        took its partitions over meanwhile, before a zombie's changelog lands (runtime.handover_fence).
        """
        sink.before_flush.insert(0, broker_guard(app, sink.cluster_id))
        sink.fences.append(handover_fence(app))
        return cls(
            app, pipeline, settings=settings, cluster_id=sink.cluster_id, catalog=sink.catalog, applied_in=applied_in
        )

    # -- seeding ------------------------------------------------------------------------------

    def stateful(self, function: StatefulFunction[R], store: str = "default") -> StatefulFunction[R]:
        """``function`` (a Quix ``apply(stateful=True, metadata=True)`` callback), seeding its store first."""

        def seeded(value: Any, key: Any, timestamp: int, headers: Any, state: State) -> R:
            ctx = message_context()
            where = (f"{ctx.topic}/{store}", ctx.partition)
            transaction = partition_transaction(state, needs="set_bytes")
            if self._confirmed.get(where) is not transaction:
                self._ensure_seeded(transaction, *where)
                self._confirmed[where] = transaction
            result = function(value, key, timestamp, headers, state)
            return self.replayed(result) if isinstance(result, LakeRows) else result  # type: ignore[return-value]

        return seeded

    def replayed(self, rows: LakeRows) -> LakeRows:
        """``rows``, or a plain duplicate count when they are a dead letter an earlier epoch recorded."""
        if rows.dead_letter is not None and self.history.recorded(rows.dead_letter):
            return LakeRows(counters={"duplicates": 1})
        return rows

    def _ensure_seeded(self, transaction: Any, store: str, partition: int) -> None:
        if transaction.get(MARKER_KEY, prefix=MARKER_PREFIX) == self.cluster_id:
            return
        # Read from the lake each time a partition needs it (once per partition per epoch, again
        # only when a partition whose first checkpoint never committed comes back).
        entries = latest_state(
            self._catalog, self.spec.identifier(self.namespace), self.cluster_id, store, partition
        ).get(partition, [])
        for entry in entries:
            transaction.set_bytes(
                key=entry.key[len(entry.prefix) + len(SEPARATOR) :] if entry.prefix else entry.key,
                value=entry.value,
                prefix=entry.prefix,
                cf_name=entry.cf,
            )
        transaction.set(MARKER_KEY, self.cluster_id, prefix=MARKER_PREFIX)
        if entries:
            log.info("seeded state from the lake", store=store, partition=partition, keys=len(entries))

    # -- mirroring ----------------------------------------------------------------------------

    def commit(self) -> None:
        """Append this checkpoint's state changes to the lake (a lake sink ``before_flush`` hook)."""
        self._confirmed.clear()
        rows, offsets = self._changes()
        if not rows:
            return
        result = self._writer.commit(rows, offsets, max_event_time_ms=None)
        log.debug(
            "lake commit",
            table=self.spec.name,
            rows=result.rows_written,
            skipped=result.rows_skipped_as_replayed,
            ms=round(result.duration_ms, 1),
            attempts=result.attempts,
            committed_at_ms=result.committed_at_ms,
        )
        self._commits += 1
        if self._commits % self._maintain_every == 0:
            self._maintain()

    def _changes(self) -> tuple[list[dict[str, Any]], dict[tuple[str, int], int]]:
        checkpoint: Any = self._app._processing_context.checkpoint
        transactions = getattr(checkpoint, "_store_transactions", None)
        processed = getattr(checkpoint, "_tp_offsets", None)
        registry = getattr(checkpoint, "_dataframe_registry", None)
        if transactions is None or processed is None or registry is None:
            raise StateAccessError(
                "cannot reach the store transactions of the Quix checkpoint",
                hint="the installed quixstreams changed its checkpoint internals; "
                "pin quixstreams to the version in requirements.lock",
            )
        now_ms = int(time.time() * 1000)
        rows: list[dict[str, Any]] = []
        offsets: dict[tuple[str, int], int] = {}
        for (stream_id, partition, store_name), transaction in transactions.items():
            if not transaction.changed:
                continue
            topics = [t for t in registry.get_topics_for_stream_id(stream_id) if (t, partition) in processed]
            if len(topics) != 1:
                continue  # nothing processed on this partition (or a multi-topic stream: none here)
            topic = topics[0]
            offset = processed[(topic, partition)]
            offsets[(topic, partition)] = offset
            source = {SRC_CLUSTER: self.cluster_id, SRC_TOPIC: topic, SRC_PARTITION: partition, SRC_OFFSET: offset}
            base = {"store": f"{stream_id}/{store_name}", "partition": partition, "written_at": now_ms, **source}
            cache = transaction._update_cache
            for cf in cache.get_column_families():
                if cf in _SKIPPED_CFS:
                    continue
                for prefix, entries in cache.get_updates(cf_name=cf).items():
                    if prefix == MARKER_PREFIX:
                        continue
                    for key, value in entries.items():
                        rows.append({**base, "cf": cf, "prefix": prefix, "key": key, "value": value})
                for key in cache.get_deletes(cf_name=cf):
                    rows.append({**base, "cf": cf, "prefix": None, "key": key, "value": None})
        return rows, offsets

    def _maintain(self) -> None:
        table = self._catalog.load_table(self.spec.identifier(self.namespace))
        if not should_maintain(table, self._policy):
            return
        # Compaction also drops the rows a later checkpoint of the same epoch superseded.
        report = maintain(self._catalog, self.spec, self._policy, namespace=self.namespace, prune=latest_per_epoch)
        self._writer.forget_head()
        log.info("lake maintenance", table=self.spec.name, report=str(report))
