"""`supplylake run`: a file through every pipeline into the lake, then stop.

The pipelines run in :attr:`RunMode.BOUNDED_REPLAY`: deadlines fire on event time only. After
the file, one watermark at the input's latest event time goes to every control topic, so every
deadline due by then fires on every partition; the replay is done when every pipeline committed
past everything produced (the file's records and the watermarks).
"""

from __future__ import annotations

from pathlib import Path

from supplylake.broker.connection import connect
from supplylake.ingest.intake import record_rejects
from supplylake.ingest.replay import ReplaySummary, replay_file
from supplylake.orchestration.launch import running_pipelines
from supplylake.orchestration.progress import wait_until_pipelines_committed
from supplylake.orchestration.reporting import QuietReporter, Reporter
from supplylake.orchestration.topology import control_topics
from supplylake.pipelines.control import broadcast_watermark
from supplylake.pipelines.run_mode import RunMode
from supplylake.reports import lake_summary
from supplylake.settings import Settings


def default_timeout_s(lines: int) -> float:
    """How long the pipelines get to catch up: 120 s plus 1 s per 500 lines."""
    return 120 + lines / 500


def replay_into_lake(
    settings: Settings,
    input_file: Path,
    *,
    reorder_points: Path | None = None,
    timeout_s: float | None = None,
    reporter: Reporter | None = None,
    instances: int = 1,
) -> ReplaySummary:
    """Replay ``input_file`` through every pipeline until the lake holds all of it; report a summary."""
    reporter = reporter or QuietReporter()
    with (
        connect(settings) as connection,
        running_pipelines(settings, connection, RunMode.BOUNDED_REPLAY, reorder_points, instances) as supervisor,
        reporter.progress() as update,
    ):
        update("producing", 0, None)
        summary = replay_file(
            input_file, connection, settings.topics, on_progress=lambda n: update("producing", n, None)
        )
        record_rejects(settings, connection, summary.rejected)
        if summary.max_event_time_ms is not None:
            # Every deadline due by the input's latest event time fires, on every partition,
            # whatever that partition saw; the control records are part of what to wait for.
            summary.include(broadcast_watermark(connection, control_topics(settings), summary.max_event_time_ms))
        update("pipelines", 0, None)
        wait_until_pipelines_committed(
            connection,
            settings,
            summary.end_offsets,
            timeout_s=timeout_s or default_timeout_s(summary.lines),
            check=supervisor.check,
            on_progress=lambda done, total: update("pipelines", done, total),
            watermark_ms=summary.max_event_time_ms,
        )
    reporter.say(
        f"replayed {summary.lines} lines from {input_file.name}: "
        + ", ".join(f"{topic} {n}" for topic, n in sorted(summary.produced.items()))
        + f"; {len(summary.rejected)} rejected at intake"
    )
    reporter.say(lake_summary(settings))
    return summary
