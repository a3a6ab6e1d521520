"""The bench reads the sink's commit figures from its JSON log by field name, skipping the rest."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench.harness.sink_log import (
    checkpoint_profile,
    commit_ms_by_table,
    maintenance_runs,
    parse_sink_events,
    read_sink_events,
)


def _line(**fields: object) -> str:
    return json.dumps(fields)


SAMPLE = [
    _line(event="lake commit", table="inventory_events", rows=500, skipped=0, ms=41.5, level="debug"),
    "Traceback (most recent call last):",
    "[2026-12-01 20:00:00,000] [INFO] [quixstreams] : Starting the Application",
    _line(event="lake commit", table="inventory_levels", rows=120, skipped=3, ms=20.0),
    "{not json at all",
    _line(event="pipeline started", pipeline="inventory"),
    _line(event="lake maintenance", table="inventory_events", ms=812, report="..."),
    '["a", "list"]',
    _line(event="lake commit", table="inventory_events", rows=480, skipped=20, ms=38.25),
    "",
]


def test_commit_and_maintenance_events_are_read_by_field() -> None:
    events = list(parse_sink_events(SAMPLE))

    assert [(e.event, e.table) for e in events] == [
        ("lake commit", "inventory_events"),
        ("lake commit", "inventory_levels"),
        ("lake maintenance", "inventory_events"),
        ("lake commit", "inventory_events"),
    ]
    assert events[1].rows == 120
    assert events[1].skipped == 3
    assert commit_ms_by_table(events) == {"inventory_events": [41.5, 38.25], "inventory_levels": [20.0]}
    assert maintenance_runs(events) == [("inventory_events", 812)]


def test_lines_that_break_the_contract_are_skipped() -> None:
    lines = [
        _line(event="lake commit", table="t", rows=1, skipped=0),  # no ms
        _line(event="lake commit", table="t", rows="many", skipped=0, ms=1.0),
        _line(event="lake commit", table="t", rows=2, skipped=0, ms=3.0, extra={"nested": True}),
    ]

    events = list(parse_sink_events(lines))

    assert [(e.rows, e.ms) for e in events] == [(2, 3.0)]


def test_wording_around_the_fields_does_not_matter() -> None:
    # The key=value rendering the old regexes scraped yields nothing: only JSON is read.
    old = "timestamp='2026-12-01T20:00:00Z' level='debug' event='lake commit' table='t' rows=1 skipped=0 ms=2.0"

    assert list(parse_sink_events([old])) == []


def test_checkpoint_profile_groups_events_of_one_flush() -> None:
    # Three checkpoints 1 s apart after a warm-up one; each flush = two table commits back to back.
    lines = []
    for checkpoint in range(4):
        start = 1_000.0 + checkpoint
        lines.append(_line(event="lake commit", table="a", rows=1, skipped=0, ms=100.0, timestamp=start + 0.1))
        lines.append(_line(event="lake commit", table="b", rows=1, skipped=0, ms=50.0, timestamp=start + 0.15))
    profile = checkpoint_profile(parse_sink_events(lines))

    assert profile.checkpoints == 3
    assert math.isclose(profile.mean_cycle_s, 1.0)
    assert math.isclose(profile.mean_flush_s, 0.15)


def test_iso_timestamps_are_understood() -> None:
    line = _line(event="lake commit", table="a", rows=1, skipped=0, ms=1.0, timestamp="2026-12-01T20:00:00.5Z")

    (event,) = parse_sink_events([line])

    assert event.at_s is not None
    assert event.at_s % 1 == 0.5


def test_a_missing_log_file_has_no_events(tmp_path: Path) -> None:
    assert read_sink_events(tmp_path / "absent.log") == []


def test_a_log_file_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.log"
    path.write_text("\n".join(SAMPLE) + "\n")

    assert len(read_sink_events(path)) == 4


def test_lines_as_structlog_renders_them_in_json_mode() -> None:
    # What supplylake.logs' JSON rendering writes: the event's fields first, then event/level/timestamp.
    lines = [
        '{"table": "inventory_events", "rows": 500, "skipped": 2, "ms": 41.3, "attempts": 1, '
        '"committed_at_ms": 123, "event": "lake commit", "level": "debug", "timestamp": "2026-12-01T20:47:25.947389Z"}',
        '{"table": "inventory_events", "ms": 812, "report": "r", "event": "lake maintenance", "level": "info", '
        '"timestamp": "2026-12-01T20:47:25.947524Z"}',
        '{"event": "a stdlib line", "logger": "quixstreams", "level": "warning", "timestamp": "2026-12-01T20:47:26Z"}',
    ]

    commit, maintenance = parse_sink_events(lines)

    assert (commit.table, commit.rows, commit.skipped, commit.ms) == ("inventory_events", 500, 2, 41.3)
    assert commit.at_s is not None
    assert (maintenance.event, maintenance.ms) == ("lake maintenance", 812.0)
