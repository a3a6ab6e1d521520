"""From a requested event rate to process rates: how many orders per hour give N events per hour.

Most events hang off orders (reservations, picking, tracking scans and above all telemetry
every 15 minutes in transit), so the expected events per order are computed from the world's
geometry and the behavioural constants in ``params``; a few processes (cycle counts,
replenishment, signals) run at rates of their own and are subtracted first.
"""

from __future__ import annotations

from dataclasses import dataclass

from supplylake.simulator import params
from supplylake.simulator.catalog import TEMPERATURE_RANGE
from supplylake.simulator.demand import DemandRates
from supplylake.simulator.geography import distance_km
from supplylake.simulator.world import Carrier, World

_LINES_PER_PO = 1.5  # lines of one PO: reviews batch the pairs of one supplier
_SILENT_LOSS = 0.55  # share of tracking a silent shipment never reports


@dataclass(frozen=True)
class Calibration:
    orders_per_hour: float
    demand: DemandRates
    adjustments_per_hour: float
    events_per_order: float
    fixed_per_hour: float
    tracked_hours: float  # mean pickup -> delivery: sizes the opening in-transit shipments


def _mean(bounds: tuple[float, float]) -> float:
    return (bounds[0] + bounds[1]) / 2


def _scans(hours: float) -> float:
    return min(params.MAX_SCANS, max(1, int(hours / params.SCAN_EVERY)))


def _shipment(dist_km: float, carrier: Carrier, weather_share: float) -> tuple[float, float]:
    """(expected events, expected tracked hours) of one shipment over ``dist_km``."""
    planned = dist_km / carrier.avg_speed_kmh + params.HANDLING
    normal = planned * _mean(params.TRANSIT_JITTER)
    p_late = min(1.0, 1.0 - carrier.on_time_rate + params.DISRUPTION_LATE_BOOST * weather_share)
    late_extra = _mean(params.LATE_DELAY)
    transit = normal + p_late * late_extra
    van = _mean(params.OUT_FOR_DELIVERY)
    tracked = transit + van + params.ATTEMPT_FAILS * (_mean(params.REDELIVERY) + van)
    tracked *= 1.0 - carrier.silent_rate * _SILENT_LOSS
    scans = (1 - p_late) * _scans(normal) + p_late * _scans(normal + late_extra)
    tracking = 1 + 1 + scans + 1 + 2 * params.ATTEMPT_FAILS + 1
    telemetry = tracked * 3600.0 / params.TELEMETRY_EVERY_S
    return tracking + telemetry, tracked


def calibrate(world: World, events_per_hour: float) -> Calibration:
    total_weight = sum(s.weight for s in world.skus)
    cold_weight = sum(s.weight for s in world.skus if s.shipment_category in TEMPERATURE_RANGE)
    p_cold = cold_weight / total_weight
    cold = tuple(c for c in world.carriers if c.cold_chain) or world.carriers
    # Share of time a region is under a delaying (medium/high) weather alert.
    weather_share = min(
        1.0, params.SIGNALS_PER_DAY * (1 - params.PORT_CLOSURE_SHARE) * 0.6 / len(world.regions) * 27.0 / 24.0
    )
    whs = {w.warehouse_id: w for w in world.warehouses}
    stocked = {(p.warehouse_id, p.sku) for p in world.pairs}
    ship_events = ship_hours = 0.0
    for customer in world.customers:
        # An order ships from the nearest warehouse stocking its (first) SKU.
        km = {
            w: distance_km(whs[w].lat, whs[w].lon, customer.lat, customer.lon) for w in customer.warehouses_by_distance
        }
        dist = (
            sum(
                s.weight * next(km[w] for w in customer.warehouses_by_distance if (w, s.sku) in stocked)
                for s in world.skus
            )
            / total_weight
        )
        for carriers, share in ((world.carriers, 1 - p_cold), (cold, p_cold)):
            for carrier in carriers:
                events, hours = _shipment(dist, carrier, weather_share)
                ship_events += events * share / len(carriers)
                ship_hours += hours * share / len(carriers)
    ship_events /= len(world.customers)
    ship_hours /= len(world.customers)

    web_lines = sum(n * p for n, p in params.WEB_LINES)
    group_sizes: dict[str, int] = {}
    group_weight: dict[str, float] = {}
    for s in world.skus:
        group_sizes[s.shipment_category] = group_sizes.get(s.shipment_category, 0) + 1
        group_weight[s.shipment_category] = group_weight.get(s.shipment_category, 0.0) + s.weight
    lo, hi = params.B2B_LINES
    b2b_lines = sum(
        group_weight[g] / total_weight * sum(min(n, size) for n in range(lo, hi + 1)) / (hi - lo + 1)
        for g, size in group_sizes.items()
    )
    lines = params.WEB_ORDER_SHARE * web_lines + (1 - params.WEB_ORDER_SHARE) * b2b_lines
    # placed + reserved/released/shipped per line + two picking events + web sales per line.
    order_events = 1 + 3 * lines + 2 + params.WEB_ORDER_SHARE * web_lines
    per_order = order_events + ship_events + params.POS_SALES_PER_ORDER + params.ADJUSTMENTS_PER_ORDER

    pairs = len(world.pairs)
    counts = (
        sum(
            max(1, round(n * params.CYCLE_COUNT_SHARE))
            for n in (sum(1 for p in world.pairs if p.warehouse_id == w.warehouse_id) for w in world.warehouses)
            if n
        )
        / 24.0
    )
    po_line_events = 1 + 0.03 + 2 / _LINES_PER_PO
    replenishment = pairs / params.COVER_DAYS * po_line_events / 24.0
    signals = (params.SIGNALS_PER_DAY + params.LEADTIME_CHANGES_PER_DAY) / 24.0
    adjustments = params.ADJUSTMENTS_PER_WAREHOUSE_DAY * len(world.warehouses) / 24.0
    fixed = counts + replenishment + signals + adjustments

    orders = max(events_per_hour - fixed, 0.1 * events_per_hour) / per_order
    return Calibration(
        orders_per_hour=orders,
        demand=DemandRates(
            web_orders=orders * params.WEB_ORDER_SHARE,
            business_orders=orders * (1 - params.WEB_ORDER_SHARE),
            store_sales=orders * params.POS_SALES_PER_ORDER,
        ),
        adjustments_per_hour=orders * params.ADJUSTMENTS_PER_ORDER + adjustments,
        events_per_order=per_order,
        fixed_per_hour=fixed,
        tracked_hours=ship_hours,
    )
