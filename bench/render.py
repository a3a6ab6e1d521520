"""Render bench/REPORT.md and bench/REPORT-alerts.md from the scenario results in bench/out/.

    .venv/bin/python -m bench.render [--results DIR] [--report-dir DIR]

Two reports, as before the harness: REPORT.md (throughput, freshness, commit latency,
validation share) and REPORT-alerts.md (alert latency, timer lateness); each keeps its
hand-written notes below :data:`NOTES_MARKER`. Rendering is deterministic: the same JSON gives
the same text (dates are the runs', not the rendering's). Results from ``--quick`` runs are
never written over the committed reports: without ``--report-dir`` they go next to the JSON.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness.errors import ResultsMissing
from bench.harness.results import OUT_DIR, read_results
from bench.rendering.alerts_report import render_alerts_report
from bench.rendering.pipeline_report import render_pipeline_report

BENCH_DIR = Path(__file__).resolve().parent
NOTES_MARKER = "<!-- notes below are hand-written and kept when the benchmark rewrites this file -->"
REPORTS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "REPORT.md": render_pipeline_report,
    "REPORT-alerts.md": render_alerts_report,
}


def with_notes(text: str, path: Path) -> str:
    """``text`` followed by the marker and whatever an existing ``path`` has below it."""
    kept = "\n"
    if path.is_file() and NOTES_MARKER in (old := path.read_text()):
        kept = old.split(NOTES_MARKER, 1)[1]
    return text.rstrip() + "\n\n" + NOTES_MARKER + kept


def report_dir_for(results: dict[str, Any], results_dir: Path, report_dir: Path | None) -> Path:
    if report_dir is not None:
        return report_dir
    if any(r["header"]["quick"] for r in results.values()):
        return results_dir  # quick figures never replace the committed ones
    return BENCH_DIR


def render(results_dir: Path = OUT_DIR, report_dir: Path | None = None) -> list[Path]:
    """Write every report that has at least one scenario result; the paths written."""
    results = read_results(results_dir)
    target = report_dir_for(results, results_dir, report_dir)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render_report in REPORTS.items():
        text = render_report(results)
        if text is None:
            continue
        path = target / name
        # The notes live in the committed report; a report elsewhere takes them from there.
        notes_from = path if path.is_file() else BENCH_DIR / name
        path.write_text(with_notes(text, notes_from))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=OUT_DIR, help="directory of <scenario>.json results")
    parser.add_argument(
        "--report-dir", type=Path, default=None, help="where the reports go (default bench/, or --results for quick)"
    )
    args = parser.parse_args(argv)
    try:
        paths = render(args.results, args.report_dir)
    except ResultsMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
