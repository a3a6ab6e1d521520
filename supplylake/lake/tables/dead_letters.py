"""The dead_letters table: input that could not be processed, with the reason."""

from __future__ import annotations

from supplylake.lake.tables.columns import INT, LONG, STRING, TIMESTAMP, Column
from supplylake.lake.tables.spec import define_table

DEAD_LETTERS = define_table(
    "dead_letters",
    "Input that could not be processed, with the reason (mirror of the DLQ topics).",
    time_column="failed_at",
    key=("dead_letter_id",),
    sort_by=("source_topic", "source_partition", "source_offset"),
    columns=(
        Column(
            "dead_letter_id",
            STRING,
            "Deterministic id from the source cluster/topic/partition/offset (supplylake.dead_letters).",
            True,
        ),
        Column("reason", STRING, "Human-readable reason the record was rejected.", True),
        Column("error_code", STRING, "Stable machine-readable error code.", True),
        Column("event_type", STRING, "Event type, when it could be read."),
        Column("source_topic", STRING, "Topic (or replayed file) the bad record came from.", True),
        Column("source_partition", INT, "Partition of the bad record.", True),
        Column("source_offset", LONG, "Offset of the bad record.", True),
        Column("source_key", STRING, "Message key of the bad record, if any."),
        Column("raw_value", STRING, "The record's value: UTF-8 text, or base64 when it was not valid UTF-8."),
        Column("raw_encoding", STRING, "How raw_value is encoded: utf-8 or base64.", True),
        Column("failed_at", TIMESTAMP, "When the record was rejected, UTC.", True),
        Column("line_number", LONG, "Line number, for records replayed from a file."),
    ),
)
