"""Demand: point-of-sale and web sales (topic ``sales-events``, key ``sku``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from supplylake.contracts.base import Event
from supplylake.contracts.fields import Money, NonBlank, PositiveQty


class SaleEvent(Event):
    family: ClassVar[str] = "sales"

    sku: NonBlank

    def message_key(self) -> str:
        return self.sku


class SaleRecorded(SaleEvent):
    event_type: Literal["sale.recorded"]
    region: NonBlank
    channel: Literal["pos", "web"]
    quantity: PositiveQty
    unit_price: Money
    store_id: NonBlank | None = None
    order_id: NonBlank | None = None


MODELS: tuple[type[SaleEvent], ...] = (SaleRecorded,)
