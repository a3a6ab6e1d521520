"""Replenishment: reorder-point reviews, purchase orders, ASNs and receipts.

When a stocked pair's inventory position drops below its reorder point the warehouse's buyer
reviews within the hour and orders up to the target level, one PO per supplier. Suppliers ship
part-way through their lead time and arrive on time with their reliability; otherwise late by
the supplier's ``late_hours``. Lines can be short-shipped (or over-shipped, by suppliers with an
``over_ship_rate``) and partly rejected at inspection.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from random import Random
from typing import Any

from supplylake.simulator import params
from supplylake.simulator.disruptions import Disruptions
from supplylake.simulator.engine import MS_PER_DAY, MS_PER_H, MS_PER_MIN, Engine
from supplylake.simulator.erp import ErpClerk
from supplylake.simulator.stock import PairState, StockBook
from supplylake.simulator.world import Supplier, World

_JUMP_REASONS = ("raw material shortage", "capacity constraint", "labour strike", "factory retooling")
_REJECT_REASONS = (
    "damaged packaging",
    "failed inspection",
    "wrong item",
    "expired shelf life",
    "temperature log incomplete",
)


class _PurchaseOrder:
    __slots__ = ("lines", "po_id", "shipped", "supplier", "warehouse_id")

    def __init__(
        self, po_id: str, supplier: Supplier, warehouse_id: str, lines: list[tuple[PairState, int, float]]
    ) -> None:
        self.po_id = po_id
        self.supplier = supplier
        self.warehouse_id = warehouse_id
        self.lines = lines  # (pair, ordered, unit cost)
        self.shipped: list[int] = []


class Replenisher:
    def __init__(
        self,
        engine: Engine,
        rng: Random,
        world: World,
        book: StockBook,
        clerk: ErpClerk,
        disruptions: Disruptions,
        tag: str,
    ) -> None:
        self._engine = engine
        self._rng = rng
        self._book = book
        self._clerk = clerk
        self._disruptions = disruptions
        self._tag = tag
        self._suppliers = {s.supplier_id: s for s in world.suppliers}
        self._regions = {w.warehouse_id: w.region for w in world.warehouses}
        self._lead_days = {s.supplier_id: s.lead_time_days for s in world.suppliers}
        self._queue: dict[str, list[PairState]] = {}
        self._po_count = 0
        self._batch_count = 0
        self.purchase_orders = 0

    def start(self) -> None:
        gap = self._rng.expovariate(params.LEADTIME_CHANGES_PER_DAY / MS_PER_DAY)
        self._engine.at(self._engine.now + int(gap), self._random_lead_time_change)

    # --- reorder point --------------------------------------------------------------------------

    def touch(self, pair: PairState) -> None:
        """Stock position may have dropped: queue the pair for its warehouse's next review."""
        if pair.flagged or pair.position >= pair.reorder_point:
            return
        pair.flagged = True
        queue = self._queue.get(pair.warehouse_id)
        if queue is None:
            self._queue[pair.warehouse_id] = [pair]
            delay = self._rng.uniform(*params.REVIEW_DELAY_MIN) * MS_PER_MIN
            self._engine.after(delay, self._review, pair.warehouse_id)
        else:
            queue.append(pair)

    def _review(self, warehouse_id: str) -> None:
        by_supplier: dict[str, list[tuple[PairState, int, float]]] = {}
        for pair in self._queue.pop(warehouse_id, []):
            pair.flagged = False
            gap = pair.order_up_to - pair.position
            if pair.position >= pair.reorder_point or gap <= 0:
                continue
            pack = pair.item.case_pack
            qty = math.ceil(gap / pack) * pack
            cost = round(pair.item.unit_cost * self._rng.uniform(*params.COST_JITTER), 2)
            by_supplier.setdefault(pair.item.supplier_id, []).append((pair, qty, cost))
        for supplier_id, lines in by_supplier.items():
            self._create_po(self._suppliers[supplier_id], warehouse_id, lines)

    # --- purchase order lifecycle ---------------------------------------------------------------

    def _create_po(self, supplier: Supplier, warehouse_id: str, lines: list[tuple[PairState, int, float]]) -> None:
        engine, rng = self._engine, self._rng
        now = engine.now
        self._po_count += 1
        self.purchase_orders += 1
        po = _PurchaseOrder(f"PO-{self._tag}-{self._po_count:06d}", supplier, warehouse_id, lines)
        lead_ms = int(self._lead_days[supplier.supplier_id] * MS_PER_DAY)
        promised = now + lead_ms
        for pair, qty, _ in lines:
            pair.on_order += qty
        fields: dict[str, Any] = {
            "supplierId": supplier.supplier_id,
            "poId": po.po_id,
            "warehouseId": warehouse_id,
            "promisedDate": engine.timestamps.seconds(promised),
            "lines": [{"sku": p.sku, "quantity": q, "unitCost": c} for p, q, c in lines],
            "warehouseRegion": self._regions[warehouse_id],
        }
        if supplier.entry_port is not None:
            fields["port"] = supplier.entry_port
        engine.emit("po.created", supplier.supplier_id, fields)
        ship_ms = now + int(lead_ms * rng.uniform(*params.SHIP_FRACTION))
        if rng.random() < supplier.reliability:
            arrival = max(ship_ms + 12 * MS_PER_H, promised - int(rng.uniform(*params.EARLY_ARRIVAL) * MS_PER_H))
        else:
            arrival = promised + int(rng.uniform(*supplier.late_hours) * MS_PER_H)
        engine.at(ship_ms, self._send_asn, (po, arrival))

    def _send_asn(self, job: tuple[_PurchaseOrder, int]) -> None:
        po, arrival = job
        engine, rng = self._engine, self._rng
        # A closure of its port, or weather at its warehouse, known when the goods ship holds them.
        for reopens in (
            self._disruptions.port_closed_until(po.supplier.entry_port, arrival),
            self._disruptions.weather_until(self._regions[po.warehouse_id], arrival),
        ):
            if reopens is not None:
                # Drawn apart from the world's stream, which a hold then leaves as it was.
                arrival = reopens + int(Random(po.po_id).uniform(12, 48) * MS_PER_H)
        for _, qty, _ in po.lines:
            po.shipped.append(self._shipped_quantity(po.supplier, qty))
        engine.emit(
            "asn.sent",
            po.supplier.supplier_id,
            {
                "supplierId": po.supplier.supplier_id,
                "asnId": po.po_id.replace("PO-", "ASN-", 1),
                "poId": po.po_id,
                # The supplier's estimate, to the hour.
                "expectedArrival": engine.timestamps.seconds(arrival - arrival % MS_PER_H),
                "lines": [{"sku": p.sku, "quantity": q} for (p, _, _), q in zip(po.lines, po.shipped, strict=True)],
            },
        )
        t = arrival
        for index in range(len(po.lines)):
            engine.at(t, self._receive, (po, index))
            t += int(rng.uniform(*params.RECEIPT_STAGGER_MIN) * MS_PER_MIN)

    def _shipped_quantity(self, supplier: Supplier, ordered: int) -> int:
        """What the supplier ships of an ordered line: all, short, or (if it ever does) over.

        A supplier whose ``over_ship_rate`` is zero is never asked (no random draw is made), so
        the default world's stream does not depend on over-shipping existing.
        """
        rng = self._rng
        if rng.random() < supplier.short_ship_rate:
            return max(1, round(ordered * rng.uniform(*params.SHORT_SHIP_FILL)))
        if supplier.over_ship_rate > 0 and rng.random() < supplier.over_ship_rate:
            return max(ordered + 1, round(ordered * rng.uniform(*params.OVER_SHIP_FILL)))
        return ordered

    def _receive(self, job: tuple[_PurchaseOrder, int]) -> None:
        """A line arrives: received in full, then what fails inspection is rejected and taken out.

        ``inventory.received`` carries what arrived (the shipped quantity), so the supplier domain's
        ``accepted = received - rejected`` counts a rejection once; the rejected units leave the
        stock again as an ``inventory.adjusted`` of ``-rejected`` right after the
        ``quality.rejected``, and on hand ends ``accepted`` higher.
        """
        po, index = job
        engine, rng = self._engine, self._rng
        pair, ordered, cost = po.lines[index]
        shipped = po.shipped[index]
        supplier_id = po.supplier.supplier_id
        rejected = 0
        reason = ""
        if rng.random() < po.supplier.rejection_rate:
            rejected = min(shipped, max(1, round(shipped * rng.uniform(*params.REJECT_SHARE))))
            reason = _REJECT_REASONS[rng.randrange(len(_REJECT_REASONS))]
        pair.on_order -= ordered
        self._batch_count += 1
        day = datetime.fromtimestamp(engine.now // 1000, UTC)
        engine.emit(
            "inventory.received",
            pair.key,
            {
                "warehouseId": pair.warehouse_id,
                "sku": pair.sku,
                "quantity": shipped,
                "supplierId": supplier_id,
                "batchId": f"BATCH-{day:%Y-%m%d}-{self._batch_count:04d}",
                "poId": po.po_id,
                "unitCost": cost,
            },
        )
        if rejected:
            engine.emit(
                "quality.rejected",
                supplier_id,
                {
                    "supplierId": supplier_id,
                    "poId": po.po_id,
                    "warehouseId": pair.warehouse_id,
                    "sku": pair.sku,
                    "quantity": rejected,
                    "reason": reason,
                },
            )
            engine.emit(
                "inventory.adjusted",
                pair.key,
                {
                    "warehouseId": pair.warehouse_id,
                    "sku": pair.sku,
                    "quantity": -rejected,
                    "reason": f"quality rejected: {reason}",
                },
            )
        accepted = shipped - rejected
        if accepted > 0:
            # Rejected units go back to the supplier unvalued: only the accepted ones move the cost.
            total = pair.on_hand + accepted
            pair.avg_cost = (max(pair.on_hand, 0) * pair.avg_cost + accepted * cost) / total
            pair.on_hand = total
            # The ERP books the receipt net of its rejection, as one movement.
            self._clerk.movement(pair, accepted)
        # Short or rejected lines leave the position low: the next review re-orders.
        self.touch(pair)

    # --- lead times -----------------------------------------------------------------------------

    def jump_lead_time(self, port: str) -> None:
        """A severe port closure: one supplier shipping through ``port`` announces a jump."""
        affected = [s for s in self._suppliers.values() if s.entry_port == port]
        if affected:
            supplier = affected[self._rng.randrange(len(affected))]
            delay = self._rng.uniform(1, 6) * MS_PER_H
            self._engine.after(delay, self._change_lead_time, (supplier, "port congestion"))

    def _random_lead_time_change(self, _: Any = None) -> None:
        suppliers = list(self._suppliers.values())
        supplier = suppliers[self._rng.randrange(len(suppliers))]
        self._change_lead_time((supplier, None))
        gap = self._rng.expovariate(params.LEADTIME_CHANGES_PER_DAY / MS_PER_DAY)
        self._engine.after(gap, self._random_lead_time_change)

    def _change_lead_time(self, job: tuple[Supplier, str | None]) -> None:
        supplier, reason = job
        previous = self._lead_days[supplier.supplier_id]
        if previous > supplier.lead_time_days and reason is None:
            new, reason = supplier.lead_time_days, "capacity recovered"
        else:
            # Capped so that repeated port trouble cannot compound into absurd lead times.
            jumped = round(previous * self._rng.uniform(*params.LEADTIME_JUMP))
            new = float(min(jumped, round(supplier.lead_time_days * params.LEADTIME_JUMP[1] ** 2)))
            reason = reason or _JUMP_REASONS[self._rng.randrange(len(_JUMP_REASONS))]
        if new == previous:
            return
        self._lead_days[supplier.supplier_id] = new
        self._engine.emit(
            "supplier.leadtime.changed",
            supplier.supplier_id,
            {
                "supplierId": supplier.supplier_id,
                "previousLeadTimeDays": previous,
                "newLeadTimeDays": new,
                "reason": reason,
            },
        )
