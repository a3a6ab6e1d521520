"""Order lifecycle up to shipping (topic ``order-events``, key ``orderId``).

``shipment.created`` closes this lifecycle but travels on ``shipment-events``; see shipments.py.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from supplylake.contracts.base import Event
from supplylake.contracts.fields import Money, NonBlank, PositiveQty, UtcDatetime, WireModel


class OrderLine(WireModel):
    sku: NonBlank
    quantity: PositiveQty
    unit_price: Money


class OrderEvent(Event):
    family: ClassVar[str] = "orders"

    order_id: NonBlank

    def message_key(self) -> str:
        return self.order_id


class OrderPlaced(OrderEvent):
    event_type: Literal["order.placed"]
    customer_id: NonBlank
    region: NonBlank
    warehouse_id: NonBlank
    promised_delivery: UtcDatetime
    lines: Annotated[list[OrderLine], Field(min_length=1)]


class PickingStarted(OrderEvent):
    event_type: Literal["warehouse.picking.started"]
    warehouse_id: NonBlank


class PickingCompleted(OrderEvent):
    event_type: Literal["warehouse.picking.completed"]
    warehouse_id: NonBlank


MODELS: tuple[type[OrderEvent], ...] = (OrderPlaced, PickingStarted, PickingCompleted)
