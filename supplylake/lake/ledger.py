"""The offsets ledger: which source offsets a table already holds, stored in the table itself.

Like Iceberg Kafka Connect's ``kafka.connect.offsets.*``, every commit that adds rows also writes,
in the *same* snapshot's summary, the highest source offset it covers per
(broker cluster id, topic, partition). Because rows and offsets land in one atomic catalog
commit, the ledger can never disagree with the data: a replayed batch is recognised by re-reading
the ledger and dropping rows at or below it.

Encoding — one summary property, ``supplylake.offsets``, holding compact JSON::

    {"v": 1, "seq": 42,
     "clusters": {"<cluster id>": {"seq": 42, "topics": {"inventory-events": {"0": 1833, "1": 977}}}}}

- Offsets are *inclusive*: the last offset whose rows are in the table (a consumer resumes at +1).
- Every commit carries the full ledger (merged with the previous one), so the current snapshot
  alone is enough; the same JSON is mirrored as a table property of the same name, set in the same
  transaction, so it survives snapshot expiry and commits by other tools that drop our summary
  keys. Whichever copy has the higher ``seq`` (bumped on every merge) wins.
- Broker identity is part of the key because the embedded broker starts empty with a new cluster
  id each time: offsets of different clusters are unrelated numbers.
- Only the :data:`MAX_CLUSTERS` most recently written cluster ids are kept. A cluster id that
  stopped writing is either a dead embedded broker (its offsets can never come back) or a real
  cluster that is still used, and 8 leaves room for several restarts while a zombie of an older
  broker life may still flush. Pruning a live cluster would let its replays through, so raise the
  limit (``max_clusters``) if more than 8 clusters feed one table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pyiceberg.table import Table

from supplylake.lake.errors import LedgerAheadOfLog, LedgerCorrupt
from supplylake.lake.snapshot_properties import LEDGER_PROPERTY

MAX_CLUSTERS = 8

TopicPartition = tuple[str, int]


@dataclass(frozen=True)
class Ledger:
    """Immutable view of the ledger; :meth:`merge` returns a new one."""

    seq: int = 0
    #: cluster id → (topic, partition) → last committed offset (inclusive)
    clusters: Mapping[str, Mapping[TopicPartition, int]] = field(default_factory=dict)
    #: cluster id → ``seq`` of the last merge that wrote it (recency, for pruning)
    cluster_seq: Mapping[str, int] = field(default_factory=dict)

    def offset(self, cluster_id: str, topic: str, partition: int) -> int | None:
        return self.clusters.get(cluster_id, {}).get((topic, partition))

    def offsets(self, cluster_id: str) -> dict[TopicPartition, int]:
        return dict(self.clusters.get(cluster_id, {}))

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        """Cluster ids, most recently written first."""
        return tuple(sorted(self.clusters, key=lambda c: self.cluster_seq.get(c, 0), reverse=True))

    def is_empty(self) -> bool:
        return not self.clusters

    def covers(self, cluster_id: str, offsets: Mapping[TopicPartition, int]) -> bool:
        """True when every offset given is at or below the ledger (nothing new)."""
        mine = self.clusters.get(cluster_id, {})
        return all(mine.get(tp, -1) >= offset for tp, offset in offsets.items())

    def merge(
        self, cluster_id: str, offsets: Mapping[TopicPartition, int], *, max_clusters: int = MAX_CLUSTERS
    ) -> Ledger:
        """The ledger after committing ``offsets`` for ``cluster_id``.

        Offsets never go backwards (per partition the maximum wins); ``cluster_id`` becomes the most
        recent cluster and all but the ``max_clusters`` most recent ones are dropped.
        """
        if max_clusters < 1:
            raise ValueError("max_clusters must be at least 1")
        seq = self.seq + 1
        merged = dict(self.clusters.get(cluster_id, {}))
        for tp, offset in offsets.items():
            if offset < 0:
                raise ValueError(f"negative offset {offset} for {tp}")
            merged[tp] = max(offset, merged.get(tp, -1))
        clusters = {**self.clusters, cluster_id: merged}
        cluster_seq = {**self.cluster_seq, cluster_id: seq}
        keep = sorted(clusters, key=lambda c: cluster_seq.get(c, 0), reverse=True)[:max_clusters]
        return Ledger(
            seq=seq,
            clusters={c: MappingProxyType(clusters[c]) for c in keep},
            cluster_seq={c: cluster_seq[c] for c in keep},
        )

    def encode(self) -> str:
        clusters: dict[str, object] = {}
        for cluster_id in sorted(self.clusters):
            topics: dict[str, dict[str, int]] = {}
            for (topic, partition), offset in sorted(self.clusters[cluster_id].items()):
                topics.setdefault(topic, {})[str(partition)] = offset
            clusters[cluster_id] = {"seq": self.cluster_seq.get(cluster_id, 0), "topics": topics}
        return json.dumps({"v": 1, "seq": self.seq, "clusters": clusters}, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Ledger:
        try:
            doc = json.loads(text)
            if doc.get("v") != 1:
                raise ValueError(f"unknown ledger version {doc.get('v')!r}")
            clusters: dict[str, Mapping[TopicPartition, int]] = {}
            cluster_seq: dict[str, int] = {}
            for cluster_id, entry in doc["clusters"].items():
                clusters[cluster_id] = MappingProxyType(
                    {
                        (topic, int(partition)): int(offset)
                        for topic, partitions in entry["topics"].items()
                        for partition, offset in partitions.items()
                    }
                )
                cluster_seq[cluster_id] = int(entry["seq"])
            return cls(seq=int(doc["seq"]), clusters=clusters, cluster_seq=cluster_seq)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LedgerCorrupt(
                f"the offsets ledger ({LEDGER_PROPERTY}) cannot be read: {exc}",
                hint="restore the property from an earlier snapshot summary (time travel) before writing again",
            ) from exc


def read_ledger(table: Table) -> Ledger:
    """The ledger of ``table`` as loaded: the newer of the current snapshot's summary and the table property."""
    candidates: list[Ledger] = []
    snapshot = table.current_snapshot()
    if snapshot is not None and snapshot.summary is not None:
        text = snapshot.summary[LEDGER_PROPERTY]
        if text:
            candidates.append(Ledger.decode(text))
    if text := table.properties.get(LEDGER_PROPERTY):
        candidates.append(Ledger.decode(text))
    return max(candidates, key=lambda ledger: ledger.seq, default=Ledger())


def check_ledger_not_ahead(
    ledger: Ledger, cluster_id: str, end_offsets: Mapping[TopicPartition, int], *, table_name: str = "the table"
) -> None:
    """Fail closed when the ledger claims offsets the broker's log does not have.

    ``end_offsets`` are the log end offsets (high watermarks: one past the last offset) the
    consumer sees for this cluster. On the embedded Tansu broker the high watermark can be
    under-reported; confirm a suspected gap by reading before calling this.
    """
    ahead = {
        tp: (committed, end_offsets[tp])
        for tp, committed in ledger.offsets(cluster_id).items()
        if tp in end_offsets and committed >= end_offsets[tp]
    }
    if ahead:
        detail = ", ".join(f"{t}[{p}]: ledger {c} ≥ log end {e}" for (t, p), (c, e) in sorted(ahead.items()))
        raise LedgerAheadOfLog(
            f"{table_name} already holds offsets the broker (cluster {cluster_id}) does not have: {detail}",
            hint="the topic was recreated or the broker lost data under the same cluster id; give the broker a new "
            "cluster id (the ledger is keyed by it) or clear this cluster's entry from the table's "
            f"{LEDGER_PROPERTY} before restarting, otherwise new events up to those offsets would be skipped",
        )
