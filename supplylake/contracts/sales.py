"""Demand: point-of-sale and web sales (topic ``sales-events``, key ``sku``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from supplylake.contracts.base import Event
from supplylake.contracts.fields import Money, NonBlank, PositiveQty


class SaleEvent(Event):
    family: ClassVar[str] = "sales"

    sku: NonBlank = Field(description="Stock keeping unit sold.")

    def message_key(self) -> str:
        return self.sku


class SaleRecorded(SaleEvent):
    event_type: Literal["sale.recorded"]
    region: NonBlank = Field(description="Sales region.")
    channel: Literal["pos", "web"] = Field(description="Point of sale or web shop.")
    quantity: PositiveQty = Field(description="Units sold.")
    unit_price: Money = Field(description="Price per unit in the company currency.")
    store_id: NonBlank | None = Field(default=None, description="Store, for point-of-sale sales.")
    order_id: NonBlank | None = Field(default=None, description="Customer order, for web sales.")


MODELS: tuple[type[SaleEvent], ...] = (SaleRecorded,)
