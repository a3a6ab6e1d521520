"""Inventory noise: ad-hoc adjustments (damage, shrinkage, found stock) and nightly cycle counts.

Negative adjustments only take unreserved stock, and a count never finds less than is reserved,
so orders already promised can still ship.
"""

from __future__ import annotations

from random import Random
from typing import Any

from supplylake.simulator import params
from supplylake.simulator.engine import MS_PER_DAY, MS_PER_H, MS_PER_MIN, Engine
from supplylake.simulator.replenishment import Replenisher
from supplylake.simulator.stock import PairState, StockBook

_LOSS_REASONS = ("damaged", "shrinkage", "theft", "water damage")
_PERISHABLE = frozenset({"PHARMA", "FROZEN", "FRESH"})
_GAIN_REASONS = ("found", "relabelled", "customer return")
_COUNT_HOUR_UTC = 9  # 03:00 US local, when the night shift counts


class InventoryNoise:
    def __init__(
        self, engine: Engine, rng: Random, book: StockBook, replenisher: Replenisher, adjustments_per_hour: float
    ) -> None:
        self._engine = engine
        self._rng = rng
        self._book = book
        self._pairs = list(book)
        self._replenisher = replenisher
        self._rate_per_ms = adjustments_per_hour / MS_PER_H
        # Each warehouse walks through its SKUs in a fixed rotation, a slice per night.
        self._rotation = dict.fromkeys(book.by_warehouse, 0)

    def start(self) -> None:
        if self._rate_per_ms > 0 and self._pairs:
            self._engine.after(self._rng.expovariate(self._rate_per_ms), self._adjust)
        start = self._engine.now
        first = start - start % MS_PER_DAY + _COUNT_HOUR_UTC * MS_PER_H
        if first <= start:
            first += MS_PER_DAY
        self._engine.at(first, self._count_night)

    def _adjust(self, _: Any = None) -> None:
        engine, rng = self._engine, self._rng
        pair = self._pairs[rng.randrange(len(self._pairs))]
        if pair.on_hand > 0 and pair.available >= 1 and rng.random() < 0.85:
            delta = -rng.randint(1, min(5, pair.available))
            reasons = _LOSS_REASONS + (("expired",) if pair.item.category in _PERISHABLE else ())
        else:
            delta = rng.randint(1, 3)
            reasons = _GAIN_REASONS
        pair.on_hand += delta
        engine.emit(
            "inventory.adjusted",
            pair.key,
            {
                "warehouseId": pair.warehouse_id,
                "sku": pair.sku,
                "quantity": delta,
                "reason": reasons[rng.randrange(len(reasons))],
            },
        )
        self._replenisher.touch(pair)
        engine.after(rng.expovariate(self._rate_per_ms), self._adjust)

    def _count_night(self, _: Any = None) -> None:
        engine, rng = self._engine, self._rng
        for wh, pairs in self._book.by_warehouse.items():
            n = max(1, round(len(pairs) * params.CYCLE_COUNT_SHARE))
            t = engine.now
            for _ in range(n):
                index = self._rotation[wh]
                self._rotation[wh] = (index + 1) % len(pairs)
                t += int(rng.uniform(1, 5) * MS_PER_MIN)
                engine.at(t, self._count, pairs[index])
        engine.after(MS_PER_DAY, self._count_night)

    def _count(self, pair: PairState) -> None:
        rng = self._rng
        counted = pair.on_hand
        if rng.random() < params.COUNT_DISCREPANCY:
            # Unrecorded shrinkage mostly, sometimes a forgotten pallet; never below what is promised.
            counted = max(pair.reserved, counted + (rng.randint(1, 3) if rng.random() < 0.25 else -rng.randint(1, 3)))
        pair.on_hand = counted
        self._engine.emit(
            "inventory.counted",
            pair.key,
            {
                "warehouseId": pair.warehouse_id,
                "sku": pair.sku,
                "quantity": counted,
            },
        )
        self._replenisher.touch(pair)
