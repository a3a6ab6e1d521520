"""Which model, family, default topic and Kafka key belong to each event type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import get_args

from supplylake.contracts import cdc, inventory, orders, sales, shipments, signals, suppliers
from supplylake.contracts.base import Event
from supplylake.contracts.errors import UnknownEventType


@dataclass(frozen=True, slots=True)
class Family:
    """One event source: its topic (one per source), its Kafka message key and its event types."""

    name: str
    default_topic: str
    # Wire fields whose values, joined by ":", are the message key. Empty when the key is not a
    # fixed set of fields (ERP change data: the changed row's primary key, see contracts/cdc.py).
    key_fields: tuple[str, ...]
    event_types: tuple[str, ...]

    @property
    def key(self) -> str:
        """The key as documented in docs/wire-format.md (``warehouseId:sku``)."""
        return ":".join(self.key_fields) or "primary key"

    @property
    def is_source(self) -> bool:
        """One topic of its own that producers write and file replay routes to by the key fields.

        ERP change data is not: Debezium writes one topic per table (``erp.<schema>.<table>``).
        """
        return bool(self.key_fields)


def event_type_of(model: type[Event]) -> str:
    """The ``eventType`` a model carries (its ``Literal``): the one spelling of every event type."""
    (value,) = get_args(model.model_fields["event_type"].annotation)
    return value


# The one home of family -> default topic -> key (settings, routing and the pipelines derive
# theirs from it). (family, default topic, key fields, models); order follows docs/wire-format.md.
_FAMILY_TABLE: tuple[tuple[str, str, tuple[str, ...], tuple[type[Event], ...]], ...] = (
    ("inventory", "inventory-events", ("warehouseId", "sku"), inventory.MODELS),
    ("orders", "order-events", ("orderId",), orders.MODELS),
    ("shipments", "shipment-events", ("shipmentId",), shipments.MODELS),
    ("suppliers", "supplier-events", ("supplierId",), suppliers.MODELS),
    ("sales", "sales-events", ("sku",), sales.MODELS),
    ("signals", "external-signals", ("region",), signals.MODELS),
    # Real ERP topics are erp.<schema>.<table>; this is the documented example.
    ("erp", "erp.public.inventory", (), cdc.MODELS),
)

EVENT_TYPES: Mapping[str, type[Event]] = MappingProxyType(
    {event_type_of(model): model for *_, models in _FAMILY_TABLE for model in models}
)
FAMILIES: Mapping[str, Family] = MappingProxyType(
    {
        name: Family(name, topic, key, tuple(event_type_of(model) for model in models))
        for name, topic, key, models in _FAMILY_TABLE
    }
)
# Families with a topic of their own, in table order (all but ERP change data).
SOURCE_FAMILIES: tuple[str, ...] = tuple(family.name for family in FAMILIES.values() if family.is_source)
_FAMILY_BY_TYPE: Mapping[str, str] = MappingProxyType(
    {event_type: family.name for family in FAMILIES.values() for event_type in family.event_types}
)


def _unknown(event_type: object) -> UnknownEventType:
    return UnknownEventType(
        f"field 'eventType': unknown event type {event_type!r}; see docs/wire-format.md for the known types",
        code="unknown_event_type",
    )


def model_for(event_type: str) -> type[Event]:
    """The model class of ``event_type``; raises :class:`UnknownEventType`."""
    try:
        return EVENT_TYPES[event_type]
    except (KeyError, TypeError):
        raise _unknown(event_type) from None


def family_of(event_type: str) -> str:
    """The family name (``inventory``, ``orders``…) of ``event_type``; raises :class:`UnknownEventType`."""
    try:
        return _FAMILY_BY_TYPE[event_type]
    except (KeyError, TypeError):
        raise _unknown(event_type) from None


def message_key(event: Event) -> str:
    """The Kafka message key of ``event``, per its family (``warehouseId:sku``, ``orderId``…)."""
    return event.message_key()
