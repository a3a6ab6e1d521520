"""Demand: web sales (each one a warehouse order), business orders and store sales.

Arrivals are non-homogeneous Poisson processes following the daily/weekly profiles (sampled
exactly by thinning). Demand spikes (promotions, going viral) add extra web and store sales of
one SKU for a few hours, at a discount.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from random import Random
from typing import Any

from supplylake.simulator import params, seasonality
from supplylake.simulator.engine import MS_PER_DAY, MS_PER_H, Engine
from supplylake.simulator.orders import Orders
from supplylake.simulator.seasonality import Profile
from supplylake.simulator.world import Customer, Sku, World


@dataclass(frozen=True)
class DemandRates:
    """Mean arrivals per hour of event time (before seasonality)."""

    web_orders: float
    business_orders: float
    store_sales: float


class _Catalogue:
    """Weighted SKU choice, overall and within a shipment category (an order ships as one)."""

    def __init__(self, skus: tuple[Sku, ...]) -> None:
        self.skus = skus
        self.cum = list(accumulate(s.weight for s in skus))
        self.groups: dict[str, tuple[list[Sku], list[float]]] = {}
        for s in skus:
            members = self.groups.setdefault(s.shipment_category, ([], []))
            members[0].append(s)
            members[1].append((members[1][-1] if members[1] else 0.0) + s.weight)

    def pick(self, rng: Random) -> Sku:
        i = bisect_right(self.cum, rng.random() * self.cum[-1])
        return self.skus[min(i, len(self.skus) - 1)]

    def companions(self, rng: Random, first: Sku, count: int, stocked: Callable[[Sku], bool]) -> list[Sku]:
        """Up to ``count`` other SKUs of ``first``'s shipment category, by weight, no repeats,
        among those ``stocked`` (customers order from their warehouse's assortment)."""
        members, cum = self.groups[first.shipment_category]
        chosen = [first]
        for _ in range(min(count, len(members) - 1) * 3):
            if len(chosen) > count:
                break
            i = min(bisect_right(cum, rng.random() * cum[-1]), len(members) - 1)
            if members[i] not in chosen and stocked(members[i]):
                chosen.append(members[i])
        return chosen[1:]


class Demand:
    def __init__(
        self, engine: Engine, rng: Random, world: World, orders: Orders, rates: DemandRates, strength: float
    ) -> None:
        self._engine = engine
        self._rng = rng
        self._orders = orders
        self._rates = rates
        self._catalogue = _Catalogue(world.skus)
        self._total_weight = self._catalogue.cum[-1]
        self._customers = world.customers
        self._business = tuple(c for c in world.customers if c.business) or world.customers
        self._stores = world.stores
        self._consumer = seasonality.consumer(strength)
        self._office = seasonality.business(strength)
        self._promo: dict[str, tuple[float, int]] = {}  # sku -> (discount, until)

    def start(self) -> None:
        r = self._rates
        self._next(self._web, r.web_orders, self._consumer)
        self._next(self._business_order, r.business_orders, self._office)
        self._next(self._store_sale, r.store_sales, self._consumer)
        self._engine.after(self._rng.expovariate(params.SPIKES_PER_DAY / MS_PER_DAY), self._spike)

    def pick_sku(self) -> Sku:
        """A SKU drawn by demand weight (what customers buy most is picked most)."""
        return self._catalogue.pick(self._rng)

    def _next(self, action: Any, per_hour: float, profile: Profile) -> None:
        """Schedule the next arrival of a profiled Poisson process (thinning)."""
        if per_hour <= 0:
            return
        rng = self._rng
        peak_rate = per_hour * profile.peak / MS_PER_H
        t = float(self._engine.now)
        while True:
            t += rng.expovariate(peak_rate)
            if rng.random() * profile.peak < profile.factor(int(t)):
                break
        self._engine.at(int(t), action)

    def _price(self, sku: Sku) -> float:
        promo = self._promo.get(sku.sku)
        if promo is not None and promo[1] > self._engine.now:
            return round(sku.unit_price * (1 - promo[0]), 2)
        return sku.unit_price

    # --- arrivals -------------------------------------------------------------------------------

    def _web(self, _: Any = None) -> None:
        self._web_order(self._catalogue.pick(self._rng))
        self._next(self._web, self._rates.web_orders, self._consumer)

    def _stocked_with(self, customer: Customer, first: Sku) -> Callable[[Sku], bool]:
        home = self._orders.home_warehouse(customer, first)
        pairs = self._orders.stocked
        return lambda s: (home, s.sku) in pairs

    def _web_order(self, first: Sku) -> None:
        rng = self._rng
        customer = self._customers[rng.randrange(len(self._customers))]
        skus = [first]
        if rng.random() < params.WEB_LINES[1][1]:
            skus += self._catalogue.companions(rng, first, 1, self._stocked_with(customer, first))
        lines = [(s, 1 if rng.random() < params.WEB_UNITS[0][1] else 2, self._price(s)) for s in skus]
        order_id = self._orders.place(customer, lines)
        if order_id is None:
            return
        for s, qty, price in lines:
            self._engine.emit(
                "sale.recorded",
                s.sku,
                {
                    "sku": s.sku,
                    "region": customer.region,
                    "channel": "web",
                    "quantity": qty,
                    "unitPrice": price,
                    "orderId": order_id,
                },
            )

    def _business_order(self, _: Any = None) -> None:
        rng = self._rng
        first = self._catalogue.pick(rng)
        customer = self._business[rng.randrange(len(self._business))]
        skus = [
            first,
            *self._catalogue.companions(
                rng, first, rng.randint(*params.B2B_LINES) - 1, self._stocked_with(customer, first)
            ),
        ]
        # Business customers buy in volume at a negotiated price.
        lines = [(s, rng.randint(1, 2 * s.line_units - 1), round(s.unit_price * 0.9, 2)) for s in skus]
        self._orders.place(customer, lines)
        self._next(self._business_order, self._rates.business_orders, self._office)

    def _store_sale(self, _: Any = None) -> None:
        self._pos_sale(self._catalogue.pick(self._rng))
        self._next(self._store_sale, self._rates.store_sales, self._consumer)

    def _pos_sale(self, sku: Sku) -> None:
        rng = self._rng
        store = self._stores[rng.randrange(len(self._stores))]
        u = rng.random()
        self._engine.emit(
            "sale.recorded",
            sku.sku,
            {
                "sku": sku.sku,
                "region": store.region,
                "channel": "pos",
                "quantity": 1 if u < 0.8 else (2 if u < 0.95 else 3),
                "unitPrice": self._price(sku),
                "storeId": store.store_id,
            },
        )

    # --- spikes ---------------------------------------------------------------------------------

    def _spike(self, _: Any = None) -> None:
        engine, rng = self._engine, self._rng
        sku = self._catalogue.pick(rng)
        until = engine.now + int(rng.uniform(*params.SPIKE_HOURS) * MS_PER_H)
        extra = rng.uniform(*params.SPIKE_MULTIPLIER) - 1.0
        self._promo[sku.sku] = (rng.uniform(*params.SPIKE_DISCOUNT), until)
        share = sku.weight / self._total_weight
        per_hour = extra * share * (self._rates.web_orders + self._rates.store_sales)
        if per_hour > 0:
            self._schedule_spike_arrival((sku, until, per_hour))
        engine.after(rng.expovariate(params.SPIKES_PER_DAY / MS_PER_DAY), self._spike)

    def _schedule_spike_arrival(self, job: tuple[Sku, int, float]) -> None:
        t = self._engine.now + int(self._rng.expovariate(job[2] / MS_PER_H))
        if t < job[1]:
            self._engine.at(t, self._spike_arrival, job)

    def _spike_arrival(self, job: tuple[Sku, int, float]) -> None:
        sku, until, _ = job
        # A newer spike of the same SKU supersedes this one.
        if self._promo.get(sku.sku, (0.0, 0))[1] == until:
            r = self._rates
            if self._rng.random() * (r.web_orders + r.store_sales) < r.web_orders:
                self._web_order(sku)
            else:
                self._pos_sale(sku)
            self._schedule_spike_arrival(job)
