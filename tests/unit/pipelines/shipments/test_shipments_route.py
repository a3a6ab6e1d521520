"""Great-circle distance to a planned route and route-deviation episodes."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.pipelines.shipments.alerts import ROUTE_DEVIATION
from supplylake.pipelines.shipments.route import (
    EARTH_RADIUS_KM,
    RouteDeviationState,
    apply_route_position,
    haversine_km,
    remaining_route_km,
    route_deviation_km,
    route_length_km,
)

MERIDIAN = [(0.0, 0.0), (10.0, 0.0)]
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180


def test_haversine_london_paris():
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, rel=0.01)


def test_haversine_one_degree_of_latitude():
    assert haversine_km(10.0, 20.0, 11.0, 20.0) == pytest.approx(KM_PER_DEG, rel=1e-9)


@pytest.mark.parametrize("lat", [1.0, 5.0, 9.0])
@pytest.mark.parametrize("offset_deg", [0.1, 0.5, 1.0])
def test_offset_from_a_meridian_segment_is_the_longitude_scaled_offset(lat, offset_deg):
    expected = KM_PER_DEG * offset_deg * math.cos(math.radians(lat))
    assert route_deviation_km(lat, offset_deg, MERIDIAN) == pytest.approx(expected, rel=0.01)
    assert route_deviation_km(lat, -offset_deg, MERIDIAN) == pytest.approx(expected, rel=0.01)


def test_point_beyond_the_segment_end_measures_to_the_endpoint():
    assert route_deviation_km(12.0, 0.5, MERIDIAN) == pytest.approx(haversine_km(12.0, 0.5, 10.0, 0.0), rel=1e-9)
    # Cross-track to the full great circle would be ~55 km; the endpoint is ~230 km away.
    assert route_deviation_km(12.0, 0.5, MERIDIAN) > 200


def test_point_before_the_segment_start_measures_to_the_start():
    assert route_deviation_km(-3.0, 0.2, MERIDIAN) == pytest.approx(haversine_km(-3.0, 0.2, 0.0, 0.0), rel=1e-9)


def test_point_on_the_route_is_at_zero():
    assert route_deviation_km(4.2, 0.0, MERIDIAN) == pytest.approx(0.0, abs=1e-6)
    assert route_deviation_km(10.0, 0.0, MERIDIAN) == pytest.approx(0.0, abs=1e-6)


def test_equator_segment_offset_north():
    route = [(0.0, 10.0), (0.0, 20.0)]
    assert route_deviation_km(1.0, 15.0, route) == pytest.approx(KM_PER_DEG, rel=1e-6)


def test_polyline_takes_the_nearest_segment():
    # Rotterdam → Cologne → Frankfurt; a point near Cologne–Frankfurt, far from Rotterdam–Cologne.
    route = [(51.92, 4.48), (50.94, 6.96), (50.11, 8.68)]
    d = route_deviation_km(50.5, 7.9, route)
    assert d < 20
    assert d == pytest.approx(route_deviation_km(50.5, 7.9, route[1:]), rel=1e-9)


def test_single_point_route_and_empty_route():
    assert route_deviation_km(1.0, 0.0, [(0.0, 0.0)]) == pytest.approx(KM_PER_DEG, rel=1e-9)
    with pytest.raises(ValueError):
        route_deviation_km(0.0, 0.0, [])


def test_remaining_and_length():
    assert route_length_km(MERIDIAN) == pytest.approx(10 * KM_PER_DEG, rel=1e-9)
    assert remaining_route_km(4.0, 0.1, MERIDIAN) == pytest.approx(6 * KM_PER_DEG, rel=0.001)
    route = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0)]
    assert remaining_route_km(2.0, 0.0, route) == pytest.approx(8 * KM_PER_DEG, rel=1e-6)


coords = st.tuples(st.floats(-60, 60), st.floats(-170, 170))


@settings(max_examples=150, deadline=None)
@given(point=coords, route=st.lists(coords, min_size=2, max_size=5))
def test_distance_is_at_most_the_distance_to_any_vertex(point, route):
    d = route_deviation_km(point[0], point[1], route)
    assert d >= 0
    for lat, lon in route:
        assert d <= haversine_km(point[0], point[1], lat, lon) + 1e-6


# -- episodes ---------------------------------------------------------------------------------


def run(positions, *, state=None, **kwargs):
    state = state or RouteDeviationState("SHP-1")
    alerts = []
    for minute, lon in positions:
        state, new = apply_route_position(
            state, event_id=f"ev-{minute}", event_time_ms=minute * 60_000, lat=5.0, lon=lon, route=MERIDIAN, **kwargs
        )
        alerts.extend(new)
    return state, alerts


def test_one_alert_per_deviation_episode():
    # 0.3° ≈ 33 km (on route), 1° ≈ 111 km (off route), threshold 50 km
    state, alerts = run([(0, 0.0), (1, 0.3), (2, 1.0), (3, 1.5), (4, 0.9), (5, 0.2), (6, 1.2), (7, 0.0)])
    assert [a.alert_type for a in alerts] == [ROUTE_DEVIATION, ROUTE_DEVIATION]
    assert [a.raised_at_ms for a in alerts] == [2 * 60_000, 6 * 60_000]
    assert alerts[0].details["distance_km"] == pytest.approx(KM_PER_DEG * math.cos(math.radians(5)), rel=0.01)
    assert state.episodes == 2 and not state.deviating
    assert alerts[0].alert_id != alerts[1].alert_id


def test_clear_threshold_gives_hysteresis():
    # 0.4° ≈ 44 km: under 50 km but over the 30 km clear threshold, so the episode continues.
    _, alerts = run([(0, 1.0), (1, 0.4), (2, 1.0)], threshold_km=50, clear_threshold_km=30)
    assert len(alerts) == 1
    _, alerts = run([(0, 1.0), (1, 0.4), (2, 1.0)], threshold_km=50)
    assert len(alerts) == 2


def test_older_position_is_ignored_but_counted():
    state, _ = run([(5, 0.0)])
    state, alerts = run([(3, 2.0)], state=state)
    assert alerts == [] and state.out_of_order_positions == 1 and not state.deviating


def test_deviation_state_round_trips_through_json():
    state, _ = run([(0, 1.0), (1, 1.3)])
    restored = RouteDeviationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    _, alerts = run([(2, 1.4)], state=restored)
    assert alerts == []
