"""Columns: the one vocabulary of lake column types, and the source columns every sink table has.

Timestamps: every ``*_at`` / ``*_time`` column is an Iceberg ``timestamptz`` (microseconds,
UTC). Row dicts give them as **epoch milliseconds (int)**, the unit Kafka and Quix use, which
converts column-wise without per-row Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    PrimitiveType,
    StringType,
    TimestamptzType,
)

STRING, LONG, INT, DOUBLE, BOOLEAN, TIMESTAMP, BINARY = (
    StringType(),
    LongType(),
    IntegerType(),
    DoubleType(),
    BooleanType(),
    TimestamptzType(),
    BinaryType(),
)

SRC_TOPIC = "_src_topic"
SRC_PARTITION = "_src_partition"
SRC_OFFSET = "_src_offset"
SRC_CLUSTER = "_src_cluster"


@dataclass(frozen=True)
class Column:
    """One column: name, Iceberg type, doc; ``required`` columns must never be null."""

    name: str
    type: PrimitiveType
    doc: str
    required: bool = False


SOURCE_COLUMNS: tuple[Column, ...] = (
    Column(SRC_TOPIC, STRING, "Kafka topic of the source record this row was derived from.", required=True),
    Column(SRC_PARTITION, INT, "Kafka partition of the source record.", required=True),
    Column(
        SRC_OFFSET,
        LONG,
        "Kafka offset of the source record; with topic and partition it is what the offsets ledger "
        "deduplicates on (rows at or below the committed offset are replays).",
        required=True,
    ),
    Column(
        SRC_CLUSTER,
        STRING,
        "Cluster id of the broker the source record came from. The embedded broker gets a new one "
        "at every start (a new epoch), so offsets are only comparable within one cluster id.",
    ),
)
"""Appended to every sink table by the sink's bookkeeping (see ``lake/sink.py``), never by a row builder."""
