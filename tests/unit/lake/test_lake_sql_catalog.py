"""The embedded SQL catalog parses each metadata file once, and never serves a stale one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyiceberg.serializers import FromInputFile

from supplylake.lake import INVENTORY_EVENTS, ExactlyOnceWriter, default_catalog_properties, open_catalog
from supplylake.lake.sql_catalog import MetadataCachingSqlCatalog

Events = Callable[..., list[dict[str, Any]]]
TP0 = ("inventory-events", 0)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every metadata file location pyiceberg parses."""
    seen: list[str] = []
    original = FromInputFile.table_metadata

    def counting(input_file: Any, encoding: str = "utf-8") -> Any:
        seen.append(input_file.location)
        return original(input_file, encoding)

    monkeypatch.setattr(FromInputFile, "table_metadata", staticmethod(counting))
    return seen


def test_the_embedded_catalog_is_the_caching_one(tmp_path: Path) -> None:
    assert isinstance(open_catalog("lake", default_catalog_properties(tmp_path)), MetadataCachingSqlCatalog)


def test_each_metadata_file_is_parsed_once(tmp_path: Path, events: Events, parses: list[str]) -> None:
    catalog = open_catalog("lake", default_catalog_properties(tmp_path))
    writer = ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id="c")
    for n in range(3):
        writer.commit(events(range(5 * n, 5 * n + 5)), {TP0: 5 * n + 4}, max_event_time_ms=None)
    for _ in range(3):
        table = catalog.load_table(INVENTORY_EVENTS.identifier())
    assert len(parses) == len(set(parses))  # none twice
    assert table.metadata_location not in parses  # written here: taken from the commit, never parsed
    assert len(table.metadata.snapshots) == 3


def test_another_processs_commit_is_seen_at_once(tmp_path: Path, events: Events) -> None:
    properties = default_catalog_properties(tmp_path)
    mine, theirs = open_catalog("lake", properties), open_catalog("lake", properties)
    ExactlyOnceWriter(mine, INVENTORY_EVENTS, cluster_id="c").commit(events(range(5)), {TP0: 4}, max_event_time_ms=None)
    before = mine.load_table(INVENTORY_EVENTS.identifier())
    ExactlyOnceWriter(theirs, INVENTORY_EVENTS, cluster_id="c").commit(
        events(range(5, 9)), {TP0: 8}, max_event_time_ms=None
    )
    after = mine.load_table(INVENTORY_EVENTS.identifier())
    assert after.metadata_location != before.metadata_location
    assert len(after.metadata.snapshots) == len(before.metadata.snapshots) + 1


class _RacingCatalog(MetadataCachingSqlCatalog):
    """Sees no namespace yet, as a process does between its existence check and its insert."""

    def _namespace_exists(self, identifier: Any) -> bool:
        return False


def test_a_namespace_created_by_another_process_meanwhile_counts_as_existing(tmp_path: Path) -> None:
    """Two catalogs on one SQLite file, as two pipeline instances starting together: the one that
    loses the race hits the unique key, which must read as "already exists"."""
    from pyiceberg.exceptions import NamespaceAlreadyExistsError

    props = default_catalog_properties(tmp_path)
    MetadataCachingSqlCatalog("lake", **props).create_namespace("raced", {"owner": "a"})
    late = _RacingCatalog("lake", **props)
    with pytest.raises(NamespaceAlreadyExistsError):
        late.create_namespace("raced", {"owner": "b"})
    late.create_namespace_if_not_exists("raced")  # what the pipelines call: no error
