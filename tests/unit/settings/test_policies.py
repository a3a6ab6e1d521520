"""Settings are the only home of the pipelines' thresholds: policies are built from them."""

from __future__ import annotations

import pytest

from supplylake.event_time import HOUR_MS, MINUTE_MS
from supplylake.pipelines.inventory.policy import DEFAULT_INVENTORY_POLICY, InventoryPolicy
from supplylake.pipelines.inventory.stock import DEFAULT_ALLOWED_LATENESS_MS, DEFAULT_DEDUPE_HORIZON_MS
from supplylake.pipelines.orders.lifecycle import DEFAULT_ORDER_POLICY, OrderPolicy
from supplylake.pipelines.shipments.policy import DEFAULT_SHIPMENT_POLICY, ShipmentPolicy
from supplylake.pipelines.shipments.route import DEFAULT_DEVIATION_THRESHOLD_KM
from supplylake.pipelines.suppliers.definitions import DEFAULT_DEFINITIONS, SupplierDefinitions
from supplylake.pipelines.suppliers.metrics import DEFAULT_METRICS_POLICY, MetricsPolicy
from supplylake.settings import load_settings


def test_default_policies_are_the_default_settings() -> None:
    settings = load_settings()
    assert ShipmentPolicy.from_settings(settings.shipments) == DEFAULT_SHIPMENT_POLICY
    assert OrderPolicy.from_settings(settings.shipments) == DEFAULT_ORDER_POLICY
    assert InventoryPolicy.from_settings(settings.inventory) == DEFAULT_INVENTORY_POLICY
    assert SupplierDefinitions.from_settings(settings.suppliers) == DEFAULT_DEFINITIONS
    assert MetricsPolicy.from_settings(settings.suppliers) == DEFAULT_METRICS_POLICY
    assert (DEFAULT_ALLOWED_LATENESS_MS, DEFAULT_DEDUPE_HORIZON_MS) == (10 * MINUTE_MS, 24 * HOUR_MS)
    assert settings.shipments.route_deviation_km == DEFAULT_DEVIATION_THRESHOLD_KM


def test_no_tracking_update_default_is_the_documented_six_hours() -> None:
    # It was 12 h in tracking.py and 6 h in settings (and the README); the settings win.
    assert DEFAULT_SHIPMENT_POLICY.no_update_threshold_ms == 6 * HOUR_MS
    assert DEFAULT_SHIPMENT_POLICY.grace_ms == 30 * MINUTE_MS
    assert DEFAULT_SHIPMENT_POLICY.at_risk_window_ms == 4 * HOUR_MS
    assert DEFAULT_SHIPMENT_POLICY.min_breach_duration_ms == 0


def test_environment_reaches_the_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_SHIPMENTS__NO_TRACKING_UPDATE_S", "7200")
    monkeypatch.setenv("SUPPLYLAKE_SHIPMENTS__ALLOWED_SKEW_S", "60")
    monkeypatch.setenv("SUPPLYLAKE_INVENTORY__RESOLVE_MARGIN", "3")
    monkeypatch.setenv("SUPPLYLAKE_SUPPLIERS__PO_LATE_GRACE_H", "12")
    monkeypatch.setenv("SUPPLYLAKE_SUPPLIERS__SLIPPING_MIN_LINES", "4")
    settings = load_settings()
    assert ShipmentPolicy.from_settings(settings.shipments).no_update_threshold_ms == 2 * HOUR_MS
    assert OrderPolicy.from_settings(settings.shipments).allowed_skew_ms == MINUTE_MS
    assert InventoryPolicy.from_settings(settings.inventory).resolve_margin == 3
    assert SupplierDefinitions.from_settings(settings.suppliers).po_late_grace_ms == 12 * HOUR_MS
    assert MetricsPolicy.from_settings(settings.suppliers).slipping_min_lines == 4
