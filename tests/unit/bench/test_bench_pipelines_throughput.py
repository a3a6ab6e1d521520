"""Issue 8's target 2: every pipeline's throughput against a bare Quix app on the same input.

The rendering from a small synthetic results JSON, and the scenario's pure helpers (variant
parsing, the selection of a simulated input). No processes, no broker.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from bench.harness.inputs import SimulatedInput, select_simulated
from bench.rendering.pipeline_report import render_pipeline_report
from bench.scenarios.throughput import (
    DEFAULT_VARIANTS,
    INPUTS,
    PIPELINE_PAIRS,
    VARIANTS,
    bare_copies,
    parse_variants,
)
from supplylake.settings import TopicSettings
from supplylake.simulator.events import SimEvent
from tests.unit.bench.test_bench_render import VARIANTS as INVENTORY_VARIANTS
from tests.unit.bench.test_bench_render import throughput, throughput_run

NEW_VARIANTS = {
    "ship": {"label": "(ship)", "what": "shipments pipeline", "input": "shipments"},
    "ship-c": {"label": "(c ship)", "what": "bare on shipments", "input": "shipments"},
    "orders": {"label": "(orders)", "what": "orders pipeline", "input": "orders"},
    "orders-c": {"label": "(c orders)", "what": "bare on orders", "input": "orders"},
}
INPUT_SUMMARIES = {
    "shipments": {
        "seed": 11,
        "families": ["shipments"],
        "records": 40_000,
        "by_family": {"shipments": 40_000},
        "by_type": {"shipment.telemetry": 36_000, "shipment.created": 4_000},
        "telemetry_share": 0.9,
    },
    "orders": {
        "seed": 11,
        "families": ["orders", "shipments"],
        "records": 40_000,
        "by_family": {"orders": 650, "shipments": 39_350},
        "by_type": {"order.placed": 650, "shipment.telemetry": 35_415, "shipment.created": 3_935},
        "telemetry_share": 0.9,
    },
}


def every_pipeline(*, with_inventory: bool = True, with_b: bool = True) -> dict[str, Any]:
    result = copy.deepcopy(throughput())
    figures = result["figures"]
    figures["variants"] = {**INVENTORY_VARIANTS, **NEW_VARIANTS}
    figures["inputs"] = INPUT_SUMMARIES
    figures["bare_copies"] = 4
    figures["pairs"] = {"inventory": ["a", "c"], "shipments": ["ship", "ship-c"], "orders": ["orders", "orders-c"]}
    runs = [r for r in figures["runs"] if with_inventory and (with_b or r["variant"] != "b")]
    runs += [
        throughput_run("ship", 2000.0, 1500.0),
        throughput_run("ship-c", 5000.0, 2500.0),
        throughput_run("orders", 1000.0, 800.0),
        throughput_run("orders-c", 4000.0, 2000.0),
    ]
    figures["runs"] = runs
    return result


def targets_of(text: str) -> str:
    return text.split("## Targets", 1)[1]


def test_every_pipeline_gets_a_row_against_its_bare_app() -> None:
    text = render_pipeline_report({"throughput": every_pipeline()})

    assert text is not None
    assert "| inventory | (a) | 4,000 | (c) | 5,000 | (a)/(c) = 0.80 | 0.50 | ≥ 0.5 | yes |" in text
    assert "| shipments | (ship) | 2,000 | (c ship) | 5,000 | (ship)/(c ship) = 0.40 | 0.60 | ≥ 0.5 | no |" in text
    assert "| orders | (orders) | 1,000 | (c orders) | 4,000 | (orders)/(c orders) = 0.25 | 0.40 | ≥ 0.5 | no |" in text
    assert "90.0% of its shipment-events are `shipment.telemetry`" in text
    assert "650 orders + 39,350 shipments" in text
    assert "Each bare app gets its pipeline's input 4 times over" in text


def test_each_pipeline_has_its_target_and_inventory_keeps_its_naming() -> None:
    targets = targets_of(render_pipeline_report({"throughput": every_pipeline()}) or "")

    assert "| steady throughput ≥ 0.5× bare Quix: shipments | 0.40 | no |" in targets
    assert "| steady throughput ≥ 0.5× bare Quix: orders | 0.25 | no |" in targets
    # Inventory's target stays the (a)/(c) row (once, not twice).
    assert "| (a)/(c) ≥ 0.5 | 0.80 | yes |" in targets
    assert "bare Quix: inventory" not in targets


def test_without_b_the_inventory_target_is_the_per_pipeline_row() -> None:
    targets = targets_of(render_pipeline_report({"throughput": every_pipeline(with_b=False)}) or "")

    assert "| steady throughput ≥ 0.5× bare Quix: inventory | 0.80 | yes |" in targets
    assert "(a)/(c) ≥ 0.5" not in targets


def test_new_pipelines_alone_render_without_the_inventory_input() -> None:
    text = render_pipeline_report({"throughput": every_pipeline(with_inventory=False)})

    assert text is not None
    assert "inventory_lines(" not in text
    assert "| inventory |" not in text
    assert "| steady throughput ≥ 0.5× bare Quix: shipments | 0.40 | no |" in targets_of(text)


def test_inventory_only_results_render_as_before() -> None:
    text = render_pipeline_report({"throughput": throughput()})

    assert text is not None
    assert "issue 8, target 2" not in text
    assert "bare Quix:" not in targets_of(text)
    assert "| (a)/(c) ≥ 0.5 | 0.80 | yes |" in targets_of(text)


def test_variants_parse_as_keys_or_letters() -> None:
    known = VARIANTS
    assert parse_variants("abc", known) == ["a", "b", "c"]
    assert parse_variants("ship,ship-c,c", known) == ["ship", "ship-c", "c"]
    assert parse_variants("ac,orders,orders-c", known) == ["a", "c", "orders", "orders-c"]
    assert parse_variants("a,a", known) == ["a"]
    with pytest.raises(ValueError, match="unknown throughput variant 'nope'"):
        parse_variants("a,nope", known)


def test_every_pipeline_pair_is_a_pipeline_and_a_bare_app_on_one_input() -> None:
    assert set(parse_variants(DEFAULT_VARIANTS, VARIANTS)) >= {k for pair in PIPELINE_PAIRS.values() for k in pair}
    for own, bare in PIPELINE_PAIRS.values():
        assert VARIANTS[own].input == VARIANTS[bare].input
        assert VARIANTS[bare].bare and not VARIANTS[own].bare
        assert VARIANTS[own].lake == "supplylake"
    for variant in VARIANTS.values():
        assert variant.input in INPUTS


def sim_event(family: str, event_type: str | None, value: bytes) -> SimEvent:
    return SimEvent(family, "k", value, event_type, None, datetime(2025, 1, 15, tzinfo=UTC))


def shipment(event_type: str, n: int) -> bytes:
    return orjson.dumps({"eventType": event_type, "eventId": f"e{n}", "shipmentId": f"S{n}"})


def test_a_simulated_input_keeps_the_first_routable_records_of_its_families() -> None:
    events = [
        sim_event("inventory", "inventory.counted", orjson.dumps({"eventType": "inventory.counted"})),
        sim_event("shipments", "shipment.telemetry", shipment("shipment.telemetry", 1)),
        sim_event("shipments", None, b"{not json"),
        sim_event("shipments", "carrier.lost_the_plot", shipment("carrier.lost_the_plot", 2)),
        sim_event("shipments", "shipment.created", shipment("shipment.created", 3)),
        sim_event("shipments", "shipment.telemetry", shipment("shipment.telemetry", 4)),
        sim_event("shipments", "shipment.telemetry", shipment("shipment.telemetry", 5)),
    ]

    lines, summary = select_simulated(events, INPUTS["shipments"], 3, seed=11, topics=TopicSettings())

    assert lines == [
        shipment("shipment.telemetry", 1),
        shipment("shipment.created", 3),
        shipment("shipment.telemetry", 4),
    ]
    assert summary.records == 3
    assert summary.by_family == {"shipments": 3}
    assert summary.by_type == {"shipment.created": 1, "shipment.telemetry": 2}
    assert summary.telemetry_share == pytest.approx(2 / 3)


def test_no_shipments_no_telemetry_share() -> None:
    assert SimulatedInput(seed=1, families=["orders"], by_family={"orders": 5}).telemetry_share == 0.0


def test_a_bare_app_without_a_steady_figure_has_no_verdict() -> None:
    results = every_pipeline()
    for run in results["figures"]["runs"]:
        if run["variant"] == "ship-c":
            run["steady_rate"] = None  # everything in its first commit
    targets = targets_of(render_pipeline_report({"throughput": results}) or "")

    assert "| steady throughput ≥ 0.5× bare Quix: shipments | nan | n/a (no steady phase) |" in targets


def test_bare_apps_read_at_least_the_minimum_records() -> None:
    assert bare_copies(100_000, 4, 300_000) == 4  # inventory at full size: as before
    assert bare_copies(40_000, 4, 300_000) == 8
    assert bare_copies(30_000, 4, 90_000) == 4
    assert bare_copies(0, 2, 10) == 10
