"""Cold-chain excursions: one breach per excursion, one recovery when back in range."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.pipelines.shipments.alerts import TEMPERATURE_BREACH, TEMPERATURE_RECOVERED
from supplylake.pipelines.shipments.cold_chain import (
    PHARMA_RANGE,
    ColdChainState,
    TemperatureRange,
    apply_telemetry,
    effective_range,
)

MIN = 60_000


def feed(readings, *, state=None, min_breach_duration_ms=0, rng=PHARMA_RANGE):
    """readings: (minute, temperature). Returns (state, alerts)."""
    state = state or ColdChainState("SHP-1")
    alerts = []
    for minute, temp in readings:
        state, new = apply_telemetry(
            state,
            event_id=f"ev-{minute}",
            event_time_ms=minute * MIN,
            temperature=temp,
            lat=52.0 + minute / 1000,
            lon=4.0,
            range=rng,
            min_breach_duration_ms=min_breach_duration_ms,
        )
        alerts.extend(new)
    return state, alerts


def test_pharma_defaults_to_2_to_8_and_only_pharma_has_a_default():
    assert effective_range("PHARMA", None) == TemperatureRange(2.0, 8.0)
    assert effective_range("GENERAL", None) is None
    assert effective_range("FROZEN", None) is None
    assert effective_range("PHARMA", TemperatureRange(15, 25)) == TemperatureRange(15, 25)


def test_one_reading_at_9_5_gives_exactly_one_breach():
    state, alerts = feed([(0, 5.0), (5, 9.5), (10, 6.0)])
    breaches = [a for a in alerts if a.alert_type == TEMPERATURE_BREACH]
    assert len(breaches) == 1
    d = breaches[0].details
    assert d["min_temperature"] == 9.5 and d["max_temperature"] == 9.5
    assert d["duration_ms"] == 0
    assert d["range"] == {"min": 2.0, "max": 8.0}
    assert d["lat"] == pytest.approx(52.005) and d["lon"] == 4.0
    assert breaches[0].entity_type == "shipment" and breaches[0].entity_id == "SHP-1"
    assert breaches[0].raised_at_ms == 5 * MIN
    assert state.breaches == 1


def test_excursion_of_five_readings_gives_one_breach_and_one_recovery():
    readings = [(0, 5.0), (1, 8.5), (2, 9.1), (3, 11.0), (4, 10.2), (5, 8.9), (6, 7.5), (7, 6.0)]
    state, alerts = feed(readings)
    assert [a.alert_type for a in alerts] == [TEMPERATURE_BREACH, TEMPERATURE_RECOVERED]
    breach, recovered = alerts
    assert breach.raised_at_ms == 1 * MIN
    assert recovered.details["excursion_duration_ms"] == 5 * MIN
    assert recovered.details["min_temperature"] == 8.5
    assert recovered.details["max_temperature"] == 11.0
    assert recovered.details["out_of_range_readings"] == 5
    assert recovered.details["resolves_alert_id"] == breach.alert_id
    assert state.excursion is None and not state.in_breach


def test_below_range_is_a_breach_too_and_bounds_are_inclusive():
    _, alerts = feed([(0, 2.0), (1, 8.0)])
    assert alerts == []
    _, alerts = feed([(0, 1.5)])
    assert [a.alert_type for a in alerts] == [TEMPERATURE_BREACH]
    assert alerts[0].details["min_temperature"] == 1.5


def test_min_duration_is_respected():
    # out of range at 0, 5, 10, 15 minutes; breach only once 15 minutes have elapsed
    state, alerts = feed([(0, 9.0), (5, 9.5), (10, 10.0)], min_breach_duration_ms=15 * MIN)
    assert alerts == []
    state, alerts = feed([(15, 9.2)], state=state, min_breach_duration_ms=15 * MIN)
    assert [a.alert_type for a in alerts] == [TEMPERATURE_BREACH]
    assert alerts[0].details["duration_ms"] == 15 * MIN
    assert alerts[0].details["min_temperature"] == 9.0
    assert alerts[0].details["max_temperature"] == 10.0
    assert alerts[0].details["start_lat"] == pytest.approx(52.0)


def test_short_excursion_raises_nothing_and_is_counted():
    state, alerts = feed([(0, 9.0), (5, 9.5), (10, 5.0)], min_breach_duration_ms=15 * MIN)
    assert alerts == []
    assert state.short_excursions == 1 and state.breaches == 0


def test_two_excursions_give_two_breaches_with_distinct_ids():
    _, alerts = feed([(0, 9.0), (1, 5.0), (2, 10.0), (3, 5.0)])
    types = [a.alert_type for a in alerts]
    assert types == [TEMPERATURE_BREACH, TEMPERATURE_RECOVERED] * 2
    assert len({a.alert_id for a in alerts}) == 4


def test_older_reading_is_ignored_for_episodes_but_counted():
    state, alerts = feed([(10, 5.0)])
    state, alerts = feed([(5, 12.0)], state=state)
    assert alerts == []
    assert state.out_of_order_readings == 1 and state.excursion is None


def test_same_reading_twice_is_a_no_op():
    state, _ = feed([(1, 9.0)])
    again, alerts = feed([(1, 9.0)], state=state)
    assert alerts == [] and again == state


def test_alert_ids_are_deterministic():
    _, first = feed([(0, 9.0), (1, 5.0)])
    _, second = feed([(0, 9.0), (1, 5.0)])
    assert [a.alert_id for a in first] == [a.alert_id for a in second]


def test_state_round_trips_through_json_mid_excursion():
    state, _ = feed([(0, 9.0), (1, 10.0)])
    data = json.loads(json.dumps(state.to_dict()))
    restored = ColdChainState.from_dict(data)
    assert restored == state
    _, alerts = feed([(2, 5.0)], state=restored)
    assert [a.alert_type for a in alerts] == [TEMPERATURE_RECOVERED]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([0.5, 3.0, 5.0, 8.0, 8.1, 12.0]), max_size=40))
def test_one_breach_per_out_of_range_run(temps):
    _, alerts = feed(list(enumerate(temps)))
    outside = [not PHARMA_RANGE.contains(t) for t in temps]
    runs = sum(1 for i, out in enumerate(outside) if out and (i == 0 or not outside[i - 1]))
    closed = sum(1 for i in range(1, len(outside)) if outside[i - 1] and not outside[i])
    assert sum(a.alert_type == TEMPERATURE_BREACH for a in alerts) == runs
    assert sum(a.alert_type == TEMPERATURE_RECOVERED for a in alerts) == closed
