"""The renderer turns scenario results (JSON only, no processes) into the reports' tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.render import NOTES_MARKER, render
from bench.rendering.alerts_report import render_alerts_report
from bench.rendering.pipeline_report import render_pipeline_report


def header(scenario: str, *, quick: bool = False) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "command": f".venv/bin/python -m bench {scenario}",
        "quick": quick,
        "generated_at": "2026-12-01 20:00 UTC",
        "wall_s": 90.0,
        "cores": 2,
        "python": "CPython 3.11.7",
        "machine": "x86_64",
        "load_average": [1.0, 1.0, 1.0],
        "code_head": "abc1234",
        "code_digest": "0123456789ab",
    }


def throughput_run(variant: str, steady: float, total: float) -> dict[str, Any]:
    return {
        "variant": variant,
        "repeat": 0,
        "events": 10_000,
        "retry": 0,
        "first_commit_s": 2.0,
        "first_commit_events": 1000,
        "done_s": 10.0,
        "cpu_s": 12.0,
        "cpu_at_first_commit_s": 2.0,
        "other_cores": 0.1,
        "peak_rss_mb": 300.0,
        "commit_ms": {"inventory_events": [40.0, 50.0, 60.0]} if variant == "a" else {},
        "lake": {"inventory_events": dict.fromkeys(LAKE_KEYS, 3)} if variant in "ab" else {},
        "error": None,
        "steady_rate": steady,
        "total_rate": total,
        "steady_cpu_per_event_s": 0.001,
    }


LAKE_KEYS = ("snapshots", "data_files", "rows", "parquet_on_disk", "metadata_json_on_disk")
VARIANTS = {
    "a": {"label": "(a)", "what": "product"},
    "b": {"label": "(b)", "what": "community sink"},
    "c": {"label": "(c)", "what": "bare"},
    "d": {"label": "(a′)", "what": "diagnostic"},
}


def throughput() -> dict[str, Any]:
    return {
        "header": header("throughput"),
        "figures": {
            "events": 10_000,
            "seed": 3,
            "retries": 2,
            "disturbed_cores": 0.3,
            "commit_interval_s": 1.0,
            "variants": VARIANTS,
            "runs": [
                throughput_run("a", 4000.0, 1000.0),
                throughput_run("b", 1000.0, 500.0),
                throughput_run("c", 5000.0, 2000.0),
            ],
            "broker": {"cpu_s": 10.0, "peak_rss_mb": 100.0},
            "sink_log_json": True,
            "quiet_waited_s": 0.0,
        },
    }


def commit_latency() -> dict[str, Any]:
    return {
        "header": header("commit_latency"),
        "figures": {
            "commits": 200,
            "rows": 10,
            "maintain_every": 100,
            "commit_ms": [10.0] * 100 + [12.0] * 100,
            "fresh_ms": [10.0] * 100,
            "maintain_ms": [500.0, 700.0],
            "snapshots": 30,
            "data_files": 5,
            "seconds": 20.0,
        },
    }


def latencies(values: list[float], missing: int = 0) -> dict[str, Any]:
    return {"values": values, "missing": missing}


def live_run(label: str, rate: float, *, load: bool) -> dict[str, Any]:
    phase = "load" if load else "quiet"
    return {
        "label": label,
        "rate": rate,
        "seconds": 60.0 if load else 0.0,
        "tick_interval_s": 5.0,
        "tick_holdback_s": 5.0,
        "sustained": load,
        "achieved": rate,
        "keeps_up": True,
        "growing": False,
        "drained": True,
        "drain_s": 3.0,
        "load_produced": int(rate * 60) if load else 0,
        "load_sim": int(rate * 60) - 100 if load else 0,
        "load_triggers": 100 if load else 0,
        "load_timers": 5 if load else 0,
        "produced_by_topic": {"inventory-events": 10},
        "trig": {
            phase: {
                "all triggers": latencies([100.0, 200.0], 1),
                "inventory": latencies([100.0]),
                "LOW_STOCK": latencies([100.0]),
                "cold chain": latencies([200.0], 1),
                "TEMPERATURE_BREACH": latencies([200.0], 1),
            }
        },
        "by_window": {"inventory": {"0": latencies([100.0])}} if load else {},
        "cross": [1.0],
        "other": {},
        "unmatched": {},
        "other_timer": {},
        "late": {phase: latencies([7500.0, 8000.0])},
        "wait_tick": {phase: [7400.0, 7900.0]},
        "after_tick": {phase: [100.0, 100.0]},
        "wrong_deadline": 0,
        "probes": {phase: [30.0, 40.0]},
        "duplicates": 0,
        "alerts": 2,
        "records": 2,
        "load_s": 60.0 if load else 0.0,
        "lag_end": {"inventory": 0} if load else None,
        "lag_max": {"inventory": 50} if load else {},
        "rates": {"inventory": 100.0} if load else {},
        "rate_windows": {"0": {"inventory": 100.0}} if load else {},
        "drain_rate": {},
        "cpu": {phase: {"inventory": 6.0, "_wall": 60.0}},
        "peak_rss": {"inventory": 250.0},
        "restarts": {"inventory": 0},
        "startup_s": 15.0,
        "sim_event_span_s": 40.0,
        "total_s": 90.0,
        "notes": [],
        "code": ["abc1234", "0123456789ab"],
    }


LOAD_OPTIONS = {
    "rate": 2000.0,
    "seconds": 60.0,
    "fallback_rate": 200.0,
    "fallback_seconds": 30.0,
    "trigger_rate": 20.0,
    "timer_every": 1.0,
    "timer_lead_min": 5.0,
    "timer_lead_max": 15.0,
    "grace": 2,
    "tick_interval": None,
    "tick_holdback": None,
    "drain_timeout": 60.0,
    "seed": 7,
}
QUIET_OPTIONS = {
    "quiet_timers": 30,
    "quiet_seconds": 15.0,
    "quiet_grace": 15.0,
    "timer_lead_min": 5.0,
    "timer_lead_max": 15.0,
    "grace": 2,
    "tick_interval": None,
    "tick_holdback": None,
    "seed": 7,
}


def alert_results() -> dict[str, dict[str, Any]]:
    return {
        "alert_latency": {
            "header": header("alert_latency"),
            "figures": {"options": LOAD_OPTIONS, "runs": [live_run("first", 2000.0, load=True)]},
        },
        "timer_lateness": {
            "header": header("timer_lateness"),
            "figures": {"options": QUIET_OPTIONS, "runs": [live_run("quiet", 0.0, load=False)]},
        },
    }


def test_pipeline_report_has_the_throughput_ratio_and_commit_rows() -> None:
    text = render_pipeline_report({"throughput": throughput(), "commit_latency": commit_latency()})

    assert text is not None
    assert "| (a) | product | 4,000 | 1,000 | 1.00 | 300 MB |" in text
    assert "| (a)/(b) | 4.00 | 2.00 | ≥ 3 | yes |" in text
    assert "| (a)/(c) | 0.80 | 0.50 | ≥ 0.5 | yes |" in text
    assert "| throughput (a) run 1 | inventory_events | 3 | 50.0 ms | 60.0 ms | 60.0 ms |" in text
    assert "| aged table, commits 101–200 | 12.0 ms | 12.0 ms | 12.0 ms |" in text
    assert "| maintenance runs (2, not counted above) | 700 ms | 700 ms | 700 ms |" in text
    assert "| commit latency flat (after 100 commits vs a fresh table: p50 ×≤ 1.5, p99 ×≤ 2) |" in text
    assert "## 2. Freshness" not in text  # no freshness result, no section


def test_alert_report_has_the_summary_and_timer_rows() -> None:
    text = render_alerts_report(alert_results())

    assert text is not None
    assert "| alert latency, quiet (2 events/s) | all triggers | 200 ms | not received | not received | 2 / 1 |" in text
    assert (
        "| timer lateness, quiet | DELIVERY_DELAYED, tick 5 s / hold-back 5 s | 8.00 s | 8.00 s | 8.00 s | 2 / 0 |"
        in text
    )
    assert "| inventory (LOW_STOCK/STOCKOUT/RESOLVED) | 100 ms | 100 ms | 100 ms | 1 / 0 |" in text
    assert "| **cold chain** | 1 | 1 | not received | not received | not received |" in text
    assert (
        "| quiet (timer_lateness) | 2 | 0 | 8.00 s | 8.00 s | 8.00 s | 7.50 s | 7.90 s | 7.90 s | 100 ms | 100 ms |"
        in text
    )
    assert "| first run, load (60 s) | 0.10 |" in text


def test_a_report_with_no_results_of_its_own_is_not_written() -> None:
    assert render_alerts_report({"throughput": throughput()}) is None
    assert render_pipeline_report(alert_results()) is None


def write_results(directory: Path, results: dict[str, dict[str, Any]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, payload in results.items():
        (directory / f"{name}.json").write_text(json.dumps(payload))


def test_render_keeps_the_notes_and_is_deterministic(tmp_path: Path) -> None:
    results, reports = tmp_path / "out", tmp_path / "reports"
    write_results(results, {"throughput": throughput(), **alert_results()})
    reports.mkdir()
    (reports / "REPORT.md").write_text("old figures\n\n" + NOTES_MARKER + "\n## Notes\nhand-written\n")

    written = render(results, reports)
    first = (reports / "REPORT.md").read_text()
    render(results, reports)

    assert sorted(p.name for p in written) == ["REPORT-alerts.md", "REPORT.md"]
    assert "old figures" not in first
    assert first.endswith(NOTES_MARKER + "\n## Notes\nhand-written\n")
    assert (reports / "REPORT.md").read_text() == first


def test_quick_results_do_not_replace_the_committed_report(tmp_path: Path) -> None:
    quick = throughput()
    quick["header"]["quick"] = True
    write_results(tmp_path, {"throughput": quick})

    (path,) = render(tmp_path)

    assert path == tmp_path / "REPORT.md"
    assert "--quick" in path.read_text()


def full_load_run() -> dict[str, Any]:
    """A first run of alert_latency with issue 8 target 3's figures (5k/s for 300 s, a 10× burst)."""
    run = live_run("first", 5000.0, load=True)
    table_f = {"n": 1000, "not_visible": 0, "p50": 1200.0, "p90": 1800.0, "p99": 2500.0, "max": 2900.0}
    run.update(
        {
            "seconds": 300.0,
            "achieved": 4990.0,
            "steady_s": 300.0,
            "segments": [
                {"label": "steady", "rate": 5000, "seconds": 300, "start_ms": 0.0, "end_ms": 300_000.0},
                {"label": "burst", "rate": 50000, "seconds": 30, "start_ms": 300_000.0, "end_ms": 330_000.0},
            ],
            "extra_env": {},
            "freshness": {
                "steady": {
                    "tables": {"inventory_events": table_f, "order_events": {**table_f, "p99": 3500.0}},
                    "all": {**table_f, "n": 2000, "p99": 2600.0},
                    "thirds_p50": [1100.0, 1200.0, 1250.0],
                },
                "burst and after": {"tables": {"inventory_events": table_f}, "all": table_f},
            },
            "lake_polls": 600,
            "lake_poll_ms_p50": 80.0,
            "backlog": {
                "window_s": 60.0,
                "grows": False,
                "pipelines": {
                    "inventory": {
                        "input_rate": 250.0,
                        "first_mean": 500.0,
                        "last_mean": 550.0,
                        "first_s": 2.0,
                        "last_s": 2.2,
                        "grows": False,
                    }
                },
            },
            "backlog_series": [[0.0, {"inventory": 10}], [5.0, {"inventory": 20}]],
            "lake_counts": {
                "inventory_events": {
                    "produced": 10,
                    "produced_distinct": 10,
                    "rows": 10,
                    "distinct": 10,
                    "lost": 0,
                    "duplicates": 0,
                    "unexpected": 0,
                }
            },
            "burst": {
                "factor": 10.0,
                "seconds": 30,
                "achieved": 41000.0,
                "drain_s": 42.0,
                "end_s": 330.0,
                "lag_max": {"inventory": 90_000},
                "drained_below": {"inventory": 1000.0},
            },
        }
    )
    run["late"] = {"load": latencies([4000.0, 5500.0])}
    return run


def full_load_results() -> dict[str, dict[str, Any]]:
    curve = {
        "commit_records": 1000,
        "rate": 5000.0,
        "seconds": 60.0,
        "achieved": 4995.0,
        "fresh_p50": 900.0,
        "fresh_p99": 2000.0,
        "not_visible": 0,
        "pipeline_cores": 1.2,
        "cores": {"inventory": 0.2, "shipments": 0.7, "orders": 0.3},
        "backlog_grows": False,
        "sustained": True,
        "notes": [],
    }
    options = {**LOAD_OPTIONS, "rate": 5000.0, "seconds": 300.0, "fresh_poll": 0.5}
    return {
        "alert_latency": {
            "header": header("alert_latency"),
            "figures": {"options": options, "runs": [full_load_run()], "curve": [curve]},
        }
    }


def test_alert_report_has_the_fresh_under_load_section() -> None:
    text = render_alerts_report(full_load_results())

    assert text is not None
    assert "## Fresh under load (issue 8, target 3)" in text
    assert (
        "| fresh under load: all pipelines sustain 5k events/s for ≥ 5 min without a growing backlog "
        "| 4,990/s for 300 s; backlog flat (last-minute mean ≤ 2.20 s of input) | yes |"
    ) in text
    assert "| fresh under load: freshness p50 ≤ 1.5 s | 1.20 s | yes |" in text
    assert "| fresh under load: freshness p99 ≤ 3 s | 2.60 s | yes |" in text
    assert "| fresh under load: alert latency p99 ≤ 1 s | not received | no |" in text
    assert "| fresh under load: live timer lateness p99 ≤ tick + 1 s (6 s) | 5.50 s | yes |" in text
    assert (
        "| fresh under load: a 10× burst for 30 s drains, nothing lost "
        "| 10× for 30 s (41,000/s produced): drained in 42 s; lost 0, duplicated 0 | yes |"
    ) in text
    assert "| steady | inventory_events | 1,000 | 0 | 1.20 s | 1.80 s | 2.50 s | 2.90 s |" in text
    assert "|  | order_events | 1,000 | 0 | 1.20 s | 1.80 s | 3.50 s | 2.90 s |" in text
    assert "by third of the steady load: 1.10 s → 1.20 s → 1.25 s" in text
    assert "| inventory | 250 | 500 (2.00 s) | 550 (2.20 s) | no |" in text
    assert "| 5 s | 20 |" in text
    assert "back to its steady level **42 s** after the burst ended" in text
    assert "| inventory_events | 10 | 10 | 10 | 0 | 0 | 0 |" in text
    assert "| 1,000 | 4,995/s for 60 s | 900 ms | 2.00 s | 1.20 | 0.20 / 0.70 / 0.30 | flat |" in text


def test_pipeline_report_lists_the_fresh_under_load_targets() -> None:
    text = render_pipeline_report({"throughput": throughput(), **full_load_results()})

    assert text is not None
    targets = text.split("## Targets", 1)[1]
    assert "| fresh under load: freshness p50 ≤ 1.5 s | 1.20 s | yes |" in targets
    assert "| fresh under load: a 10× burst for 30 s drains, nothing lost |" in targets


def test_results_from_before_the_full_load_figures_have_no_such_section() -> None:
    text = render_alerts_report(alert_results())

    assert text is not None
    assert "Fresh under load" not in text


def test_an_undrained_burst_counts_missing_rows_as_backlog_not_as_lost() -> None:
    from bench.rendering.fullload_report import fresh_targets

    run = full_load_run()
    run["burst"] = {**run["burst"], "drain_s": None}
    for counts in run["lake_counts"].values():
        counts["lost"] = 6
    (row,) = [r for r in fresh_targets(run) if "burst" in r[0]]
    assert "not drained" in row[1] and "not in the lake when the drain gave up" in row[1] and row[2] == "no"
