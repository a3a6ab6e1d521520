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
    Text,
    UtcDatetime,
    WireModel,
)

_PO = "Purchase order, e.g. PO-2025-0042."


class PoLine(WireModel):
    sku: NonBlank = Field(description="Stock keeping unit.")
    quantity: PositiveQty = Field(description="Units ordered from the supplier.")
    unit_cost: Money = Field(description="Agreed cost per unit in the company currency.")


class AsnLine(WireModel):
    sku: NonBlank = Field(description="Stock keeping unit.")
    quantity: PositiveQty = Field(description="Units the supplier says are on their way.")


class SupplierEvent(Event):
    family: ClassVar[str] = "suppliers"

    supplier_id: NonBlank = Field(description="Supplier, e.g. SUPP-8472.")

    def message_key(self) -> str:
        return self.supplier_id


class PoCreated(SupplierEvent):
    event_type: Literal["po.created"]
    po_id: NonBlank = Field(description=_PO)
    warehouse_id: NonBlank = Field(description="Warehouse the goods are ordered for.")
    promised_date: UtcDatetime = Field(description="Delivery date the supplier promised, UTC.")
    lines: Annotated[list[PoLine], Field(min_length=1)] = Field(description="Purchase order lines.")
    port: NonBlank | None = Field(
        default=None,
        description="Port of entry the goods come through (imports); absent for domestic supply. Port "
        "closures (external-signals) delay the PO's open lines through it.",
    )
    warehouse_region: NonBlank | None = Field(
        default=None,
        description="Region of the warehouse, as external signals name regions (e.g. US-WEST). Weather "
        "alerts for the region delay the PO's open lines.",
    )


class AsnSent(SupplierEvent):
    """Advance shipping notice: what the supplier says is on its way for a PO."""

    event_type: Literal["asn.sent"]
    asn_id: NonBlank = Field(description="Advance shipping notice.")
    po_id: NonBlank = Field(description=_PO)
    expected_arrival: UtcDatetime = Field(description="When the supplier expects the goods to arrive, UTC.")
    lines: list[AsnLine] = Field(description="What is on its way.")


class SupplierLeadTimeChanged(SupplierEvent):
    event_type: Literal["supplier.leadtime.changed"]
    previous_lead_time_days: NonNegativeNumber = Field(description="Lead time in days before the change.")
    new_lead_time_days: NonNegativeNumber = Field(description="Lead time in days from now on.")
    reason: Text | None = Field(default=None, description="Why the lead time changed.")


class QualityRejected(SupplierEvent):
    event_type: Literal["quality.rejected"]
    po_id: NonBlank = Field(description=_PO)
    warehouse_id: NonBlank = Field(description="Warehouse that inspected the goods.")
    sku: NonBlank = Field(description="Stock keeping unit.")
    quantity: PositiveQty = Field(description="Units rejected.")
    reason: NonBlank = Field(description="Why the goods were rejected.")


MODELS: tuple[type[SupplierEvent], ...] = (PoCreated, AsnSent, SupplierLeadTimeChanged, QualityRejected)
