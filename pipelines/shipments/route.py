"""Distance from a position to a planned route on a spherical Earth, and deviation episodes.

Route points are ``(lat, lon)`` in degrees. Distances use the haversine formula on a sphere of
the mean Earth radius; versus the WGS 84 ellipsoid that is within ~0.5 %, far below GPS and
route-planning error at the 10–100 km thresholds used here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.shipments.alerts import ENTITY_SHIPMENT, ROUTE_DEVIATION, Alert
from supplylake.pipelines.shipments.errors import ShipmentError, ShipmentStateError
from supplylake.pipelines.shipments.policy import DEFAULT_SHIPMENT_POLICY
from supplylake.pipelines.state_codec import StoredState

EARTH_RADIUS_KM = 6371.0088
"""IUGG mean Earth radius."""

DEFAULT_DEVIATION_THRESHOLD_KM = DEFAULT_SHIPMENT_POLICY.route_threshold_km
"""From the settings' default (``SUPPLYLAKE_SHIPMENTS__ROUTE_DEVIATION_KM``)."""

Point = tuple[float, float]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.atan2(math.sqrt(a), math.sqrt(max(0.0, 1 - a)))


def initial_bearing_rad(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, radians clockwise from north."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlmb = math.radians(lon2 - lon1)
    y = math.sin(dlmb) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlmb)
    return math.atan2(y, x)


@dataclass(frozen=True)
class RouteProjection:
    """Closest point of a route to a position."""

    distance_km: float
    segment_index: int
    """Index ``i`` of the closest segment ``route[i] → route[i + 1]`` (0 for a one-point route)."""
    along_km: float
    """Distance from ``route[segment_index]`` to the closest point, along the segment."""


def _project_on_segment(lat: float, lon: float, a: Point, b: Point) -> tuple[float, float]:
    """(distance_km, along_km) of a position to the great-circle segment a→b."""
    d_ab = haversine_km(a[0], a[1], b[0], b[1])
    d_ap = haversine_km(a[0], a[1], lat, lon)
    if d_ab < 1e-9 or d_ap < 1e-9:
        return d_ap, 0.0
    delta_ap = d_ap / EARTH_RADIUS_KM
    theta = initial_bearing_rad(a[0], a[1], lat, lon) - initial_bearing_rad(a[0], a[1], b[0], b[1])
    delta_xt = math.asin(max(-1.0, min(1.0, math.sin(delta_ap) * math.sin(theta))))
    # Napier's rule, tan(along) = tan(d_ap)·cos(theta), in atan2 form: signed (negative when the
    # projection falls before ``a``) and well conditioned at short range, unlike the acos form.
    delta_at = math.atan2(math.sin(delta_ap) * math.cos(theta), math.cos(delta_ap))
    along = delta_at * EARTH_RADIUS_KM
    if 0.0 <= along <= d_ab:
        return abs(delta_xt) * EARTH_RADIUS_KM, along
    d_bp = haversine_km(b[0], b[1], lat, lon)
    return (d_ap, 0.0) if d_ap <= d_bp else (d_bp, d_ab)


def project_onto_route(lat: float, lon: float, route: Sequence[Point]) -> RouteProjection:
    """Closest point of the polyline: min over segments of the cross-track distance when the
    projection falls on the segment, else the distance to the segment's nearer endpoint."""
    if not route:
        raise ValueError("route must have at least one point")
    if len(route) == 1:
        return RouteProjection(haversine_km(lat, lon, route[0][0], route[0][1]), 0, 0.0)
    distance, along = _project_on_segment(lat, lon, route[0], route[1])
    best = RouteProjection(distance, 0, along)
    for index in range(1, len(route) - 1):
        distance, along = _project_on_segment(lat, lon, route[index], route[index + 1])
        if distance < best.distance_km:
            best = RouteProjection(distance, index, along)
    return best


def route_deviation_km(lat: float, lon: float, route: Sequence[Point]) -> float:
    """Great-circle distance in km from a position to the route polyline."""
    return project_onto_route(lat, lon, route).distance_km


def route_length_km(route: Sequence[Point]) -> float:
    return sum(haversine_km(*route[i], *route[i + 1]) for i in range(len(route) - 1))


def remaining_route_km(lat: float, lon: float, route: Sequence[Point]) -> float:
    """Distance still to go along the route from the position's closest point to the last point."""
    proj = project_onto_route(lat, lon, route)
    if len(route) == 1:
        return 0.0
    seg = haversine_km(*route[proj.segment_index], *route[proj.segment_index + 1])
    rest = route_length_km(route[proj.segment_index + 1 :])
    return max(0.0, seg - proj.along_km) + rest


# -- deviation episodes -----------------------------------------------------------------------


@dataclass(frozen=True)
class RouteDeviationState(StoredState):
    """Per-shipment route-deviation episode state (JSON round trip via to_dict/from_dict)."""

    shipment_id: str
    deviating: bool = False
    episode_started_ms: int | None = None
    episode_alert_id: str | None = None
    max_distance_km: float = 0.0
    """Farthest distance seen in the current (or last) episode."""
    last_distance_km: float | None = None
    last_event_ms: int | None = None
    last_event_id: str | None = None
    episodes: int = 0
    out_of_order_positions: int = 0
    """Positions older than the last one processed: counted, not used for episodes."""

    state_version: ClassVar[int] = 2
    state_error: ClassVar[type[ShipmentError]] = ShipmentStateError


def apply_route_position(
    state: RouteDeviationState,
    *,
    event_id: str,
    event_time_ms: int,
    lat: float,
    lon: float,
    route: Sequence[Point],
    threshold_km: float = DEFAULT_DEVIATION_THRESHOLD_KM,
    clear_threshold_km: float | None = None,
) -> tuple[RouteDeviationState, list[Alert]]:
    """One ``ROUTE_DEVIATION`` alert per episode of positions farther than ``threshold_km``.

    The episode ends at the first position within ``clear_threshold_km`` (default: the same
    threshold; set it lower for hysteresis against GPS jitter). Positions older than the last
    processed one are counted and ignored, so episodes follow event time.
    """
    clear_km = threshold_km if clear_threshold_km is None else clear_threshold_km
    if clear_km > threshold_km:
        raise ValueError("clear_threshold_km must not exceed threshold_km")
    if state.last_event_ms is not None:
        if event_time_ms < state.last_event_ms:
            return evolve(state, out_of_order_positions=state.out_of_order_positions + 1), []
        if event_time_ms == state.last_event_ms and event_id == state.last_event_id:
            return state, []  # the same reading again

    distance = route_deviation_km(lat, lon, route)
    state = evolve(state, last_distance_km=distance, last_event_ms=event_time_ms, last_event_id=event_id)
    alerts: list[Alert] = []
    if state.deviating:
        if distance <= clear_km:
            return evolve(state, deviating=False), alerts
        return evolve(state, max_distance_km=max(state.max_distance_km, distance)), alerts
    if distance > threshold_km:
        alert = Alert.create(
            source_id=event_id,
            alert_type=ROUTE_DEVIATION,
            entity_type=ENTITY_SHIPMENT,
            entity_id=state.shipment_id,
            raised_at_ms=event_time_ms,
            details={
                "distance_km": round(distance, 3),
                "threshold_km": threshold_km,
                "lat": lat,
                "lon": lon,
                "source_event_id": event_id,
            },
        )
        alerts.append(alert)
        state = evolve(
            state,
            deviating=True,
            episode_started_ms=event_time_ms,
            episode_alert_id=alert.alert_id,
            max_distance_km=distance,
            episodes=state.episodes + 1,
        )
    return state, alerts
