"""Inventory movements per warehouse x SKU (topic ``inventory-events``, key ``warehouseId:sku``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from supplylake.contracts.base import Event
from supplylake.contracts.fields import Money, NonBlank, NonNegativeQty, NonZeroQty, PositiveQty


class InventoryEvent(Event):
    family: ClassVar[str] = "inventory"

    warehouse_id: NonBlank
    sku: NonBlank

    def message_key(self) -> str:
        return f"{self.warehouse_id}:{self.sku}"


class InventoryReceived(InventoryEvent):
    """Goods arrived; a receipt against a PO carries ``poId`` and ``supplierId``."""

    event_type: Literal["inventory.received"]
    quantity: PositiveQty
    supplier_id: NonBlank | None = None
    batch_id: NonBlank | None = None
    po_id: NonBlank | None = None
    unit_cost: Money | None = None


class InventoryShipped(InventoryEvent):
    event_type: Literal["inventory.shipped"]
    quantity: PositiveQty
    order_id: NonBlank | None = None


class InventoryAdjusted(InventoryEvent):
    """Signed correction (damage, shrinkage, found stock) with a reason."""

    event_type: Literal["inventory.adjusted"]
    quantity: NonZeroQty
    reason: NonBlank


class InventoryCounted(InventoryEvent):
    """Cycle count: ``quantity`` is the counted on-hand level, which replaces the running level."""

    event_type: Literal["inventory.counted"]
    quantity: NonNegativeQty


class InventoryReserved(InventoryEvent):
    event_type: Literal["inventory.reserved"]
    quantity: PositiveQty
    order_id: NonBlank | None = None


class InventoryReleased(InventoryEvent):
    event_type: Literal["inventory.released"]
    quantity: PositiveQty
    order_id: NonBlank | None = None


MODELS: tuple[type[InventoryEvent], ...] = (
    InventoryReceived,
    InventoryShipped,
    InventoryAdjusted,
    InventoryCounted,
    InventoryReserved,
    InventoryReleased,
)
