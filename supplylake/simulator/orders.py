"""Order fulfilment: placement, reservation, picking, dispatch and hand-over to shipping.

Only stock that is available (on hand minus reserved) is reserved, and only reserved stock is
shipped, so the stream never ships more than is on hand. A line that cannot be fully reserved
ships partially; an order with nothing reservable is retried a few times and then dropped
(back-order cancelled).
"""

from __future__ import annotations

from random import Random

from supplylake.simulator import params
from supplylake.simulator.engine import MS_PER_H, MS_PER_MIN, MS_PER_S, Engine
from supplylake.simulator.erp import ErpClerk
from supplylake.simulator.geography import distance_km
from supplylake.simulator.replenishment import Replenisher
from supplylake.simulator.shipments import Shipments
from supplylake.simulator.stock import PairState, StockBook
from supplylake.simulator.world import Customer, Sku, Warehouse, World

_PROMISE_PROCESSING_H = 24.0
_PROMISE_SPEED_KMH = 50.0


class Order:
    __slots__ = ("attempts", "category", "customer", "lines", "order_id", "reserved", "warehouse")

    def __init__(
        self, order_id: str, customer: Customer, warehouse: Warehouse, lines: list[tuple[Sku, int, float]]
    ) -> None:
        self.order_id = order_id
        self.customer = customer
        self.warehouse = warehouse
        self.lines = lines
        self.reserved: list[tuple[PairState, int]] = []
        self.attempts = 0
        self.category = lines[0][0].shipment_category


class Orders:
    def __init__(
        self,
        engine: Engine,
        rng: Random,
        world: World,
        book: StockBook,
        shipments: Shipments,
        replenisher: Replenisher,
        clerk: ErpClerk,
        tag: str,
    ) -> None:
        self._engine = engine
        self._rng = rng
        self._book = book
        self._shipments = shipments
        self._replenisher = replenisher
        self._clerk = clerk
        self._tag = tag
        self._warehouses = {w.warehouse_id: w for w in world.warehouses}
        self._count = 0
        self.placed = 0
        self.dropped = 0

    def next_id(self) -> str:
        self._count += 1
        return f"ORD-{self._tag}-{self._count:07d}"

    @property
    def stocked(self) -> dict[tuple[str, str], PairState]:
        return self._book.pairs

    def home_warehouse(self, customer: Customer, sku: Sku) -> str | None:
        """The nearest warehouse stocking ``sku``: where the customer's order of it ships from."""
        pairs = self._book.pairs
        return next((w for w in customer.warehouses_by_distance if (w, sku.sku) in pairs), None)

    def choose_warehouse(self, customer: Customer, skus: list[Sku], quantities: list[int]) -> Warehouse | None:
        """Nearest warehouse stocking every SKU; the next one if only it can fill the whole order.

        Looking no further than the second nearest keeps trips regional: a short warehouse
        ships partially (or back-orders) rather than sending a van across the country.
        """
        pairs = self._book.pairs
        stocking = [w for w in customer.warehouses_by_distance if all((w, s.sku) in pairs for s in skus)]
        if not stocking:
            return None
        for w in stocking[:2]:
            if all(pairs[(w, s.sku)].available >= q for s, q in zip(skus, quantities, strict=True)):
                return self._warehouses[w]
        return self._warehouses[stocking[0]]

    def place(self, customer: Customer, lines: list[tuple[Sku, int, float]], order_id: str | None = None) -> str | None:
        """Emit ``order.placed`` now and start fulfilment; ``None`` if no warehouse stocks the lines."""
        engine = self._engine
        warehouse = self.choose_warehouse(customer, [s for s, _, _ in lines], [q for _, q, _ in lines])
        if warehouse is None:
            return None
        order = Order(order_id or self.next_id(), customer, warehouse, lines)
        transit_h = distance_km(warehouse.lat, warehouse.lon, customer.lat, customer.lon) / _PROMISE_SPEED_KMH
        promised = engine.now + int((_PROMISE_PROCESSING_H + transit_h) * MS_PER_H)
        promised = -(-promised // MS_PER_H) * MS_PER_H
        engine.emit(
            "order.placed",
            order.order_id,
            {
                "orderId": order.order_id,
                "customerId": customer.customer_id,
                "region": customer.region,
                "warehouseId": warehouse.warehouse_id,
                "promisedDelivery": engine.timestamps.seconds(promised),
                "lines": [{"sku": s.sku, "quantity": q, "unitPrice": p} for s, q, p in lines],
            },
        )
        self.placed += 1
        engine.after(self._rng.uniform(*params.RESERVE_DELAY_S) * MS_PER_S, self._reserve, order)
        return order.order_id

    def _reserve(self, order: Order) -> None:
        engine = self._engine
        book = self._book
        wh = order.warehouse.warehouse_id
        for sku, qty, _ in order.lines:
            pair = book.pairs[(wh, sku.sku)]
            take = min(qty, pair.available)
            if take <= 0:
                continue
            pair.reserved += take
            order.reserved.append((pair, take))
            engine.emit(
                "inventory.reserved",
                pair.key,
                {
                    "warehouseId": wh,
                    "sku": pair.sku,
                    "quantity": take,
                    "orderId": order.order_id,
                },
            )
        # Reserving (or failing to) is when the buyer notices a low position.
        for sku, _, _ in order.lines:
            self._replenisher.touch(book.pairs[(wh, sku.sku)])
        if order.reserved:
            engine.after(self._rng.uniform(*params.PICK_START_MIN) * MS_PER_MIN, self._pick_start, order)
            return
        order.attempts += 1
        if order.attempts < params.RESERVE_ATTEMPTS:
            engine.after(params.RESERVE_RETRY * MS_PER_H, self._reserve, order)
        else:
            self.dropped += 1

    def _pick_start(self, order: Order) -> None:
        self._engine.emit(
            "warehouse.picking.started",
            order.order_id,
            {
                "orderId": order.order_id,
                "warehouseId": order.warehouse.warehouse_id,
            },
        )
        self._engine.after(self._rng.uniform(*params.PICK_DURATION_MIN) * MS_PER_MIN, self._pick_done, order)

    def _pick_done(self, order: Order) -> None:
        self._engine.emit(
            "warehouse.picking.completed",
            order.order_id,
            {
                "orderId": order.order_id,
                "warehouseId": order.warehouse.warehouse_id,
            },
        )
        self._engine.after(self._rng.uniform(*params.DISPATCH_MIN) * MS_PER_MIN, self._dispatch, order)

    def _dispatch(self, order: Order) -> None:
        engine = self._engine
        wh = order.warehouse.warehouse_id
        for pair, qty in order.reserved:
            pair.reserved -= qty
            engine.emit(
                "inventory.released",
                pair.key,
                {
                    "warehouseId": wh,
                    "sku": pair.sku,
                    "quantity": qty,
                    "orderId": order.order_id,
                },
            )
            pair.on_hand -= qty
            engine.emit(
                "inventory.shipped",
                pair.key,
                {
                    "warehouseId": wh,
                    "sku": pair.sku,
                    "quantity": qty,
                    "orderId": order.order_id,
                },
            )
            self._clerk.movement(pair, -qty)
        self._shipments.create(order.order_id, order.warehouse, order.customer, order.category)
