"""The pipelines supplylake runs: one :class:`PipelineSpec` per app, each loading its app lazily.

Adding a pipeline: its app under ``pipelines/<name>/app.py`` with a
``build(settings, connection, mode)``, and one spec here. Importing this module imports no
Quix code; ``spec.load()`` does, for that one pipeline only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from supplylake.pipelines.orders.topics import BY_ORDER_SUFFIX
from supplylake.pipelines.spec import PipelineBuilder, PipelineSpec
from supplylake.pipelines.suppliers.topics import BY_PO_SUFFIX, BY_SUPPLIER_SUFFIX
from supplylake.settings import ConfigError, Settings


def _inventory() -> PipelineBuilder:
    from supplylake.pipelines.inventory.app import build

    return build


def _shipments() -> PipelineBuilder:
    from supplylake.pipelines.shipments.app import build

    return build


def _orders() -> PipelineBuilder:
    from supplylake.pipelines.orders.app import build

    return build


def _demand() -> PipelineBuilder:
    from supplylake.pipelines.demand.app import build

    return build


def _suppliers() -> PipelineBuilder:
    from supplylake.pipelines.suppliers.app import build

    return build


PIPELINES: Mapping[str, PipelineSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            PipelineSpec("inventory", ("inventory",), _inventory),
            PipelineSpec("shipments", ("shipments",), _shipments, control_families=("shipments",)),
            # Reads shipment-events too (the lifecycle events), re-keyed by orderId through its
            # internal topic; see pipelines/orders/app.py.
            PipelineSpec("orders", ("orders", "shipments"), _orders, internal_suffixes=(BY_ORDER_SUFFIX,)),
            # Reads the PO receipts of inventory-events too, re-keyed by poId and then the line facts
            # by supplierId; its clock moves by control records in the by-po topic itself. See
            # pipelines/suppliers/app.py.
            PipelineSpec(
                "suppliers",
                ("suppliers", "inventory"),
                _suppliers,
                internal_suffixes=(BY_PO_SUFFIX, BY_SUPPLIER_SUFFIX),
                watermark_suffixes=(BY_PO_SUFFIX,),
            ),
            # Reads the inventory.shipped of inventory-events too (outbound consumption), and the
            # external signals (stored as received, no clock); its windows close by control records
            # in the sales and inventory topics. See pipelines/demand/app.py.
            PipelineSpec("demand", ("sales", "inventory", "signals"), _demand, control_families=("sales", "inventory")),
        )
    }
)


def enabled_pipelines(settings: Settings) -> Mapping[str, PipelineSpec]:
    """The pipelines ``settings.pipelines`` selects (every one when it is None), in catalog order."""
    if settings.pipelines is None:
        return PIPELINES
    unknown = sorted(set(settings.pipelines) - set(PIPELINES))
    if unknown:
        raise ConfigError(
            f"SUPPLYLAKE_PIPELINES names unknown pipelines: {', '.join(unknown)}",
            hint=f"choose among {', '.join(PIPELINES)}, e.g. SUPPLYLAKE_PIPELINES='[\"inventory\"]'",
        )
    return MappingProxyType({name: spec for name, spec in PIPELINES.items() if name in settings.pipelines})
