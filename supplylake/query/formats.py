"""Render a :class:`QueryResult` as an aligned text table, CSV, a JSON array or JSON lines.

Value conventions, the same in every format:
- datetimes with a zone are shown in UTC as ISO 8601 with ``Z`` (``2025-01-15T14:23:45Z``);
  zone-less timestamps are shown as stored, ISO 8601 without an offset;
- decimals keep every digit: a string in JSON (a float would round money), plain text elsewhere;
- NULL is ``NULL`` in the table, an empty field in CSV, ``null`` in JSON;
- lists/structs/maps are JSON text in the table and CSV, nested JSON in JSON.

``json`` is one array of objects (a single valid document, what most tools load);
``jsonl`` is one object per line (streams, ``jq -c``, appending). Duplicate column names get a
``_2``, ``_3``… suffix in JSON so no value is silently lost.

The table formatter is hand-rolled: importing rich costs more than rendering a typical result.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

from supplylake.query.runner import QueryResult

FORMATS: tuple[str, ...] = ("table", "csv", "json", "jsonl")
_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)
_INT64 = 2**63


def render(result: QueryResult, fmt: str) -> str:
    """``result`` as text in ``fmt`` (one of :data:`FORMATS`)."""
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderer(result)


def render_table(result: QueryResult) -> str:
    header = list(result.columns)
    cells = [[_text(value, null="NULL") for value in row] for row in result.rows]
    widths = [len(name) for name in header]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    right = [t.upper().startswith(_NUMERIC_TYPES) for t in result.column_types]

    def line(values: Sequence[str], align: bool = True) -> str:
        parts = [v.rjust(w) if align and r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)]
        return " | ".join(parts).rstrip()

    out = [line(header, align=False), "-+-".join("-" * w for w in widths)]
    out.extend(line(row) for row in cells)
    noun = "row" if result.row_count == 1 else "rows"
    more = ", more not shown" if result.truncated else ""
    out.append(f"({result.row_count} {noun}{more})")
    return "\n".join(out) + "\n"


def render_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_text(value, null="") for value in row])
    return buffer.getvalue()


def render_json(result: QueryResult) -> str:
    keys = _unique_keys(result.columns)
    objects = [dict(zip(keys, (_jsonable(v) for v in row), strict=True)) for row in result.rows]
    return orjson.dumps(objects).decode() + "\n"


def render_jsonl(result: QueryResult) -> str:
    keys = _unique_keys(result.columns)
    lines = [orjson.dumps(dict(zip(keys, (_jsonable(v) for v in row), strict=True))) for row in result.rows]
    return b"".join(line + b"\n" for line in lines).decode()


_RENDERERS: dict[str, Callable[[QueryResult], str]] = {
    "table": render_table,
    "csv": render_csv,
    "json": render_json,
    "jsonl": render_jsonl,
}


def _text(value: Any, *, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, str):
        # One row per line in the table: escape what would break alignment.
        return value if null == "" else value.replace("\n", "\\n").replace("\t", "\\t")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return orjson.dumps(_jsonable(value)).decode()
    scalar = _jsonable(value)
    return scalar if isinstance(scalar, str) else str(scalar)


def _jsonable(value: Any) -> Any:
    """A value orjson can write, following the conventions in the module docstring."""
    if value is None or isinstance(value, (str, bool, float)):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)  # HUGEINT overflows JSON ints
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, timedelta):
        return _iso_duration(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _iso_duration(delta: timedelta) -> str:
    """ISO 8601 duration (``P1DT2H3M4.5S``) for DuckDB INTERVAL values."""
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    secs = f"{seconds + delta.microseconds / 1e6:g}" if delta.microseconds else str(seconds)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n) + (
        f"{secs}S" if seconds or delta.microseconds else ""
    )
    days = f"{delta.days}D" if delta.days else ""
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{days}" + (f"T{clock}" if clock else "")


def _unique_keys(columns: Sequence[str]) -> list[str]:
    used: set[str] = set()
    keys = []
    for name in columns:
        key, n = name, 1
        while key in used:
            n += 1
            key = f"{name}_{n}"
        used.add(key)
        keys.append(key)
    return keys
