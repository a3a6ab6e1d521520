"""`demo --history-days 1`: a day of history in the lake, then live events after it; restarted, no history again.

Small on purpose (a day of history is ~20k events, the live part a few hundred): the bounded,
headless demo waits for the lake itself (its commit wait has a deadline), and the process
timeout bounds the whole run; nothing here sleeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.processes import cli, cli_sql

pytestmark = pytest.mark.integration

LIVE_EVENTS = 300


def _order_spans(data_dir: Path) -> list[dict]:
    """Per simulator run (the tag in the order id): its order events' first and last event time."""
    return cli_sql(
        data_dir,
        "SELECT split_part(order_id, '-', 2) AS run, min(event_time) AS first, max(event_time) AS last, "
        "count(*) AS n FROM order_events GROUP BY 1 ORDER BY 2",
    )


def test_a_day_of_history_then_live_then_a_restart_without_history(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = cli(
        "demo", "--headless", "--events", str(LIVE_EVENTS), "--history-days", "1", data_dir=data_dir, timeout=420
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert "history: loading 1 days of event time" in first.stdout
    assert "history: 1 days (" in first.stdout and " loaded in " in first.stdout
    assert "history: replenishment review of " in first.stdout  # the day the history closed
    assert not (data_dir / "history" / "history-1d.jsonl").exists()  # the replay's input is gone
    assert (data_dir / "history" / "reference" / "skus.csv").exists()
    # The live planner ran next to the pipelines and was stopped with them.
    planner = (data_dir / "logs" / "planner.log").read_text()
    assert "plan: watching the lake" in planner and planner.rstrip().endswith("plan: stopped watching"), planner

    history, live = _order_spans(data_dir)
    assert history["n"] > 1000 and live["n"] > 0
    assert history["last"] <= live["first"]  # event time does not go backwards into live
    late_live = cli_sql(
        data_dir, f"SELECT count(*) AS n FROM inventory_events WHERE is_late AND event_time >= '{live['first']}'"
    )
    assert late_live == [{"n": 0}]

    again = cli("demo", "--headless", "--events", "200", "--history-days", "1", data_dir=data_dir, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "history: skipped, the lake in" in again.stdout and "history: loading" not in again.stdout
    assert "replenishment review" not in again.stdout
    runs = _order_spans(data_dir)
    assert len(runs) == 3  # the restarted live stream has its own ids: not taken for duplicates
    assert runs[:2] == [history, live]
