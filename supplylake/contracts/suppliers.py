"""Purchase orders and supplier performance (topic ``supplier-events``, key ``supplierId``).

Receipts against a PO are ``inventory.received`` events carrying ``poId`` and ``supplierId``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from supplylake.contracts.base import Event
from supplylake.contracts.fields import (
    Money,
    NonBlank,
    NonNegativeNumber,
    PositiveQty,
    UtcDatetime,
    WireModel,
)


class PoLine(WireModel):
    sku: NonBlank
    quantity: PositiveQty
    unit_cost: Money


class AsnLine(WireModel):
    sku: NonBlank
    quantity: PositiveQty


class SupplierEvent(Event):
    family: ClassVar[str] = "suppliers"

    supplier_id: NonBlank

    def message_key(self) -> str:
        return self.supplier_id


class PoCreated(SupplierEvent):
    event_type: Literal["po.created"]
    po_id: NonBlank
    warehouse_id: NonBlank
    promised_date: UtcDatetime
    lines: Annotated[list[PoLine], Field(min_length=1)]


class AsnSent(SupplierEvent):
    """Advance shipping notice: what the supplier says is on its way for a PO."""

    event_type: Literal["asn.sent"]
    asn_id: NonBlank
    po_id: NonBlank
    expected_arrival: UtcDatetime
    lines: list[AsnLine]


class SupplierLeadTimeChanged(SupplierEvent):
    event_type: Literal["supplier.leadtime.changed"]
    previous_lead_time_days: NonNegativeNumber
    new_lead_time_days: NonNegativeNumber
    reason: str | None = None


class QualityRejected(SupplierEvent):
    event_type: Literal["quality.rejected"]
    po_id: NonBlank
    warehouse_id: NonBlank
    sku: NonBlank
    quantity: PositiveQty
    reason: NonBlank


MODELS: tuple[type[SupplierEvent], ...] = (PoCreated, AsnSent, SupplierLeadTimeChanged, QualityRejected)
