"""The supplier figures of the bench: the supplier-heavy input, the steady phase of a pipeline with
internal topics, the live freshness probe's pure parts, the history count, and their rendering.
No processes, no broker."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.harness.inputs import supplier_config, supplier_heavy
from bench.rendering.pipeline_report import render_pipeline_report
from bench.scenarios.history_size import count_lines, family_of_type
from bench.scenarios.supplier_freshness import (
    Receipt,
    add_as_of,
    first_reflecting,
    po_created,
    receipt,
    receipt_order,
    supplier_id,
    visibility,
)
from bench.scenarios.throughput import (
    DEFAULT_VARIANTS,
    INPUTS,
    PIPELINE_PAIRS,
    VARIANTS,
    ThroughputRun,
    parse_variants,
)
from supplylake.contracts import parse_event
from supplylake.contracts.inventory import InventoryReceived
from supplylake.contracts.suppliers import PoCreated
from supplylake.simulator.events import SimEvent
from supplylake.simulator.generator import history_config


def sim_event(family: str, event_type: str | None) -> SimEvent:
    return SimEvent(family, "k", b"{}", event_type, "id", datetime(2025, 1, 15, tzinfo=UTC))


def test_the_supplier_input_keeps_supplier_events_and_receipts_only() -> None:
    assert supplier_heavy(sim_event("suppliers", "po.created"))
    assert supplier_heavy(sim_event("suppliers", None))  # a malformed one: routing leaves it out later
    assert supplier_heavy(sim_event("inventory", "inventory.received"))
    assert not supplier_heavy(sim_event("inventory", "inventory.shipped"))
    assert not supplier_heavy(sim_event("shipments", "shipment.telemetry"))


def test_the_supplier_world_is_the_history_simulator_scaled_not_another_config() -> None:
    config, history = supplier_config(11), history_config(11)
    assert config.supplier_profiles and config.telemetry_density == history.telemetry_density
    assert config.erp_snapshot_every == history.erp_snapshot_every
    assert (config.warehouses, config.skus, config.suppliers) == (16, 400, 32)


def test_the_supplier_variants_are_a_pair_on_one_input() -> None:
    own, bare = PIPELINE_PAIRS["suppliers"]
    assert (own, bare) == ("sup", "sup-c")
    assert VARIANTS[own].input == VARIANTS[bare].input == "suppliers"
    assert INPUTS["suppliers"] == ("suppliers", "inventory")
    assert VARIANTS[own].command[2:] == ["supplylake.pipelines", "suppliers", "--mode", "bounded-replay"]
    assert VARIANTS[bare].command[-2:] == ["suppliers", "inventory"]
    assert VARIANTS[own].internal_suffixes == ("by-po", "by-supplier")
    assert VARIANTS[own].watermark_suffixes == ("by-po",)
    assert VARIANTS[bare].bare and not VARIANTS[bare].watermark_suffixes
    assert {"sup", "sup-c"} <= set(parse_variants(DEFAULT_VARIANTS, VARIANTS))


def test_without_internal_topics_the_steady_phase_counts_source_records() -> None:
    run = ThroughputRun("a", 0, 10_000, first_commit_s=2.0, first_commit_events=2_000, done_s=10.0)
    assert run.steady_events == 8_000
    assert run.steady_rate == pytest.approx(1_000.0)


def test_with_internal_topics_the_steady_phase_counts_the_work_left_after_the_first_commit() -> None:
    # The first commit covered every source record, but only a quarter of all the records read.
    run = ThroughputRun("sup", 0, 1_000, first_commit_s=5.0, first_commit_events=1_000, done_s=15.0)
    run.work, run.first_commit_work = 4_000, 1_000
    assert run.steady_events == pytest.approx(750.0)
    assert run.steady_rate == pytest.approx(75.0)
    run.cpu_s, run.cpu_at_first_commit_s = 9.0, 1.5
    assert run.steady_cpu_per_event_s == pytest.approx(0.01)


def test_everything_in_the_first_commit_has_no_steady_rate() -> None:
    run = ThroughputRun("sup", 0, 1_000, first_commit_s=5.0, first_commit_events=1_000, done_s=15.0)
    run.work = run.first_commit_work = 3_000
    assert run.steady_rate != run.steady_rate  # NaN


def test_the_freshness_events_are_valid_wire_events_of_one_po_line() -> None:
    created = parse_event(po_created(3, 7, 1_765_000_000_000, 30))
    assert isinstance(created, PoCreated)
    assert created.supplier_id == supplier_id(3) and len(created.lines) == 1
    assert created.promised_date.timestamp() * 1000 == pytest.approx(1_765_000_000_000 + 30 * 86_400_000)
    got = parse_event(receipt(3, 7, 1_765_000_123_456))
    assert isinstance(got, InventoryReceived)
    assert got.po_id == created.po_id and got.sku == created.lines[0].sku
    assert got.quantity == created.lines[0].quantity
    assert got.event_time_ms == 1_765_000_123_456


def test_receipts_go_round_robin_over_the_suppliers() -> None:
    assert receipt_order(3, 2) == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]


def test_a_receipt_is_visible_at_the_first_query_whose_as_of_reached_it() -> None:
    series: list[tuple[int, float]] = []
    add_as_of(series, 1_000, 50.0)
    add_as_of(series, 1_000, 60.0)  # the same as_of again: not a new sample
    add_as_of(series, 900, 70.0)  # never backwards
    add_as_of(series, 3_000, 80.0)
    assert series == [(1_000, 50.0), (3_000, 80.0)]
    assert first_reflecting(series, 1_000) == 50.0
    assert first_reflecting(series, 1_001) == 80.0
    assert first_reflecting(series, 3_001) is None


def test_visibility_is_per_supplier_and_from_the_create_time() -> None:
    seen = {supplier_id(0): [(2_000, 2_500.0)], supplier_id(1): [(1_500, 4_000.0)]}
    receipts = [
        Receipt(0, 0, event_ms=2_000, created_ms=2_010),
        Receipt(1, 0, event_ms=2_000, created_ms=2_020),  # supplier 1 never reached 2,000
        Receipt(1, 1, event_ms=1_000, created_ms=1_100),
        Receipt(0, 1, event_ms=5_000, created_ms=0),  # never delivered: not counted
    ]
    delays, missing = visibility(receipts, seen)
    assert delays == [490.0, 2_900.0]
    assert missing == 1


def test_the_history_count_splits_by_family_and_counts_po_receipts(tmp_path: Path) -> None:
    lines = [
        {"eventType": "po.created", "poId": "PO-1"},
        {"eventType": "inventory.received", "poId": "PO-1"},
        {"eventType": "inventory.received"},
        {"eventType": "shipment.telemetry"},
        {"eventType": "no.such.type"},
    ]
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n{not json\n\n")
    counted = count_lines(path)
    assert counted["events"] == 6 and counted["malformed"] == 1
    assert counted["by_family"] == {"?": 1, "inventory": 2, "shipments": 1, "suppliers": 1}
    assert counted["supplier_heavy"] == 3 and counted["receipts_with_po"] == 1
    assert family_of_type("asn.sent") == "suppliers"


def header(scenario: str) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "command": f".venv/bin/python -m bench {scenario}",
        "quick": False,
        "generated_at": "2026-12-03 09:00 UTC",
        "wall_s": 60.0,
        "cores": 2,
        "python": "CPython 3.11.7",
        "machine": "x86_64",
        "load_average": [0.5, 0.5, 0.5],
        "code_head": "abc1234",
        "code_digest": "0123456789ab",
    }


def supplier_run(variant: str, steady: float, total: float, deadlines_s: float | None) -> dict[str, Any]:
    return {
        "variant": variant,
        "repeat": 0,
        "events": 10_000,
        "retry": 0,
        "first_commit_s": 5.0,
        "first_commit_events": 10_000,
        "done_s": 60.0,
        "deadlines_s": deadlines_s,
        "cpu_s": 50.0,
        "cpu_at_first_commit_s": 4.0,
        "other_cores": 0.05,
        "peak_rss_mb": 400.0,
        "commit_ms": {},
        "lake": {},
        "error": None,
        "steady_rate": steady,
        "total_rate": total,
        "steady_cpu_per_event_s": 0.005,
    }


def supplier_results() -> dict[str, dict[str, Any]]:
    throughput = {
        "events": 100_000,
        "seed": 3,
        "retries": 2,
        "disturbed_cores": 0.3,
        "commit_interval_s": 1.0,
        "variants": {
            "sup": {"label": "(sup)", "what": "supplier pipeline", "input": "suppliers"},
            "sup-c": {"label": "(c sup)", "what": "bare on suppliers", "input": "suppliers"},
        },
        "inputs": {
            "suppliers": {
                "seed": 11,
                "families": ["inventory", "suppliers"],
                "records": 10_000,
                "source": "`replace(history_config(11), …)`",
                "by_family": {"inventory": 2_000, "suppliers": 8_000},
                "by_type": {"po.created": 5_000, "inventory.received": 2_000},
                "telemetry_share": 0.0,
            }
        },
        "bare_copies": 4,
        "bare_min_records": 300_000,
        "pairs": {"suppliers": ["sup", "sup-c"]},
        "runs": [supplier_run("sup", 200.0, 150.0, 30.0), supplier_run("sup-c", 40_000.0, 20_000.0, None)],
        "broker": {"cpu_s": 10.0, "peak_rss_mb": 100.0},
        "sink_log_json": True,
        "quiet_waited_s": 0.0,
    }
    freshness = {
        "poll_interval_s": 0.2,
        "promise_days": 30.0,
        "disturbed_cores": 0.3,
        "live_commit_interval_s": 5.0,
        "live_commit_records": 5000,
        "tick_interval_s": 5.0,
        "runs": [
            {
                "suppliers": 20,
                "pos_per_supplier": 10,
                "rate": 2.0,
                "receipts": 200,
                "produce_s": 100.0,
                "warm_up_s": 12.0,
                "visible_ms": [float(ms) for ms in range(1_000, 6_000, 25)],
                "not_visible": 0,
                "open_lines_left": 0,
                "poll_ms": [30.0],
                "pipeline_cpu_share": 0.05,
                "bench_cpu_share": 0.05,
                "other_cores": 0.5,
                "peak_rss_mb": 300.0,
                "error": None,
                "achieved_rate": 2.0,
            }
        ],
        "broker": {"cpu_s": 1.0, "peak_rss_mb": 50.0},
        "quiet_waited_s": 0.0,
    }
    history = {
        "disturbed_cores": 0.3,
        "runs": [
            {
                "days": 90,
                "seed": 7,
                "wall_s": 200.0,
                "cpu_s": 190.0,
                "other_cores": 0.0,
                "peak_rss_mb": 500.0,
                "returncode": 0,
                "error": None,
                "bytes": 500_000_000,
                "beside_bytes": 20_000_000,
                "events": 1_900_000,
                "malformed": 1_000,
                "by_family": {"inventory": 500_000, "suppliers": 2_000},
                "by_type": {},
                "supplier_heavy": 3_000,
                "receipts_with_po": 900,
            }
        ],
        "quiet_waited_s": 0.0,
    }
    return {
        "throughput": {"header": header("throughput"), "figures": throughput},
        "supplier_freshness": {"header": header("supplier_freshness"), "figures": freshness},
        "history_size": {"header": header("history_size"), "figures": history},
    }


def test_the_suppliers_section_has_the_ratio_the_freshness_and_the_history() -> None:
    text = render_pipeline_report(supplier_results())
    assert text is not None
    section = text.split("## 7. Suppliers", 1)[1].split("## Targets", 1)[0]
    assert "(sup)/(c sup): **0.005 steady**, 0.007 incl. start" in section
    assert "not in the rates" in section and "median 30.0 s" in section
    assert "| 20 × 10 | 200 | 2.0/s | 3.48 s | 5.92 s | 5.97 s | 0 | 0 |" in section
    assert "(disturbed: 0.50 cores of other load)" in section
    assert "| 90 | 7 | 200 s | 190 s | 1,900,000 | 9,500/s | 500 MB | 263 B | 20.0 MB | 3,000 (900) |" in section
    assert "`.venv/bin/python -m bench history_size`" in section
    assert "steady throughput ≥ 0.5× bare Quix: suppliers | 0.01 | no" in text.split("## Targets", 1)[1]


def test_without_supplier_results_there_is_no_suppliers_section() -> None:
    results = supplier_results()
    del results["supplier_freshness"], results["history_size"]
    results["throughput"]["figures"]["runs"] = [
        r for r in results["throughput"]["figures"]["runs"] if r["variant"] != "sup"
    ]
    text = render_pipeline_report(results)
    assert text is not None and "## 7. Suppliers" not in text
