"""The sink reports every commit as data: a CommitReport to observers and a structured log event.

The bench reads these instead of log wording, so the JSON field names are pinned here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pyiceberg.catalog import Catalog

from supplylake.lake import INVENTORY_EVENTS, MaintenancePolicy
from supplylake.lake.sink import CommitReport, LakeRows, LakeSink
from supplylake.lake.snapshot_properties import COMMITTED_AT_PROPERTY
from supplylake.logs import configure_logging
from supplylake.settings import ConfigError, load_settings

TOPIC = "inventory-events"
Events = Callable[..., list[dict[str, Any]]]


@pytest.fixture(autouse=True)
def _default_logging() -> Iterator[None]:
    yield
    configure_logging()  # leave the process as the other tests expect it


def sink(catalog: Catalog, observers: list[Callable[[CommitReport], None]], **policy: Any) -> LakeSink:
    return LakeSink(
        catalog,
        [INVENTORY_EVENTS],
        cluster_id="cluster-a",
        namespace="supplylake",
        policy=MaintenancePolicy(**policy),
        maintain_every=1,
        observers=observers,
    )


def feed(lake_sink: LakeSink, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        # The sink stamps the source columns itself, from the record it is given.
        offset = row.pop("_src_offset")
        del row["_src_topic"], row["_src_partition"]
        value = LakeRows(tables={INVENTORY_EVENTS.name: [row]})
        lake_sink.add(value, key=b"k", timestamp=0, headers=None, topic=TOPIC, partition=0, offset=offset)
    lake_sink.flush()


def test_observers_get_one_report_per_table_commit(catalog: Catalog, events: Events) -> None:
    reports: list[CommitReport] = []
    lake_sink = sink(catalog, [reports.append])
    feed(lake_sink, events(range(5)))
    (report,) = reports
    snapshot = catalog.load_table(INVENTORY_EVENTS.identifier()).current_snapshot()
    assert snapshot is not None and snapshot.summary is not None
    assert (report.table, report.rows, report.skipped, report.attempts) == ("inventory_events", 5, 0, 1)
    assert report.commit_ms > 0 and report.maintenance_ms is None
    assert report.committed_at_ms == int(snapshot.summary.additional_properties[COMMITTED_AT_PROPERTY])
    with pytest.raises(AttributeError):
        report.rows = 0  # type: ignore[misc]  # frozen: observers share one report

    # A replay of the same offsets commits nothing: every row skipped, no commit stamp.
    feed(lake_sink, events(range(5)))
    assert (reports[1].rows, reports[1].skipped, reports[1].committed_at_ms) == (0, 5, None)


def test_maintenance_time_is_reported_with_the_commit_it_followed(catalog: Catalog, events: Events) -> None:
    reports: list[CommitReport] = []
    lake_sink = sink(catalog, [reports.append], max_manifests=1)  # a second manifest triggers maintenance
    feed(lake_sink, events(range(3)))
    feed(lake_sink, events(range(3, 6)))
    assert reports[0].maintenance_ms is None
    assert reports[1].maintenance_ms is not None and reports[1].maintenance_ms > 0


def test_a_failing_observer_does_not_fail_the_flush(catalog: Catalog, events: Events) -> None:
    def broken(report: CommitReport) -> None:
        raise RuntimeError("measurement bug")

    reports: list[CommitReport] = []
    feed(sink(catalog, [broken, reports.append]), events(range(2)))
    assert [r.rows for r in reports] == [2]


def test_json_log_lines_carry_the_commit_figures(
    catalog: Catalog, events: Events, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", "json")
    reports: list[CommitReport] = []
    feed(sink(catalog, [reports.append], max_manifests=1), events(range(4)))
    feed(sink(catalog, [reports.append], max_manifests=1), events(range(4, 8)))
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    commits = [line for line in lines if line["event"] == "lake commit"]
    assert [(c["table"], c["rows"], c["skipped"]) for c in commits] == [("inventory_events", 4, 0)] * 2
    for commit, report in zip(commits, reports, strict=True):
        assert commit["level"] == "debug" and "timestamp" in commit
        assert commit["ms"] == round(report.commit_ms, 1)
        assert (commit["attempts"], commit["committed_at_ms"]) == (report.attempts, report.committed_at_ms)
    (maintenance,) = [line for line in lines if line["event"] == "lake maintenance"]
    assert maintenance["table"] == "inventory_events" and isinstance(maintenance["ms"], int)


def test_text_log_keeps_its_wording(catalog: Catalog, events: Events, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "text")
    feed(sink(catalog, []), events(range(3)))
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "lake commit" in line]
    assert "event='lake commit' table='inventory_events' rows=3 skipped=0 ms=" in line


def test_log_format_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().log_format == "text"
    monkeypatch.setenv("SUPPLYLAKE_LOG_FORMAT", "json")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("SUPPLYLAKE_LOG_FORMAT", "yaml")
    with pytest.raises(ConfigError, match="SUPPLYLAKE_LOG_FORMAT"):
        load_settings()
