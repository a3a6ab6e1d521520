"""The opening balance: what is already true when the simulation starts.

Every stocked pair is counted (the stream then implies a stock level from its first minute),
and the shipments already on the road or waiting for pickup are announced, so telemetry and
deliveries run at their steady rate from the first hour instead of ramping up over a day.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from random import Random

from supplylake.simulator import params
from supplylake.simulator.calibration import Calibration
from supplylake.simulator.demand import Demand
from supplylake.simulator.engine import MS_PER_H, Engine
from supplylake.simulator.geography import distance_km
from supplylake.simulator.orders import Orders
from supplylake.simulator.replenishment import Replenisher
from supplylake.simulator.shipments import Shipments
from supplylake.simulator.stock import StockBook
from supplylake.simulator.world import Customer, World


def open_books(
    engine: Engine,
    rng: Random,
    world: World,
    book: StockBook,
    calibration: Calibration,
    replenisher: Replenisher,
    orders: Orders,
    shipments: Shipments,
    demand: Demand,
) -> None:
    for pair in book:
        pair.on_hand = max(0, round(pair.reorder_point * rng.uniform(*params.OPENING_STOCK_FACTOR)))
        engine.emit(
            "inventory.counted", pair.key, {"warehouseId": pair.warehouse_id, "sku": pair.sku, "quantity": pair.on_hand}
        )
    for pair in book:
        replenisher.touch(pair)
    # Trips under way are length-biased: a long trip is more likely to be on the road right now.
    # They are announced (created + picked up) one by one over the first hour, each starting its
    # telemetry then, so the first hour runs at the steady rate instead of opening with a burst.
    weights = [_trip_hours(world, c) for c in world.customers]
    on_road = round(calibration.orders_per_hour * calibration.tracked_hours)
    waiting = round(calibration.orders_per_hour * sum(params.PICKUP_WAIT) / 2)
    cum = list(itertools.accumulate(weights))
    announcer = _Announcer(engine, rng, world, cum, orders, shipments, demand, on_road, waiting)
    announcer.next()


class _Announcer:
    """One agenda entry that announces the opening shipments at random moments of the first hour."""

    def __init__(
        self,
        engine: Engine,
        rng: Random,
        world: World,
        cum_weights: list[float],
        orders: Orders,
        shipments: Shipments,
        demand: Demand,
        on_road: int,
        waiting: int,
    ) -> None:
        self._engine = engine
        self._rng = rng
        self._customers = world.customers
        self._cum = cum_weights
        self._orders = orders
        self._shipments = shipments
        self._demand = demand
        self._on_road = on_road
        self._left = on_road + waiting
        self._rate_per_ms = self._left / MS_PER_H

    def next(self) -> None:
        if self._left > 0:
            self._engine.after(self._rng.expovariate(self._rate_per_ms), self._announce)

    def _announce(self, _: object = None) -> None:
        rng = self._rng
        self._left -= 1
        customer = self._customers[min(bisect_right(self._cum, rng.random() * self._cum[-1]), len(self._customers) - 1)]
        sku = self._demand.pick_sku()
        warehouse = self._orders.choose_warehouse(customer, [sku], [0])
        # On the road or still waiting for the carrier, drawn without replacement.
        on_road = rng.random() * (self._left + 1) < self._on_road
        if on_road:
            self._on_road -= 1
        if warehouse is not None:
            order_id = self._orders.next_id()
            if on_road:
                self._shipments.open_in_transit(order_id, warehouse, customer, sku.shipment_category, rng.random())
            else:
                self._shipments.create(order_id, warehouse, customer, sku.shipment_category)
        self.next()


def _trip_hours(world: World, customer: Customer) -> float:
    """Rough pickup-to-delivery hours from the customer's nearest warehouse."""
    w = world.warehouse(customer.warehouses_by_distance[0])
    return distance_km(w.lat, w.lon, customer.lat, customer.lon) / 50.0 + params.HANDLING + 4.0
