"""The lake's table reference (docs/lake-tables.md), rendered from the table definitions.

Every column's type, nullability and doc come from :data:`~supplylake.lake.tables.TABLES` (for
event tables, from the contracts' field descriptions), so the reference cannot drift from the
schemas: ``supplylake lake docs > docs/lake-tables.md`` regenerates it, and a docs test fails when
the committed file differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from supplylake.lake.tables.spec import TableSpec

HEADER = """# Lake tables

Generated from the table definitions by `supplylake lake docs > docs/lake-tables.md`; do not edit
by hand (a docs test compares this file with the code). Every table lives in the catalog namespace
`supplylake`, is partitioned by day of its time column, and carries the source columns
(`_src_topic`, `_src_partition`, `_src_offset`, `_src_cluster`) that the exactly-once offsets
ledger deduplicates on. Timestamps are `timestamptz` (microseconds, UTC).
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_reference(spec: TableSpec) -> str:
    """One table's section: description, time column, key, then one row per column."""
    lines = [f"## `{spec.name}`", "", spec.description, ""]
    facts = [f"time column (day partitions): `{spec.time_column}`"]
    if spec.key:
        facts.append("key: " + ", ".join(f"`{name}`" for name in spec.key))
    if spec.sort_by:
        facts.append("compaction sort order: " + ", ".join(f"`{name}`" for name in spec.sort_by))
    lines += [f"- {fact}" for fact in facts]
    lines += ["", "| column | type | required | description |", "|---|---|---|---|"]
    lines += [
        f"| `{column.name}` | {column.type} | {'yes' if column.required else ''} | {_cell(column.doc)} |"
        for column in spec.columns
    ]
    return "\n".join(lines) + "\n"


def render_table_reference(specs: Iterable[TableSpec]) -> str:
    """The whole reference: the header, then every table in registry order."""
    return "\n".join([HEADER, *(table_reference(spec) for spec in specs)])
