"""What earlier broker epochs left in the lake, for a pipeline starting a new one.

The embedded broker starts empty, with a new cluster id, on every run; the lake persists. A
pipeline starting a new epoch reads three things written under *other* cluster ids:

- :func:`latest_state`: the latest value of every key of its Quix state (``state_<pipeline>``,
  :mod:`~supplylake.lake.tables.pipeline_state`), to seed its stores with;
- :func:`stored_event_ids`: the ids of the events it already applied — such an event is a
  duplicate whatever its age, because its effect is inside the seeded state;
- :func:`stored_dead_letters`: the dead letters already recorded, by :func:`dead_letter_digest`
  (their raw bytes and where they came from), so re-running a file records none of them twice.

Rows of the *current* epoch are left out on purpose: within one epoch Quix's changelog and the
lake's offset ledger already agree, and seeding from them would apply replayed events twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
from pyiceberg.expressions import And, BooleanExpression, EqualTo, IsNull, NotEqualTo, Or

from supplylake.lake.tables import DEAD_LETTERS, SRC_CLUSTER, SRC_OFFSET, TableSpec


@dataclass(frozen=True)
class StateEntry:
    """One stored Quix key and value, ready to be written back into a store partition."""

    cf: str
    prefix: bytes
    key: bytes
    value: bytes


@dataclass(frozen=True)
class EpochHistory:
    """What a pipeline must recognise as already done when it starts a new broker epoch."""

    event_ids: frozenset[str] = frozenset()
    dead_letters: frozenset[str] = frozenset()

    def applied(self, event_id: str) -> bool:
        """True when an earlier epoch already applied (and stored) this event."""
        return event_id in self.event_ids

    def recorded(self, dead_letter: Mapping[str, Any]) -> bool:
        """True when an earlier epoch already recorded this dead letter."""
        return bool(self.dead_letters) and dead_letter_digest(dead_letter) in self.dead_letters


@dataclass
class _Scan:
    catalog: Catalog
    cluster_id: str
    columns: tuple[str, ...]
    where: list[BooleanExpression] = field(default_factory=list)

    def of(self, identifier: tuple[str, ...]) -> pa.Table | None:
        try:
            table = self.catalog.load_table(identifier)
        except (NoSuchTableError, NoSuchNamespaceError):
            return None
        if table.current_snapshot() is None:
            return None
        # pyiceberg's predicates take (term, literal) positionally; mypy only sees the pydantic fields.
        earlier: BooleanExpression = Or(NotEqualTo(SRC_CLUSTER, self.cluster_id), IsNull(SRC_CLUSTER))  # type: ignore[arg-type,call-arg,misc]
        for condition in self.where:
            earlier = And(earlier, condition)
        return table.scan(row_filter=earlier, selected_fields=self.columns).to_arrow()


def earlier_epochs(
    catalog: Catalog, identifier: tuple[str, ...], cluster_id: str, columns: tuple[str, ...]
) -> pa.Table | None:
    """The ``columns`` of the rows of ``identifier`` written under other cluster ids (None: no table)."""
    return _Scan(catalog, cluster_id, columns).of(identifier)


# The latest row per key: the latest epoch first (epochs ordered by their first write), then the
# latest checkpoint of the partition (checkpoints of a partition commit at growing offsets).
_LATEST_PER_KEY = """
WITH epochs AS (
    SELECT _src_cluster AS cluster, min(written_at) AS began FROM history GROUP BY 1
), ranked AS (
    SELECT h.partition, h.cf, h.prefix, h.key, h.value,
           row_number() OVER (
               PARTITION BY h.partition, h.cf, h.key
               ORDER BY e.began DESC, h._src_offset DESC
           ) AS newest
    FROM history AS h JOIN epochs AS e ON e.cluster IS NOT DISTINCT FROM h._src_cluster
)
SELECT partition, cf, prefix, key, value FROM ranked
WHERE newest = 1 AND value IS NOT NULL
ORDER BY partition, key
"""


# Within one epoch a key's later checkpoint (higher offset on its partition) supersedes the earlier.
_SUPERSEDED_WITHIN_EPOCH = """
SELECT row_index FROM (
    SELECT row_index, row_number() OVER (
        PARTITION BY _src_cluster, store, partition, cf, key ORDER BY _src_offset DESC
    ) AS newest
    FROM bin
) WHERE newest = 1
ORDER BY row_index
"""


def latest_per_epoch(rows: pa.Table) -> pa.Table:
    """The state rows worth keeping: each key's latest row of each epoch (a maintenance ``prune``).

    Older rows of the same epoch can never be seeded from again: seeding reads the latest row of
    the latest earlier epoch. The latest row of *every* epoch is kept, the current one's
    included, because a crash before a new epoch's first checkpoint committed seeds again from
    the epochs before it.
    """
    if not rows.num_rows:
        return rows
    indexed = rows.append_column("row_index", pa.array(range(rows.num_rows), pa.int64()))
    with duckdb.connect() as con:
        con.register("bin", indexed)
        keep = [index for (index,) in con.execute(_SUPERSEDED_WITHIN_EPOCH).fetchall()]
    return rows.take(keep)


def latest_state(
    catalog: Catalog, identifier: tuple[str, ...], cluster_id: str, store: str, partition: int | None = None
) -> dict[int, list[StateEntry]]:
    """Per partition (or of ``partition`` only), the latest value of every key of ``store`` left
    by earlier epochs (deletes dropped)."""
    columns = ("partition", "cf", "prefix", "key", "value", "written_at", SRC_CLUSTER, SRC_OFFSET)
    where: list[BooleanExpression] = [EqualTo("store", store)]  # type: ignore[arg-type,call-arg,misc]
    if partition is not None:
        where.append(EqualTo("partition", partition))  # type: ignore[arg-type,call-arg,misc]
    scan = _Scan(catalog, cluster_id, columns, where)
    rows = scan.of(identifier)
    seeds: dict[int, list[StateEntry]] = {}
    if rows is None or not rows.num_rows:
        return seeds
    with duckdb.connect() as con:
        con.register("history", rows)
        for number, cf, prefix, key, value in con.execute(_LATEST_PER_KEY).fetchall():
            seeds.setdefault(int(number), []).append(StateEntry(cf, bytes(prefix), bytes(key), bytes(value)))
    return seeds


def stored_event_ids(
    catalog: Catalog, namespace: str, cluster_id: str, tables: Iterable[TableSpec], column: str = "event_id"
) -> frozenset[str]:
    """Every ``column`` value of ``tables`` written under other cluster ids."""
    ids: set[str] = set()
    for spec in tables:
        rows = earlier_epochs(catalog, spec.identifier(namespace), cluster_id, (column,))
        if rows is not None:
            ids.update(value for value in rows.column(column).to_pylist() if value is not None)
    return frozenset(ids)


def dead_letter_digest(row: Mapping[str, Any]) -> str:
    """What makes two dead letters the same: where the record came from and its exact bytes.

    Offsets are left out on purpose: a file replayed into a new broker gets new ones.
    """
    text = "\x00".join((str(row["source_topic"]), str(row["raw_encoding"]), str(row["raw_value"])))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def stored_dead_letters(catalog: Catalog, namespace: str, cluster_id: str) -> frozenset[str]:
    """The :func:`dead_letter_digest` of every dead letter written under other cluster ids."""
    columns = ("source_topic", "raw_encoding", "raw_value")
    rows = earlier_epochs(catalog, DEAD_LETTERS.identifier(namespace), cluster_id, columns)
    if rows is None or not rows.num_rows:
        return frozenset()
    return frozenset(dead_letter_digest(row) for row in rows.to_pylist())


def load_history(catalog: Catalog, namespace: str, cluster_id: str, applied_in: Iterable[TableSpec]) -> EpochHistory:
    """The event ids stored in ``applied_in`` and the dead letters, from earlier epochs."""
    return EpochHistory(
        event_ids=stored_event_ids(catalog, namespace, cluster_id, applied_in),
        dead_letters=stored_dead_letters(catalog, namespace, cluster_id),
    )
