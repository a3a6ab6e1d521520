"""A reader in another process never sees a torn commit while a writer keeps committing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
import pyarrow as pa

from tests.support.query_lake import CATALOG_NAME, Lake

READER = Path(__file__).parent / "fixtures" / "reader_loop.py"
COMMITS = 30
NUMBERS = pa.schema([("row_id", pa.int64()), ("batch", pa.int32())])


def _records(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    lines = path.read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def test_reader_process_sees_only_committed_prefixes(lake: Lake, tmp_path: Path) -> None:
    lake.create("numbers", NUMBERS)
    # Commit i adds i + 1 rows, so every prefix of commits has its own row count.
    prefix_sizes = [0]
    for i in range(COMMITS):
        prefix_sizes.append(prefix_sizes[-1] + i + 1)
    final = prefix_sizes[-1]

    out = tmp_path / "reads.jsonl"
    reader = subprocess.Popen(
        [sys.executable, str(READER), CATALOG_NAME, lake.uri, lake.warehouse, str(out), str(final), "50"],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not _records(out):  # start writing only once the reader is reading
            assert reader.poll() is None, reader.stderr.read().decode() if reader.stderr else ""
            assert time.monotonic() < deadline, "the reader process never read"

        table = lake.table("numbers")
        written = 0
        started = time.perf_counter()
        for i in range(COMMITS):
            rows = [{"row_id": written + j, "batch": i} for j in range(i + 1)]
            table.append(pa.Table.from_pylist(rows, schema=table.schema().as_arrow()))
            written += len(rows)
        commit_s = (time.perf_counter() - started) / COMMITS

        exit_code = reader.wait(timeout=50)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    stderr = reader.stderr.read().decode() if reader.stderr else ""
    records = _records(out)

    errors = [r for r in records if "error" in r]
    assert errors == [], errors[0]
    assert exit_code == 0, stderr
    valid = set(prefix_sizes)
    for record in records:
        count = record["count"]
        assert count in valid, f"torn read: {record}"
        # The rows are exactly 0..count-1: no duplicates, none from an uncommitted batch.
        assert record["distinct"] == count
        assert record["sum"] == count * (count - 1) // 2  # type: ignore[operator]
    seen = [r["count"] for r in records]
    assert seen == sorted(seen), "a reader went back in time"  # type: ignore[type-var]
    assert seen[-1] == final
    assert len(set(seen)) >= 2
    assert {r["how"] for r in records} == {"connect", "refresh"}
    print(f"\n{len(records)} reads, {len(set(seen))} distinct prefixes seen, {commit_s * 1000:.0f} ms per commit")
