"""Pipelines are registered as loader callables: listing them loads no Quix code, building loads one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from supplylake.orchestration.topology import (
    control_topics,
    group_of_internal_topic,
    groups_of_topic,
    watermark_topics,
)
from supplylake.pipelines.catalog import PIPELINES, enabled_pipelines
from supplylake.settings import ConfigError, load_settings

LIST_EVERYTHING = """
import sys
from supplylake.orchestration.topology import control_topics, group_of_internal_topic, groups_of_topic
from supplylake.pipelines.catalog import PIPELINES
from supplylake.settings import load_settings
settings = load_settings()
print(sorted(PIPELINES), groups_of_topic(settings), group_of_internal_topic(settings), control_topics(settings))
loaded = sorted(m for m in sys.modules if m.startswith("quixstreams") or m.endswith(".app"))
print("LOADED", loaded)
"""


def test_listing_pipelines_and_topics_imports_no_quix_and_no_app() -> None:
    answer = subprocess.run(
        [sys.executable, "-c", LIST_EVERYTHING], capture_output=True, text=True, timeout=120, check=True
    )
    assert "LOADED []" in answer.stdout, answer.stdout + answer.stderr


def test_each_spec_loads_its_own_app_builder() -> None:
    for name, spec in PIPELINES.items():
        builder = spec.load()
        assert callable(builder)
        assert builder.__module__ == f"supplylake.pipelines.{name}.app"
        assert builder.__name__ == "build"


def test_topology_of_the_catalog() -> None:
    settings = load_settings()
    assert sorted(PIPELINES) == ["demand", "inventory", "orders", "shipments", "suppliers"]
    assert groups_of_topic(settings) == {
        "inventory-events": ("supplylake-inventory", "supplylake-suppliers", "supplylake-demand"),
        "shipment-events": ("supplylake-shipments", "supplylake-orders"),
        "order-events": ("supplylake-orders",),
        "supplier-events": ("supplylake-suppliers",),
        "sales-events": ("supplylake-demand",),
        "external-signals": ("supplylake-demand",),
    }
    assert group_of_internal_topic(settings) == {
        "supplylake-orders-by-order": "supplylake-orders",
        "supplylake-suppliers-by-po": "supplylake-suppliers",
        "supplylake-suppliers-by-supplier": "supplylake-suppliers",
    }
    # The demand windows close by control records in both of its source topics.
    assert control_topics(settings) == ["shipment-events", "sales-events", "inventory-events"]
    # The supplier clock moves by the watermark in its own by-po topic (pipelines/suppliers/app.py).
    assert watermark_topics(settings) == ["supplylake-suppliers-by-po"]


def test_the_settings_select_the_pipelines_the_orchestrator_runs_and_waits_for() -> None:
    settings = load_settings(pipelines=["inventory", "orders"])
    assert list(enabled_pipelines(settings)) == ["inventory", "orders"]
    assert groups_of_topic(settings) == {
        "inventory-events": ("supplylake-inventory",),
        "order-events": ("supplylake-orders",),
        "shipment-events": ("supplylake-orders",),
    }
    assert watermark_topics(settings) == [] and control_topics(settings) == []
    assert list(enabled_pipelines(load_settings())) == list(PIPELINES)


def test_an_unknown_pipeline_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown pipelines: invoices") as caught:
        enabled_pipelines(load_settings(pipelines=["inventory", "invoices"]))
    assert "inventory, shipments, orders, suppliers, demand" in (caught.value.hint or "")
