"""An independent reference model of the shipment and order pipelines, for checking lake results.

Written from the documented semantics (docs/shipments.md), not from the pipelines' code; it
has the whole file at once, so it needs no partitions, watermarks or timer wheels:

- per shipment, records arrive in file order (one producer, one partition per key); events with
  an eventId seen before for the same entity are duplicates and ignored;
- the status is that of the status event with the latest (event time, lifecycle rank, eventId);
  delivered is terminal (earliest delivered time). shipment.created details: the newest wins;
- deadlines: DELIVERY_DELAYED at expectedDelivery + grace while not delivered;
  NO_TRACKING_UPDATE at the latest carrier scan + threshold while the status is a carrier scan
  and not delivered. A deadline fires before the shipment's next event stamped *after* it (that
  event proves the deadline passed), or at the end if it is at or before the latest event time
  of the whole input. One alert per deadline; DELIVERED_LATE when delivered after a
  DELIVERY_DELAYED;
- cold chain: readings with a temperature, once the range is known (explicit, or PHARMA 2–8),
  in event-time order (an older reading than the last one is ignored): TEMPERATURE_BREACH at the
  first out-of-range reading of an excursion (minimum duration 0), TEMPERATURE_RECOVERED at the
  next in-range one;
- route: readings once the planned route is known, in event-time order: ROUTE_DEVIATION when the
  distance to the route exceeds the threshold and the previous reading did not (the distance
  itself is the tested geometry function, ``route_deviation_km``);
- orders: the order-events and the lifecycle events of shipment-events that name the order;
  the stage is that of the latest (event time, rank), delivered terminal; SEQUENCE_ANOMALY once
  per order when a non-delivered stage is stamped later than the earliest delivery + skew.

Holds for inputs whose events are at most the allowed lateness out of order (the simulator's
``late`` fault breaks that on purpose: what a too-late event meets depends on what else shared
its partition, see docs/shipments.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from supplylake.pipelines.shipments.route import route_deviation_km
from supplylake.simulator.faults import REQUIRED_FIELDS
from tests.support.timestamps import iso_to_ms

SCAN_RANK = {
    "shipment.created": 0,
    "carrier.picked_up": 1,
    "in.transit": 2,
    "out.for.delivery": 3,
    "delivery.attempted": 4,
    "delivered": 5,
}
STATUS_NAME = {
    "shipment.created": "created",
    "carrier.picked_up": "picked_up",
    "in.transit": "in_transit",
    "out.for.delivery": "out_for_delivery",
    "delivery.attempted": "delivery_attempted",
    "delivered": "delivered",
}
CARRIER_SCANS = {"carrier.picked_up", "in.transit", "out.for.delivery", "delivery.attempted"}
ORDER_RANK = {
    "order.placed": 0,
    "warehouse.picking.started": 1,
    "warehouse.picking.completed": 2,
    **{kind: rank + 3 for kind, rank in SCAN_RANK.items()},
}
ORDER_STAGE = {
    "order.placed": "placed",
    "warehouse.picking.started": "picking_started",
    "warehouse.picking.completed": "picking_completed",
    "shipment.created": "shipment_created",
    **{kind: name for kind, name in STATUS_NAME.items() if kind != "shipment.created"},
}
PHARMA = (2.0, 8.0)


@dataclass
class Thresholds:
    grace_ms: int = 30 * 60_000
    silence_ms: int = 6 * 3600_000
    route_km: float = 50.0
    skew_ms: int = 5 * 60_000


@dataclass
class Expected:
    shipment_status: dict[str, str | None] = field(default_factory=dict)
    delivered_late: dict[str, bool] = field(default_factory=dict)  # delivered shipments: after expected?
    order_stage: dict[str, str] = field(default_factory=dict)
    alerts: Counter[str] = field(default_factory=Counter)
    alerts_by_entity: Counter[tuple[str, str]] = field(default_factory=Counter)
    status_event_ids: set[str] = field(default_factory=set)
    telemetry_ids: set[str] = field(default_factory=set)
    order_event_ids: set[str] = field(default_factory=set)
    max_event_time_ms: int | None = None


def _valid(event: dict[str, Any]) -> bool:
    """The contracts, restated for what the simulator and the hand-written files produce."""
    kind = event.get("eventType")
    if kind not in REQUIRED_FIELDS or not isinstance(event.get("eventId"), str):
        return False
    try:
        if datetime.fromisoformat(str(event["timestamp"]).replace("Z", "+00:00")).utcoffset() is None:
            return False
    except (KeyError, ValueError):
        return False
    for name in REQUIRED_FIELDS[kind]:
        value = event.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
    if kind == "shipment.telemetry":
        return -90 <= event["lat"] <= 90 and -180 <= event["lon"] <= 180
    return True


@dataclass
class _Shipment:
    seen: set[str] = field(default_factory=set)
    best: tuple[int, int, str] | None = None  # (time, rank, eventId) of the latest status event
    delivered_at: int | None = None
    details_ms: int | None = None
    expected: int | None = None
    category: str | None = None
    explicit_range: tuple[float, float] | None = None
    route: list[tuple[float, float]] | None = None
    last_scan: int | None = None
    armed: dict[str, int] = field(default_factory=dict)  # kind -> due, while pending
    scheduled: dict[str, int] = field(default_factory=dict)  # kind -> due last scheduled
    delay_alerted: bool = False
    late_alerted: bool = False
    last_reading: tuple[int, str] | None = None
    excursion_breached: bool | None = None  # None: in range
    last_position: tuple[int, str] | None = None
    deviating: bool = False

    @property
    def status_kind(self) -> str | None:
        if self.delivered_at is not None:
            return "delivered"
        return None if self.best is None else _kind_of_rank(self.best[1])

    @property
    def temperature_range(self) -> tuple[float, float] | None:
        return self.explicit_range or (PHARMA if self.category == "PHARMA" else None)


def _kind_of_rank(rank: int) -> str:
    return next(kind for kind, r in SCAN_RANK.items() if r == rank)


class _Model:
    def __init__(self, thresholds: Thresholds) -> None:
        self.t = thresholds
        self.out = Expected()
        self.shipments: dict[str, _Shipment] = defaultdict(_Shipment)
        self.orders: dict[str, dict[str, Any]] = {}
        self.order_of_shipment: dict[str, str] = {}

    def alert(self, kind: str, entity: str) -> None:
        self.out.alerts[kind] += 1
        self.out.alerts_by_entity[(kind, entity)] += 1

    # -- deadlines ----------------------------------------------------------------------------

    def fire(self, sid: str, s: _Shipment, before: int, *, inclusive: bool) -> None:
        for kind, due in sorted(s.armed.items(), key=lambda item: (item[1], item[0])):
            if due < before or (inclusive and due == before):
                del s.armed[kind]
                if kind == "DELIVERY_DELAYED" and s.delivered_at is None:
                    self.alert(kind, sid)
                    s.delay_alerted = True
                elif kind == "NO_TRACKING_UPDATE" and s.delivered_at is None and s.status_kind in CARRIER_SCANS:
                    self.alert(kind, sid)

    def reschedule(self, s: _Shipment) -> None:
        wanted: dict[str, int] = {}
        if s.delivered_at is None:
            if s.expected is not None:
                wanted["DELIVERY_DELAYED"] = s.expected + self.t.grace_ms
            if s.status_kind in CARRIER_SCANS and s.last_scan is not None:
                wanted["NO_TRACKING_UPDATE"] = s.last_scan + self.t.silence_ms
        for kind in ("DELIVERY_DELAYED", "NO_TRACKING_UPDATE"):
            due = wanted.get(kind)
            if due == s.scheduled.get(kind):
                continue
            if due is None:
                s.armed.pop(kind, None)
                s.scheduled.pop(kind, None)
            else:
                s.armed[kind] = s.scheduled[kind] = due

    # -- events -------------------------------------------------------------------------------

    def shipment_event(self, e: dict[str, Any]) -> None:
        sid, kind, eid, t = e["shipmentId"], e["eventType"], e["eventId"], iso_to_ms(e["timestamp"])
        s = self.shipments[sid]
        if eid in s.seen:
            return
        s.seen.add(eid)
        self.fire(sid, s, t, inclusive=False)
        if kind == "shipment.telemetry":
            self.out.telemetry_ids.add(eid)
            self.telemetry(sid, s, e, t)
        else:
            self.out.status_event_ids.add(eid)
            self.status(sid, s, e, kind, t)
        self.reschedule(s)

    def status(self, sid: str, s: _Shipment, e: dict[str, Any], kind: str, t: int) -> None:
        if kind == "shipment.created" and (s.details_ms is None or t >= s.details_ms):
            s.details_ms = t
            s.expected = iso_to_ms(e["expectedDelivery"])
            s.category = e["category"]
            rng = e.get("temperatureRange")
            s.explicit_range = None if rng is None else (float(rng["min"]), float(rng["max"]))
            if e.get("plannedRoute") is not None:
                s.route = [(p["lat"], p["lon"]) for p in e["plannedRoute"]]
        key = (t, SCAN_RANK[kind], e["eventId"])
        s.best = key if s.best is None or key > s.best else s.best
        if kind in CARRIER_SCANS:
            s.last_scan = t if s.last_scan is None else max(s.last_scan, t)
        if kind == "delivered":
            s.delivered_at = t if s.delivered_at is None else min(s.delivered_at, t)
            if s.delay_alerted and not s.late_alerted:
                s.late_alerted = True
                self.alert("DELIVERED_LATE", sid)

    def telemetry(self, sid: str, s: _Shipment, e: dict[str, Any], t: int) -> None:
        eid = e["eventId"]
        rng = s.temperature_range
        temperature = e.get("temperature")
        newer_reading = s.last_reading is None or ((t, eid) != s.last_reading and t >= s.last_reading[0])
        if temperature is not None and rng is not None and newer_reading:
            s.last_reading = (t, eid)
            inside = rng[0] <= temperature <= rng[1]
            if inside:
                if s.excursion_breached:
                    self.alert("TEMPERATURE_RECOVERED", sid)
                s.excursion_breached = None
            elif s.excursion_breached is None:
                s.excursion_breached = True
                self.alert("TEMPERATURE_BREACH", sid)
        newer_position = s.last_position is None or ((t, eid) != s.last_position and t >= s.last_position[0])
        if s.route and newer_position:
            s.last_position = (t, eid)
            far = route_deviation_km(e["lat"], e["lon"], s.route) > self.t.route_km
            if far and not s.deviating:
                self.alert("ROUTE_DEVIATION", sid)
            s.deviating = far

    def order_event(self, order_id: str, e: dict[str, Any]) -> None:
        o = self.orders.setdefault(order_id, {"seen": set(), "best": None, "delivered": None, "last": {}})
        eid, kind, t = e["eventId"], e["eventType"], iso_to_ms(e["timestamp"])
        if eid in o["seen"]:
            return
        o["seen"].add(eid)
        if kind in ("order.placed", "warehouse.picking.started", "warehouse.picking.completed"):
            self.out.order_event_ids.add(eid)
        key = (t, ORDER_RANK[kind])
        o["best"] = key if o["best"] is None or key > o["best"] else o["best"]
        stage = ORDER_STAGE[kind]
        o["last"][stage] = max(o["last"].get(stage, t), t)
        if kind == "delivered":
            o["delivered"] = t if o["delivered"] is None else min(o["delivered"], t)

    # -- the end ------------------------------------------------------------------------------

    def finish(self) -> Expected:
        end = self.out.max_event_time_ms
        for sid, s in self.shipments.items():
            if end is not None:
                self.fire(sid, s, end, inclusive=True)
            kind = s.status_kind
            self.out.shipment_status[sid] = None if kind is None else STATUS_NAME[kind]
            if s.delivered_at is not None and s.expected is not None:
                self.out.delivered_late[sid] = s.delivered_at > s.expected
        stages = {rank: kind for kind, rank in ORDER_RANK.items()}
        for order_id, o in self.orders.items():
            self.out.order_stage[order_id] = (
                "delivered" if o["delivered"] is not None else ORDER_STAGE[stages[o["best"][1]]]
            )
            if o["delivered"] is not None and any(
                when > o["delivered"] + self.t.skew_ms for stage, when in o["last"].items() if stage != "delivered"
            ):
                self.alert("SEQUENCE_ANOMALY", order_id)
        return self.out


def expected_from_file(path: Path, thresholds: Thresholds | None = None) -> Expected:
    model = _Model(thresholds or Thresholds())
    for line in path.read_bytes().splitlines():
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(event, dict):
            continue
        kind = event.get("eventType")
        if kind in REQUIRED_FIELDS and isinstance(event.get("timestamp"), str):
            try:
                t = iso_to_ms(event["timestamp"])
            except (ValueError, TypeError):  # unparseable, or no zone: not counted by the replay
                t = None
            if t is not None and (model.out.max_event_time_ms is None or t > model.out.max_event_time_ms):
                model.out.max_event_time_ms = t
        if not _valid(event):
            continue
        if kind in SCAN_RANK or kind == "shipment.telemetry":
            model.shipment_event(event)
            if kind == "shipment.created":
                model.order_of_shipment[event["shipmentId"]] = event["orderId"]
            if kind in SCAN_RANK:
                order_id = event.get("orderId") or model.order_of_shipment.get(event["shipmentId"])
                if order_id:
                    model.order_event(order_id, event)
        elif kind in ORDER_RANK:
            model.order_event(event["orderId"], event)
    return model.finish()
