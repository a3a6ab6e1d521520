"""The supplier definitions: built from the settings, versioned by their values, exact thresholds,
the status rules, and the LEAD_TIME_CHANGED alert."""

from __future__ import annotations

import dataclasses
import re

import pytest

from supplylake.contracts.alerts import alert_id
from supplylake.event_time import HOUR_MS
from supplylake.pipelines.suppliers.alerts import LEAD_TIME_CHANGED, lead_time_changed_alert
from supplylake.pipelines.suppliers.definitions import DEFAULT_DEFINITIONS, LineStatus, SupplierDefinitions
from supplylake.settings import SupplierSettings, load_settings


def test_defaults_come_from_the_settings() -> None:
    assert (
        SupplierDefinitions(
            late_tolerance_ms=0,
            quantity_tolerance=0.0,
            over_tolerance=0.0,
            po_late_grace_ms=24 * HOUR_MS,
            hold_ms=72 * HOUR_MS,
        )
        == DEFAULT_DEFINITIONS
    )


def test_the_environment_reaches_the_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_SUPPLIERS__LATE_TOLERANCE_H", "1.5")
    monkeypatch.setenv("SUPPLYLAKE_SUPPLIERS__QUANTITY_TOLERANCE", "0.02")
    monkeypatch.setenv("SUPPLYLAKE_SUPPLIERS__HOLD_H", "12")
    definitions = SupplierDefinitions.from_settings(load_settings().suppliers)
    assert (definitions.late_tolerance_ms, definitions.quantity_tolerance, definitions.hold_ms) == (
        90 * 60_000,
        0.02,
        12 * HOUR_MS,
    )


def test_the_definition_version_is_stable_and_pinned() -> None:
    again = SupplierDefinitions.from_settings(SupplierSettings())
    assert again.definition_version == DEFAULT_DEFINITIONS.definition_version
    assert re.fullmatch(r"v1-[0-9a-f]{8}", DEFAULT_DEFINITIONS.definition_version)
    # Pinned: a new recipe would split one set of definitions into two versions in the lake.
    assert DEFAULT_DEFINITIONS.definition_version == "v1-7cf687d9"
    # An int written where a float is meant is the same definition.
    assert dataclasses.replace(DEFAULT_DEFINITIONS, quantity_tolerance=0).definition_version == "v1-7cf687d9"


@pytest.mark.parametrize(
    "change",
    [
        {"late_tolerance_ms": 1},
        {"quantity_tolerance": 0.01},
        {"over_tolerance": 0.01},
        {"po_late_grace_ms": 23 * HOUR_MS},
        {"hold_ms": 1},
    ],
)
def test_any_change_of_a_definition_changes_the_version(change: dict[str, float]) -> None:
    changed = dataclasses.replace(DEFAULT_DEFINITIONS, **change)
    assert changed.definition_version != DEFAULT_DEFINITIONS.definition_version


def test_due_and_due_plus_grace() -> None:
    definitions = SupplierDefinitions(2 * HOUR_MS, 0.0, 0.0, 24 * HOUR_MS, 0)
    assert definitions.due_at(1_000) == 1_000 + 2 * HOUR_MS
    assert definitions.late_at(1_000) == 1_000 + 26 * HOUR_MS


def test_tolerances_are_exact_decimals() -> None:
    # In floats 1000 × (1 − 0.18) is 820.0000000000001, which would make 820 short.
    definitions = SupplierDefinitions(0, 0.18, 0.1, 0, 0)
    assert definitions.in_full(820, 1000) and not definitions.in_full(819, 1000)
    # 10 × 1.1 is 11.000000000000002 in floats.
    assert not definitions.over(11, 10) and definitions.over(12, 10)


@pytest.mark.parametrize(
    ("received", "accepted", "grace_expired", "status"),
    [
        (0, 0, False, LineStatus.OPEN),
        (40, 40, False, LineStatus.PARTIAL),
        (40, 0, False, LineStatus.PARTIAL),  # all of it rejected: still something received
        (100, 100, False, LineStatus.RECEIVED),
        (101, 101, False, LineStatus.OVER),
        (150, 50, False, LineStatus.OVER),  # over is about what was sent, whatever was rejected
        (0, 0, True, LineStatus.SHORT_CLOSED),
        (40, 40, True, LineStatus.SHORT_CLOSED),
        (100, 100, True, LineStatus.RECEIVED),
        (101, 101, True, LineStatus.OVER),
    ],
)
def test_status_rules(received: int, accepted: int, grace_expired: bool, status: LineStatus) -> None:
    assert (
        DEFAULT_DEFINITIONS.status(received=received, accepted=accepted, ordered=100, grace_expired=grace_expired)
        is status
    )


def test_lead_time_changed_alert() -> None:
    longer = lead_time_changed_alert(
        event_id="e1",
        supplier_id="SUPP-1",
        event_time_ms=5,
        previous_lead_time_days=5,
        new_lead_time_days=9.5,
        reason="port congestion",
    )
    assert (longer.alert_type, longer.entity_type, longer.entity_id, longer.severity) == (
        LEAD_TIME_CHANGED,
        "supplier",
        "SUPP-1",
        "warning",
    )
    assert longer.alert_id == alert_id("e1", LEAD_TIME_CHANGED)
    assert longer.details["change_days"] == 4.5
    shorter = lead_time_changed_alert(
        event_id="e2", supplier_id="SUPP-1", event_time_ms=6, previous_lead_time_days=9.5, new_lead_time_days=7
    )
    assert shorter.severity == "info"
