"""Order lifecycle up to shipping (topic ``order-events``, key ``orderId``).

``shipment.created`` closes this lifecycle but travels on ``shipment-events``; see shipments.py.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from supplylake.contracts.base import Event
from supplylake.contracts.fields import Money, NonBlank, PositiveQty, UtcDatetime, WireModel

_WAREHOUSE = "Fulfilling warehouse."


class OrderLine(WireModel):
    sku: NonBlank = Field(description="Stock keeping unit.")
    quantity: PositiveQty = Field(description="Units ordered.")
    unit_price: Money = Field(description="Price per unit in the company currency.")


class OrderEvent(Event):
    family: ClassVar[str] = "orders"

    order_id: NonBlank = Field(description="Customer order.")

    def message_key(self) -> str:
        return self.order_id


class OrderPlaced(OrderEvent):
    event_type: Literal["order.placed"]
    customer_id: NonBlank = Field(description="Customer.")
    region: NonBlank = Field(description="Delivery region.")
    warehouse_id: NonBlank = Field(description=_WAREHOUSE)
    promised_delivery: UtcDatetime = Field(description="Delivery promised to the customer, UTC.")
    lines: Annotated[list[OrderLine], Field(min_length=1)] = Field(description="Order lines.")


class PickingStarted(OrderEvent):
    event_type: Literal["warehouse.picking.started"]
    warehouse_id: NonBlank = Field(description=_WAREHOUSE)


class PickingCompleted(OrderEvent):
    event_type: Literal["warehouse.picking.completed"]
    warehouse_id: NonBlank = Field(description=_WAREHOUSE)


MODELS: tuple[type[OrderEvent], ...] = (OrderPlaced, PickingStarted, PickingCompleted)
