"""The simulator's own truth about stock per warehouse x SKU.

Every inventory event the generator emits goes through :class:`StockBook` first, so the stream
can never ship more than is on hand, and the ERP snapshots can be compared with what the
events imply.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from supplylake.simulator.world import Pair, Sku


class PairState:
    """Mutable stock of one stocked warehouse x SKU."""

    __slots__ = (
        "avg_cost",
        "flagged",
        "item",
        "key",
        "last_move_delta",
        "last_move_ms",
        "on_hand",
        "on_order",
        "order_up_to",
        "reorder_point",
        "reserved",
        "sku",
        "warehouse_id",
    )

    def __init__(self, pair: Pair, item: Sku) -> None:
        self.warehouse_id = pair.warehouse_id
        self.sku = pair.sku
        self.key = f"{pair.warehouse_id}:{pair.sku}"
        self.item = item
        self.on_hand = 0
        self.reserved = 0
        self.on_order = 0
        self.avg_cost = item.unit_cost
        self.reorder_point = item.reorder_point
        self.order_up_to = pair.order_up_to
        # Last receipt or shipment (ERP timing differences are about these).
        self.last_move_ms = -1
        self.last_move_delta = 0
        self.flagged = False  # waiting for the buyer's review

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def position(self) -> int:
        """Inventory position: what the buyer compares with the reorder point."""
        return self.on_hand - self.reserved + self.on_order


class StockBook:
    """All stocked pairs, addressable by (warehouse, sku); iteration order is sorted and stable."""

    def __init__(self, pairs: Iterable[Pair], skus: Iterable[Sku]) -> None:
        by_sku = {s.sku: s for s in skus}
        self.pairs: dict[tuple[str, str], PairState] = {
            (p.warehouse_id, p.sku): PairState(p, by_sku[p.sku]) for p in pairs
        }
        self.by_warehouse: dict[str, list[PairState]] = {}
        for state in self.pairs.values():
            self.by_warehouse.setdefault(state.warehouse_id, []).append(state)

    def get(self, warehouse_id: str, sku: str) -> PairState | None:
        return self.pairs.get((warehouse_id, sku))

    def __iter__(self) -> Iterator[PairState]:
        return iter(self.pairs.values())
