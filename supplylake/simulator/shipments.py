"""Shipment tracking: creation, carrier scans, delivery and IoT telemetry along the route.

Each shipment decides its fate when the carrier picks it up: on time or late, a failed first
delivery attempt, a tracker that goes silent (never delivered: the delay timers' job), a
cold-chain temperature excursion, a detour off the planned route.

Telemetry density: a tracker reads every ~15 minutes; with ``telemetry_density`` below 1 only a
deterministic share of the readings is emitted (:func:`reading_is_kept`). The readings are still
taken, so every random draw, and thus every other event, is the same as at full density; readings
during a temperature excursion or a route deviation are always kept, so planted anomalies stay
visible.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from random import Random
from typing import Any

from supplylake.simulator import params
from supplylake.simulator.catalog import TEMPERATURE_RANGE
from supplylake.simulator.engine import MS_PER_H, MS_PER_S, Engine
from supplylake.simulator.geography import distance_km
from supplylake.simulator.world import Carrier, Customer, Warehouse, World

_NEVER = 1 << 62
_KM_PER_DEGREE = 111.0
_ATTEMPT_NOTES = ("recipient unavailable", "business closed", "access code required", "address not found")


def _ceil_hour(ms: int) -> int:
    return -(-ms // MS_PER_H) * MS_PER_H


def reading_is_kept(index: int, density: float) -> bool:
    """Whether a shipment's ``index``-th telemetry reading (0-based) is emitted at ``density``.

    Keeps an evenly spaced ``density`` share, the first reading included: reading ``i`` is kept
    when ``floor(i * density)`` steps up from reading ``i - 1``. Density 1 keeps every reading.
    """
    if density >= 1.0:
        return True
    return math.floor(index * density) > math.floor((index - 1) * density)


def _point(lat: float, lon: float) -> dict[str, float]:
    return {"lat": round(lat, 5), "lon": round(lon, 5)}


class Shipment:
    __slots__ = (
        "arrival_ms",
        "band",
        "carrier",
        "category",
        "cum",
        "dest",
        "dest_region",
        "deviation",
        "done",
        "excursion",
        "fails_once",
        "order_id",
        "pickup_ms",
        "promise_ms",
        "pts",
        "readings",
        "scans",
        "shipment_id",
        "silent_ms",
        "transit_ms",
    )
    arrival_ms: int
    band: tuple[float, float] | None
    carrier: Carrier
    category: str
    cum: list[float]
    dest: tuple[float, float]
    dest_region: str
    fails_once: bool
    order_id: str
    pickup_ms: int
    promise_ms: int
    pts: list[tuple[float, float]]
    scans: list[int]
    shipment_id: str
    transit_ms: int

    def __init__(self) -> None:
        self.silent_ms = _NEVER
        self.done = False
        self.readings = 0  # telemetry readings taken so far (emitted or thinned out)
        self.excursion: tuple[int, int] | None = None
        self.deviation: tuple[int, int, float, float] | None = None


class Shipments:
    def __init__(
        self,
        engine: Engine,
        rng: Random,
        world: World,
        disruptions: Any,
        tag: str,
        telemetry_density: float = 1.0,
    ) -> None:
        self._engine = engine
        self._telemetry_density = telemetry_density
        self._rng = rng
        self._disruptions = disruptions
        self._tag = tag
        self._count = 0
        self._all_carriers = world.carriers
        self._cold_carriers = tuple(c for c in world.carriers if c.cold_chain) or world.carriers
        self.in_transit = 0

    # --- creation -------------------------------------------------------------------------------

    def create(self, order_id: str, warehouse: Warehouse, customer: Customer, category: str) -> str:
        """Emit ``shipment.created`` now and schedule the pickup."""
        s = self._new(order_id, warehouse, customer, category)
        now = self._engine.now
        wait_ms = int(self._rng.uniform(*params.PICKUP_WAIT) * MS_PER_H)
        self._emit_created(s, warehouse, now)
        self._engine.at(now + wait_ms, self._pickup, s)
        return s.shipment_id

    def open_in_transit(
        self, order_id: str, warehouse: Warehouse, customer: Customer, category: str, progress: float
    ) -> None:
        """A shipment already on the road when the simulation starts (opening balance).

        It is announced with ``shipment.created`` and ``carrier.picked_up`` at the start so the
        stream is self-contained, then tracked from ``progress`` of its journey onwards.
        """
        s = self._new(order_id, warehouse, customer, category)
        now = self._engine.now
        pickup_ms = now - int(progress * s.transit_ms)
        self._emit_created(s, warehouse, pickup_ms - int(params.PICKUP_WAIT[0] * MS_PER_H))
        self._emit_tracking("carrier.picked_up", s, s.pts[0], "tracking attached in transit")
        self._start_transit(s, pickup_ms)

    def _new(self, order_id: str, warehouse: Warehouse, customer: Customer, category: str) -> Shipment:
        rng = self._rng
        self._count += 1
        s = Shipment()
        s.shipment_id = f"SHP-{self._tag}-{self._count:07d}"
        s.order_id = order_id
        carriers = self._cold_carriers if category in TEMPERATURE_RANGE else self._all_carriers
        carrier: Carrier = carriers[rng.randrange(len(carriers))]
        s.carrier = carrier
        s.category = category
        s.band = TEMPERATURE_RANGE.get(category)
        s.dest = (customer.lat, customer.lon)
        s.dest_region = customer.region
        dist = distance_km(warehouse.lat, warehouse.lon, customer.lat, customer.lon)
        s.pts, s.cum = self._route((warehouse.lat, warehouse.lon), s.dest, dist)
        planned_h = dist / carrier.avg_speed_kmh + params.HANDLING
        s.transit_ms = int(planned_h * rng.uniform(*params.TRANSIT_JITTER) * MS_PER_H)
        p_late = 1.0 - carrier.on_time_rate
        if self._disruptions.weather_active(customer.region, self._engine.now):
            p_late += params.DISRUPTION_LATE_BOOST
        if rng.random() < p_late:
            s.transit_ms += int(rng.uniform(*params.LATE_DELAY) * MS_PER_H)
        s.fails_once = rng.random() < params.ATTEMPT_FAILS
        # The promise is made on the planned transit, before any of the above is known.
        s.promise_ms = int((params.PICKUP_PLAN + planned_h + params.DELIVERY_BUFFER) * MS_PER_H)
        return s

    def _route(
        self, origin: tuple[float, float], dest: tuple[float, float], dist: float
    ) -> tuple[list[tuple[float, float]], list[float]]:
        rng = self._rng
        n = 0 if dist < 150 else min(3, 1 + int(dist // 700))
        dlat, dlon = dest[0] - origin[0], dest[1] - origin[1]
        pts = [origin]
        for i in range(1, n + 1):
            f = i / (n + 1)
            off = rng.uniform(-0.08, 0.08)  # highways are not straight lines
            pts.append((origin[0] + dlat * f + dlon * off, origin[1] + dlon * f - dlat * off))
        pts.append(dest)
        lengths = [
            math.hypot(b[0] - a[0], (b[1] - a[1]) * math.cos(math.radians(a[0]))) for a, b in itertools.pairwise(pts)
        ]
        total = sum(lengths) or 1.0
        cum = [0.0]
        for length in lengths:
            cum.append(cum[-1] + length / total)
        return pts, cum

    def _emit_created(self, s: Shipment, warehouse: Warehouse, created_ms: int) -> None:
        expected = _ceil_hour(created_ms + s.promise_ms)
        fields: dict[str, Any] = {
            "shipmentId": s.shipment_id,
            "orderId": s.order_id,
            "carrier": s.carrier.carrier,
            "warehouseId": warehouse.warehouse_id,
            "expectedDelivery": self._engine.timestamps.seconds(expected),
            "category": s.category,
        }
        if s.band is not None:
            fields["temperatureRange"] = {"min": s.band[0], "max": s.band[1]}
        fields["origin"] = _point(*s.pts[0])
        fields["destination"] = _point(*s.pts[-1])
        fields["plannedRoute"] = [_point(*p) for p in s.pts]
        self._engine.emit("shipment.created", s.shipment_id, fields)

    # --- journey --------------------------------------------------------------------------------

    def _pickup(self, s: Shipment) -> None:
        self._emit_tracking("carrier.picked_up", s, s.pts[0])
        self._start_transit(s, self._engine.now)

    def _start_transit(self, s: Shipment, pickup_ms: int) -> None:
        engine, rng = self._engine, self._rng
        now = engine.now
        s.pickup_ms = pickup_ms
        s.arrival_ms = pickup_ms + s.transit_ms
        self.in_transit += 1
        transit = s.transit_ms
        n_scans = min(params.MAX_SCANS, max(1, int(transit / MS_PER_H / params.SCAN_EVERY)))
        # Scans are chained (one agenda entry per shipment at a time): memory stays flat at
        # high rates with hundreds of thousands of shipments on the road.
        s.scans = sorted(
            (pickup_ms + int(f * transit) for f in (rng.uniform(0.1, 0.95) for _ in range(n_scans))), reverse=True
        )
        while s.scans and s.scans[-1] <= now:
            s.scans.pop()
        if s.scans:
            engine.at(s.scans.pop(), self._scan, s)
        engine.at(max(s.arrival_ms, now + 1), self._out_for_delivery, s)
        engine.at(now + int(rng.uniform(60, params.TELEMETRY_EVERY_S) * MS_PER_S), self._tick, s)
        if rng.random() < s.carrier.silent_rate:
            s.silent_ms = max(now + 1, pickup_ms + int(rng.uniform(0.1, 0.8) * transit))
        if s.band is not None and rng.random() < params.EXCURSION_PROBABILITY:
            start = max(now, pickup_ms + int(rng.uniform(0.1, 0.7) * transit))
            s.excursion = (start, start + int(rng.uniform(*params.EXCURSION_HOURS) * MS_PER_H))
        if rng.random() < params.DEVIATION_PROBABILITY:
            start = max(now, pickup_ms + int(rng.uniform(0.1, 0.6) * transit))
            end = start + int(rng.uniform(*params.DEVIATION_HOURS) * MS_PER_H)
            (lat0, lon0), (lat1, lon1) = s.pts[0], s.pts[-1]
            norm = math.hypot(lat1 - lat0, lon1 - lon0) or 1.0
            km = rng.uniform(*params.DEVIATION_KM) * rng.choice((-1.0, 1.0))
            # Perpendicular to the overall direction of travel.
            s.deviation = (
                start,
                end,
                (lon1 - lon0) / norm * km / _KM_PER_DEGREE,
                -(lat1 - lat0) / norm * km / _KM_PER_DEGREE,
            )

    def _scan(self, s: Shipment) -> None:
        now = self._engine.now
        if now >= s.silent_ms:
            return
        self._emit_tracking("in.transit", s, self._position(s, now))
        if s.scans:
            self._engine.at(s.scans.pop(), self._scan, s)

    def _out_for_delivery(self, s: Shipment) -> None:
        engine = self._engine
        if engine.now >= s.silent_ms:
            self._finish(s)
            return
        self._emit_tracking("out.for.delivery", s, s.dest)
        van_ms = int(self._rng.uniform(*params.OUT_FOR_DELIVERY) * MS_PER_H)
        if s.fails_once:
            s.fails_once = False
            engine.at(engine.now + van_ms, self._attempt, s)
        else:
            engine.at(engine.now + van_ms, self._deliver, s)

    def _attempt(self, s: Shipment) -> None:
        engine = self._engine
        if engine.now >= s.silent_ms:
            self._finish(s)
            return
        note = _ATTEMPT_NOTES[self._rng.randrange(len(_ATTEMPT_NOTES))]
        self._emit_tracking("delivery.attempted", s, s.dest, note)
        engine.at(engine.now + int(self._rng.uniform(*params.REDELIVERY) * MS_PER_H), self._out_for_delivery, s)

    def _deliver(self, s: Shipment) -> None:
        if self._engine.now >= s.silent_ms:
            self._finish(s)
            return
        self._emit_tracking("delivered", s, s.dest)
        self._finish(s)

    def _finish(self, s: Shipment) -> None:
        if not s.done:
            s.done = True
            self.in_transit -= 1

    def _emit_tracking(self, event_type: str, s: Shipment, where: tuple[float, float], note: str | None = None) -> None:
        fields: dict[str, Any] = {
            "shipmentId": s.shipment_id,
            "orderId": s.order_id,
            "carrier": s.carrier.carrier,
            "location": _point(*where),
        }
        if note is not None:
            fields["note"] = note
        self._engine.emit(event_type, s.shipment_id, fields)

    # --- telemetry ------------------------------------------------------------------------------

    def _position(self, s: Shipment, now: int) -> tuple[float, float]:
        if now >= s.arrival_ms:
            lat, lon = s.dest
        else:
            f = (now - s.pickup_ms) / s.transit_ms if s.transit_ms else 1.0
            f = 0.0 if f < 0.0 else f
            i = min(bisect_right(s.cum, f) - 1, len(s.pts) - 2)
            span = s.cum[i + 1] - s.cum[i]
            g = (f - s.cum[i]) / span if span > 0 else 0.0
            (lat0, lon0), (lat1, lon1) = s.pts[i], s.pts[i + 1]
            lat, lon = lat0 + (lat1 - lat0) * g, lon0 + (lon1 - lon0) * g
        dev = s.deviation
        if dev is not None and dev[0] <= now < dev[1]:
            lat += dev[2]
            lon += dev[3]
        return lat, lon

    def _emits_reading(self, s: Shipment, now: int) -> bool:
        """Thinning rule: an evenly spaced share of the readings, plus every anomalous one."""
        if reading_is_kept(s.readings, self._telemetry_density):
            return True
        exc, dev = s.excursion, s.deviation
        return (exc is not None and exc[0] <= now < exc[1]) or (dev is not None and dev[0] <= now < dev[1])

    def _tick(self, s: Shipment) -> None:
        engine, rng = self._engine, self._rng
        now = engine.now
        if s.done or now >= s.silent_ms:
            return
        lat, lon = self._position(s, now)
        if now >= s.arrival_ms:
            # On the van: driving around the destination town.
            lat += rng.uniform(-0.02, 0.02)
            lon += rng.uniform(-0.02, 0.02)
        fields: dict[str, Any] = {
            "shipmentId": s.shipment_id,
            "lat": round(lat + rng.uniform(-0.002, 0.002), 5),
            "lon": round(lon + rng.uniform(-0.002, 0.002), 5),
        }
        band = s.band
        if band is not None:
            lo, hi = band
            exc = s.excursion
            if exc is not None and exc[0] <= now < exc[1]:
                temp = hi + rng.uniform(0.8, 2.5)
            else:
                temp = min(hi - 0.2, max(lo + 0.2, rng.gauss((lo + hi) / 2, (hi - lo) / 10)))
            fields["temperature"] = round(temp, 1)
            fields["humidity"] = round(rng.uniform(35.0, 65.0), 1)
        if self._emits_reading(s, now):
            engine.emit("shipment.telemetry", s.shipment_id, fields)
        s.readings += 1
        gap = params.TELEMETRY_EVERY_S + rng.uniform(-params.TELEMETRY_JITTER_S, params.TELEMETRY_JITTER_S)
        engine.at(now + int(gap * MS_PER_S), self._tick, s)
