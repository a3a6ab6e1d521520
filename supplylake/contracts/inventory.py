"""Inventory movements per warehouse x SKU (topic ``inventory-events``, key ``warehouseId:sku``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from supplylake.contracts.base import Event
from supplylake.contracts.fields import Int64, Money, NonBlank, NonNegativeQty, NonZeroQty, PositiveQty

_UNITS = "Units moved, always positive."
_ORDER = "Customer order the shipment or reservation belongs to."


class InventoryEvent(Event):
    family: ClassVar[str] = "inventory"

    warehouse_id: NonBlank = Field(description="Warehouse, e.g. WH-Dallas-01.")
    sku: NonBlank = Field(description="Stock keeping unit.")
    # Every inventory event moves or sets a quantity; each type narrows the rule and says what it means.
    quantity: Int64 = Field(description="Units.")

    def message_key(self) -> str:
        return f"{self.warehouse_id}:{self.sku}"


class InventoryReceived(InventoryEvent):
    """Goods arrived; a receipt against a PO carries ``poId`` and ``supplierId``."""

    event_type: Literal["inventory.received"]
    quantity: PositiveQty = Field(description=_UNITS)
    supplier_id: NonBlank | None = Field(default=None, description="Supplier.")
    batch_id: NonBlank | None = Field(default=None, description="Supplier batch / lot.")
    po_id: NonBlank | None = Field(default=None, description="Purchase order the receipt belongs to.")
    unit_cost: Money | None = Field(default=None, description="Cost per unit in the company currency.")


class InventoryShipped(InventoryEvent):
    event_type: Literal["inventory.shipped"]
    quantity: PositiveQty = Field(description=_UNITS)
    order_id: NonBlank | None = Field(default=None, description=_ORDER)


class InventoryAdjusted(InventoryEvent):
    """Signed correction (damage, shrinkage, found stock) with a reason."""

    event_type: Literal["inventory.adjusted"]
    quantity: NonZeroQty = Field(description="Signed change of the units on hand, never 0.")
    reason: NonBlank = Field(description="Reason of the adjustment, e.g. damage, shrinkage or found stock.")


class InventoryCounted(InventoryEvent):
    """Cycle count: ``quantity`` is the counted on-hand level, which replaces the running level."""

    event_type: Literal["inventory.counted"]
    quantity: NonNegativeQty = Field(description="The counted level, which replaces the units on hand.")


class InventoryReserved(InventoryEvent):
    event_type: Literal["inventory.reserved"]
    quantity: PositiveQty = Field(description=_UNITS)
    order_id: NonBlank | None = Field(default=None, description=_ORDER)


class InventoryReleased(InventoryEvent):
    event_type: Literal["inventory.released"]
    quantity: PositiveQty = Field(description=_UNITS)
    order_id: NonBlank | None = Field(default=None, description=_ORDER)


MODELS: tuple[type[InventoryEvent], ...] = (
    InventoryReceived,
    InventoryShipped,
    InventoryAdjusted,
    InventoryCounted,
    InventoryReserved,
    InventoryReleased,
)
