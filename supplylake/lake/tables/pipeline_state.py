"""The pipelines' state mirror: one internal table per pipeline, ``state_<pipeline>``.

Every change a pipeline makes to its Quix state (what Quix also writes to its changelog topic) is
appended here at each checkpoint, by the same exactly-once writer and offsets ledger as the rows
it derived from the same records. The embedded broker starts empty on every run (a new broker
epoch): its changelog topics are gone, the lake is not, so a pipeline starting a new epoch seeds
its state from the latest row per key here (``pipelines/state_mirror.py``).

These tables hold opaque Quix keys and values, not analytics: they live in their own namespace,
:func:`internal_namespace`, which the SQL runner does not show.
"""

from __future__ import annotations

from functools import cache

from supplylake.lake.tables.columns import BINARY, INT, STRING, TIMESTAMP, Column
from supplylake.lake.tables.spec import TableSpec, define_table

STATE_TABLE_PREFIX = "state_"


def internal_namespace(namespace: str) -> str:
    """The namespace of the lake's internal tables, beside the analysts' ``namespace``."""
    return f"{namespace}_internal"


@cache
def state_table(pipeline: str) -> TableSpec:
    """The state mirror table of ``pipeline`` (one per pipeline: offsets ledgers stay per consumer)."""
    return define_table(
        f"{STATE_TABLE_PREFIX}{pipeline}",
        f"Every change the {pipeline} pipeline made to its Quix state, per checkpoint (seeds new broker epochs).",
        time_column="written_at",
        sort_by=("store", "partition"),
        columns=(
            Column("store", STRING, "The Quix store: '<stream id>/<store name>'.", True),
            Column("partition", INT, "The store partition (= the source topic partition).", True),
            Column("cf", STRING, "Quix column family.", True),
            Column("prefix", BINARY, "The key's prefix (the message key), null for a delete."),
            Column("key", BINARY, "The full stored key (prefix, separator, key).", True),
            Column("value", BINARY, "The stored value; null when the key was deleted."),
            Column("written_at", TIMESTAMP, "When the checkpoint wrote this change, UTC.", True),
        ),
    )
