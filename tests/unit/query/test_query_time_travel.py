"""as_of pins every view to the snapshot that was current at that moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from supplylake.query import LakeReader, NoSnapshotAtTime, run_query
from tests.support.query_lake import Lake

SCANS = pa.schema([("scan_id", pa.int64()), ("sku", pa.string())])


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ids(reader: LakeReader, table: str, as_of: datetime | None) -> list[int]:
    result = run_query(reader, f"SELECT scan_id FROM {table} ORDER BY scan_id", as_of=as_of)
    return [row[0] for row in result.rows]


def _rows(first: int, count: int) -> list[dict[str, object]]:
    return [{"scan_id": i, "sku": f"SKU-{i}"} for i in range(first, first + count)]


def test_as_of_between_two_commits_sees_only_the_first(lake: Lake) -> None:
    lake.create("scans", SCANS)
    t1 = lake.append("scans", _rows(0, 3))
    t2 = lake.append("scans", _rows(3, 2))
    assert t2.timestamp_ms > t1.timestamp_ms
    reader = LakeReader(lake.catalog)

    assert _ids(reader, "scans", _at(t1.timestamp_ms)) == [0, 1, 2]  # inclusive
    assert _ids(reader, "scans", _at(t2.timestamp_ms - 1)) == [0, 1, 2]
    assert _ids(reader, "scans", _at(t2.timestamp_ms)) == [0, 1, 2, 3, 4]
    assert _ids(reader, "scans", None) == [0, 1, 2, 3, 4]

    result = run_query(reader, "SELECT count(*) FROM scans", as_of=_at(t1.timestamp_ms))
    assert result.freshness["scans"].snapshot_id == t1.snapshot_id
    assert result.as_of == _at(t1.timestamp_ms)


def test_naive_as_of_is_utc_and_offsets_are_honoured(lake: Lake) -> None:
    lake.create("scans", SCANS)
    t1 = lake.append("scans", _rows(0, 1))
    lake.append("scans", _rows(1, 1))
    reader = LakeReader(lake.catalog)
    moment = _at(t1.timestamp_ms)
    assert _ids(reader, "scans", moment.replace(tzinfo=None)) == [0]
    in_new_york = moment.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert _ids(reader, "scans", in_new_york) == [0]


def test_as_of_before_the_first_snapshot_raises_with_a_hint(lake: Lake) -> None:
    lake.create("scans", SCANS)
    t1 = lake.append("scans", _rows(0, 1))
    reader = LakeReader(lake.catalog)
    with pytest.raises(NoSnapshotAtTime) as caught:
        reader.connect(as_of=_at(t1.timestamp_ms - 1))
    first = _at(t1.timestamp_ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert first in caught.value.message
    assert caught.value.hint is not None and first in caught.value.hint


def test_table_without_a_snapshot_at_that_time_is_an_empty_view(lake: Lake) -> None:
    lake.create("scans", SCANS)
    t1 = lake.append("scans", _rows(0, 2))
    lake.create("returns", SCANS)  # created after t1
    lake.append("returns", _rows(100, 1))
    reader = LakeReader(lake.catalog)
    as_of = _at(t1.timestamp_ms)

    result = run_query(reader, "SELECT scan_id, sku FROM returns", as_of=as_of)
    assert result.columns == ("scan_id", "sku")
    assert result.rows == []
    assert result.freshness["returns"].snapshot_id is None
    assert _ids(reader, "returns", None) == [100]


def test_expired_history_raises_instead_of_answering_empty(lake: Lake) -> None:
    lake.create("scans", SCANS)
    lake.create("returns", SCANS)
    t1 = lake.append("scans", _rows(0, 1))
    lake.append("returns", _rows(100, 1))
    lake.append("scans", _rows(1, 1))
    lake.table("scans").maintenance.expire_snapshots().by_id(t1.snapshot_id).commit()
    reader = LakeReader(lake.catalog)
    moment = _at(t1.timestamp_ms) + timedelta(milliseconds=1)
    late_enough = _at(lake.table("returns").current_snapshot().timestamp_ms)

    with pytest.raises(NoSnapshotAtTime, match="expired"):
        run_query(reader, "SELECT * FROM scans", as_of=late_enough)
    # The other table is still readable at that time…
    assert _ids(reader, "returns", late_enough) == [100]
    # …and when no table has a snapshot then, the whole request is refused.
    with pytest.raises(NoSnapshotAtTime):
        reader.connect(as_of=moment)


def test_refresh_keeps_the_as_of_of_the_connection(lake: Lake) -> None:
    lake.create("scans", SCANS)
    t1 = lake.append("scans", _rows(0, 1))
    lake.append("scans", _rows(1, 1))
    reader = LakeReader(lake.catalog)
    con = reader.connect(as_of=_at(t1.timestamp_ms))
    lake.append("scans", _rows(2, 1))
    reader.refresh(con)
    assert con.execute("SELECT scan_id FROM scans").fetchall() == [(0,)]
