"""Writing a simulated stream to files: events as JSONL, the fault manifest, ERP snapshots as CSV.

``write_jsonl`` writes each event's exact ``value`` bytes on its own line, so line ``i + 1`` is
emission index ``i`` of the manifest; it builds the manifest from the events' fault labels, so
any slice of a stream gets a manifest that matches the file.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplylake.simulator.erp import LABEL_COLUMNS, SNAPSHOT_COLUMNS, ErpSnapshot
from supplylake.simulator.events import SimEvent, Timestamps
from supplylake.simulator.faults import FaultManifest

_BUFFER_BYTES = 1 << 20


@dataclass
class SimulationSummary:
    path: Path
    events: int = 0
    by_family: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)  # unparseable bytes count under "<malformed>"
    by_fault: dict[str, int] = field(default_factory=dict)
    first_event_ms: int | None = None
    last_event_ms: int | None = None  # latest event time (not the last line's)
    manifest: FaultManifest = field(default_factory=FaultManifest, repr=False)

    def to_dict(self) -> dict[str, Any]:
        stamps = Timestamps()
        return {
            "path": str(self.path),
            "events": self.events,
            "byFamily": dict(sorted(self.by_family.items())),
            "byType": dict(sorted(self.by_type.items())),
            "byFault": dict(sorted(self.by_fault.items())),
            "firstEventTime": None if self.first_event_ms is None else stamps.millis(self.first_event_ms),
            "lastEventTime": None if self.last_event_ms is None else stamps.millis(self.last_event_ms),
            "expectedDeadLetters": self.manifest.expected_dead_letters,
        }


def write_jsonl(
    events: Iterable[SimEvent], path: str | Path, *, manifest_path: str | Path | None = None
) -> SimulationSummary:
    """Write one event value per line; optionally the fault manifest as JSON next to it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = FaultManifest()
    families: Counter[str] = Counter()
    types: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    first = last = None
    with target.open("wb", buffering=_BUFFER_BYTES) as fh:
        write = fh.write
        for event in events:
            write(event.value)
            write(b"\n")
            manifest.record(event)
            families[event.family] += 1
            types[event.event_type or "<malformed>"] += 1
            if event.fault is not None:
                faults[event.fault] += 1
            t = event.time_ms
            if first is None or t < first:
                first = t
            if last is None or t > last:
                last = t
    if manifest_path is not None:
        manifest.write(manifest_path)
    return SimulationSummary(target, manifest.emitted, dict(families), dict(types), dict(faults), first, last, manifest)


def write_erp_snapshots(
    snapshots: Iterable[ErpSnapshot], path: str | Path, *, labels_path: str | Path | None = None
) -> tuple[Path, Path]:
    """ERP snapshots CSV and, beside it, ``erp_snapshot_labels.csv`` (the planted differences)."""
    target = Path(path)
    labels_target = Path(labels_path) if labels_path is not None else target.with_name("erp_snapshot_labels.csv")
    target.parent.mkdir(parents=True, exist_ok=True)
    labels_target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("w", newline="", encoding="utf-8") as rows_fh,
        labels_target.open("w", newline="", encoding="utf-8") as labels_fh,
    ):
        rows = csv.writer(rows_fh, lineterminator="\n")
        labels = csv.writer(labels_fh, lineterminator="\n")
        rows.writerow(SNAPSHOT_COLUMNS)
        labels.writerow(LABEL_COLUMNS)
        for snapshot in snapshots:
            rows.writerows(snapshot.csv_rows())
            labels.writerows(snapshot.label_rows())
    return target, labels_target
