"""Event contracts: the wire format of every event family as pydantic models.

``parse_event`` turns bytes off a topic into a validated :class:`Event` or raises an
:class:`InvalidEvent` with a stable ``code`` and a one-line ``reason``. See docs/wire-format.md.
"""

from supplylake.contracts.base import EVENT_ID_NAMESPACE, Event, derive_event_id
from supplylake.contracts.cdc import DebeziumSource, ErpChange
from supplylake.contracts.errors import ContractViolation, InvalidEvent, MalformedEvent, UnknownEventType
from supplylake.contracts.fields import GeoPoint
from supplylake.contracts.inventory import (
    InventoryAdjusted,
    InventoryCounted,
    InventoryEvent,
    InventoryReceived,
    InventoryReleased,
    InventoryReserved,
    InventoryShipped,
)
from supplylake.contracts.json_schema import export_json_schemas, json_schema_for
from supplylake.contracts.orders import OrderEvent, OrderLine, OrderPlaced, PickingCompleted, PickingStarted
from supplylake.contracts.parse import contract_violation, parse_event
from supplylake.contracts.registry import (
    EVENT_TYPES,
    FAMILIES,
    Family,
    event_type_of,
    family_of,
    message_key,
    model_for,
)
from supplylake.contracts.sales import SaleEvent, SaleRecorded
from supplylake.contracts.shipments import (
    PHARMA_TEMPERATURE_RANGE,
    CarrierPickedUp,
    Delivered,
    DeliveryAttempted,
    InTransit,
    OutForDelivery,
    ShipmentCreated,
    ShipmentEvent,
    ShipmentTelemetry,
    TemperatureRange,
    TrackingEvent,
)
from supplylake.contracts.signals import PortClosure, SignalEvent, WeatherAlert
from supplylake.contracts.suppliers import (
    AsnLine,
    AsnSent,
    PoCreated,
    PoLine,
    QualityRejected,
    SupplierEvent,
    SupplierLeadTimeChanged,
)

__all__ = [
    "EVENT_ID_NAMESPACE",
    "EVENT_TYPES",
    "FAMILIES",
    "PHARMA_TEMPERATURE_RANGE",
    "AsnLine",
    "AsnSent",
    "CarrierPickedUp",
    "ContractViolation",
    "DebeziumSource",
    "Delivered",
    "DeliveryAttempted",
    "ErpChange",
    "Event",
    "Family",
    "GeoPoint",
    "InTransit",
    "InvalidEvent",
    "InventoryAdjusted",
    "InventoryCounted",
    "InventoryEvent",
    "InventoryReceived",
    "InventoryReleased",
    "InventoryReserved",
    "InventoryShipped",
    "MalformedEvent",
    "OrderEvent",
    "OrderLine",
    "OrderPlaced",
    "OutForDelivery",
    "PickingCompleted",
    "PickingStarted",
    "PoCreated",
    "PoLine",
    "PortClosure",
    "QualityRejected",
    "SaleEvent",
    "SaleRecorded",
    "ShipmentCreated",
    "ShipmentEvent",
    "ShipmentTelemetry",
    "SignalEvent",
    "SupplierEvent",
    "SupplierLeadTimeChanged",
    "TemperatureRange",
    "TrackingEvent",
    "UnknownEventType",
    "WeatherAlert",
    "contract_violation",
    "derive_event_id",
    "event_type_of",
    "export_json_schemas",
    "family_of",
    "json_schema_for",
    "message_key",
    "model_for",
    "parse_event",
]
