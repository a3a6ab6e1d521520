"""Issue 8 target 3's pure figures: freshness from lake samples, backlog growth, drain time, completeness."""

from __future__ import annotations

import math
from array import array

from bench.alerting.fullload import (
    backlog_series,
    backlog_verdict,
    completeness,
    drain_thresholds,
    drain_time,
    freshness_by_id,
    freshness_figures,
    freshness_values,
    thirds_p50,
)
from bench.alerting.monitor import LagSample
from bench.alerting.stack import load_segments
from bench.alerting.triggers import event_table
from bench.harness.visibility import add_sample, first_visible, new_rows_sql


def test_a_record_is_visible_at_the_first_query_that_reached_its_offset() -> None:
    series: list[tuple[float, int]] = []
    for at, offset in [(1000.0, 4), (1500.0, 4), (2000.0, 9), (2500.0, 8)]:
        add_sample(series, at, offset)

    assert series == [(1000.0, 4), (2000.0, 9)]  # only samples that moved forward
    assert first_visible(series, 3) == 1000.0
    assert first_visible(series, 5) == 2000.0
    assert first_visible(series, 10) is None


def test_freshness_values_walk_offsets_and_skip_records_outside_the_phase() -> None:
    offsets, created = [0, 1, 2, 3, 4], [100.0, 200.0, 300.0, 400.0, 500.0]
    series = [(600.0, 1), (900.0, 3)]

    values, missing = freshness_values(offsets, created, series, 150.0, 600.0)

    assert values == [(200.0, 400.0), (300.0, 600.0), (400.0, 500.0)]
    assert missing == 1  # offset 4 never became visible


def test_freshness_by_id_uses_first_seen_per_event() -> None:
    produced = {"a": 100.0, "b": 200.0, "c": 300.0, "z": 10.0}
    values, missing = freshness_by_id(["a", "b", "c", "z"], produced, {"a": 600.0, "b": 650.0}, 50.0, 1000.0)

    assert values == [(100.0, 500.0), (200.0, 450.0)]
    assert missing == 1  # c; z is outside the phase


def test_freshness_figures_per_table_overall_and_thirds() -> None:
    delivered = {"inventory_events": {0: (array("q", [0, 1, 2]), array("d", [0.0, 1000.0, 2000.0]))}}
    seen = {"inventory_events": {0: [(500.0, 0), (2500.0, 2)]}}
    by_id = {"order_events": (["o1"], {"o1": 1500.0}, {"o1": 2500.0})}

    figures = freshness_figures(delivered, seen, {"steady": (0.0, 3000.0)}, by_id)

    steady = figures["steady"]
    assert steady["tables"]["inventory_events"]["n"] == 3
    assert steady["tables"]["inventory_events"]["max"] == 1500.0
    assert steady["tables"]["order_events"]["p50"] == 1000.0
    assert steady["all"]["n"] == 4
    assert steady["all"]["not_visible"] == 0
    assert steady["thirds_p50"] == [500.0, 1250.0, 500.0]


def test_thirds_with_an_empty_third_give_nan() -> None:
    thirds = thirds_p50([(0.0, 100.0), (2900.0, 300.0)], 0.0, 3000.0)

    assert thirds[0] == 100.0 and math.isnan(thirds[1]) and thirds[2] == 300.0


def sample(t: float, lag: int, produced: int, group: str = "inventory") -> LagSample:
    return LagSample(t, {group: lag}, {group: produced - lag}, {group: produced})


def flat(rate: int, seconds: int, lag: int) -> list[LagSample]:
    return [sample(float(t), lag, rate * t) for t in range(seconds + 1)]


def test_a_flat_backlog_does_not_grow() -> None:
    verdict = backlog_verdict(flat(1000, 180, 1500), 180.0)

    p = verdict["pipelines"]["inventory"]
    assert verdict["window_s"] == 60.0
    assert p["input_rate"] == 1000.0
    assert p["first_s"] == 1.5 and p["last_s"] == 1.5
    assert not p["grows"] and not verdict["grows"]


def test_a_backlog_that_doubles_grows_unless_it_stays_below_a_second_of_input() -> None:
    growing = [sample(float(t), 1000 + 20 * t, 1000 * t) for t in range(181)]
    small = [sample(float(t), 100 + t, 1000 * t) for t in range(181)]

    assert backlog_verdict(growing, 180.0)["grows"]
    assert not backlog_verdict(small, 180.0)["grows"]  # 0.1 s → 0.25 s of input: noise


def test_a_backlog_above_ten_seconds_of_input_fails_even_when_flat() -> None:
    assert backlog_verdict(flat(100, 90, 1200), 90.0)["grows"]


def test_drain_time_counts_from_the_burst_end_to_the_steady_level() -> None:
    samples = [*flat(1000, 60, 500), sample(61.0, 20_000, 61_000), sample(65.0, 9000, 70_000)]
    samples += [sample(70.0, 1800, 75_000), sample(75.0, 100, 80_000)]
    rates = {"inventory": 1000.0}

    thresholds = drain_thresholds(samples, 60.0, rates)

    assert thresholds == {"inventory": 2000.0}
    assert drain_time(samples, 61.0, thresholds) == 9.0
    assert drain_time(samples[:-2], 61.0, thresholds) is None


def test_drain_threshold_is_the_steady_p95_when_above_two_seconds_of_input() -> None:
    samples = [sample(float(t), 3000 if t % 2 else 0, 500 * t) for t in range(61)]

    assert drain_thresholds(samples, 60.0, {"inventory": 500.0}) == {"inventory": 3000.0}


def test_backlog_series_keeps_one_sample_per_step() -> None:
    series = backlog_series(flat(10, 12, 3), every_s=5.0)

    assert [t for t, _ in series] == [0.0, 5.0, 10.0]


def test_completeness_counts_lost_duplicated_and_foreign_rows() -> None:
    counts = completeness(["a", "b", "c", "d"], ["a", "b", "b", "b", "c", "x"])

    assert counts == {
        "produced": 4,
        "produced_distinct": 4,
        "rows": 6,
        "distinct": 4,
        "lost": 1,
        "duplicates": 2,
        "unexpected": 1,
    }


def test_load_segments_with_and_without_a_burst() -> None:
    assert load_segments(5000, 300, 10, 30, 60) == [
        ("steady", 5000, 300),
        ("burst", 50000, 30),
        ("after burst", 5000, 60),
    ]
    assert load_segments(5000, 300, 0, 0, 0) == [("steady", 5000, 300)]


def test_event_tables_of_events() -> None:
    assert event_table("shipments", "shipment.telemetry") == "shipment_telemetry"
    assert event_table("shipments", "delivered") == "shipment_events"
    assert event_table("orders", "order.placed") == "order_events"
    assert event_table("suppliers", "po.created") is None


def test_new_rows_sql_skips_what_was_seen() -> None:
    assert (
        new_rows_sql("order_events", {}) == "SELECT _src_partition AS p, _src_offset AS o, event_id FROM order_events"
    )
    assert new_rows_sql("order_events", {1: 7, 0: 3}).endswith(
        "WHERE NOT (_src_partition = 0 AND _src_offset <= 3) AND NOT (_src_partition = 1 AND _src_offset <= 7)"
    )


def test_a_run_without_a_load_still_analyses() -> None:
    from bench.alerting.analysis import analyse
    from bench.alerting.stack import LiveRun

    figures = analyse(LiveRun("quiet", 0.0, 0.0, tick_interval_s=5.0, tick_holdback_s=5.0))

    assert figures["freshness"] == {}
    assert figures["lake_counts"] == {}
    assert "burst" not in figures
