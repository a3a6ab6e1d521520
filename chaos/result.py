"""The record every chaos scenario reports, one per scenario variant, and its JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "chaos" / "out"


@dataclass
class LakeCounts:
    """The counters every scenario measures from the lake (see :class:`ScenarioResult`)."""

    rows_out: int = 0
    lost: int = 0
    duplicated_by_event_id: int = 0
    duplicated_by_source_offset: int = 0
    dead_letters: int = 0
    mismatches: int = 0
    problems: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The counters as :class:`ScenarioResult` keywords."""
        return {
            "rows_out": self.rows_out,
            "lost": self.lost,
            "duplicated_by_event_id": self.duplicated_by_event_id,
            "duplicated_by_source_offset": self.duplicated_by_source_offset,
            "dead_letters": self.dead_letters,
            "mismatches": self.mismatches,
        }


@dataclass
class ScenarioResult:
    """What one scenario (variant) measured, from the lake, against what it sent.

    ``lost``: sent records found nowhere (neither as their row nor as a dead letter).
    ``duplicated_by_event_id`` / ``duplicated_by_source_offset``: extra rows sharing an event id
    (or dead-letter id), or a (topic, partition, offset) within one table. ``mismatches``:
    records whose outcome differs from a batch recomputation from the input (a hostile record
    that is not a dead letter or leaked into another table, a valid one refused, wrong bytes or
    values, an empty reason, a row no sent record explains, a table schema that changed).
    """

    scenario: str
    variant: str
    events_in: int
    rows_out: int
    lost: int
    duplicated_by_event_id: int
    duplicated_by_source_offset: int
    dead_letters: int
    mismatches: int
    crashes: int
    recovery_s: float | None  # None: the scenario has no outage to recover from
    duration_s: float
    details: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the first mismatches, for the report

    @property
    def passed(self) -> bool:
        figures = (self.lost, self.duplicated_by_event_id, self.duplicated_by_source_offset, self.mismatches)
        return not any(figures) and self.crashes == 0

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "FAIL"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


@dataclass(frozen=True)
class RunRecord:
    """One scenario's results with the command that produced them."""

    scenario: str
    command: str
    quick: bool
    seed: int
    duration_s: float
    generated_at: str
    results: list[dict[str, Any]]


def write_run(record: RunRecord, out_dir: Path = OUT_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{record.scenario}.json"
    path.write_text(json.dumps(asdict(record), indent=1, allow_nan=False) + "\n")
    return path


def read_runs(out_dir: Path = OUT_DIR) -> dict[str, dict[str, Any]]:
    runs = {}
    for path in sorted(out_dir.glob("*.json")):
        payload = json.loads(path.read_text())
        runs[payload["scenario"]] = payload
    return runs
