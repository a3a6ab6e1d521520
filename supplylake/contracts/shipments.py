"""Shipment tracking and telemetry (topic ``shipment-events``, key ``shipmentId``)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from supplylake.contracts.base import Event
from supplylake.contracts.fields import (
    Celsius,
    GeoPoint,
    Latitude,
    Longitude,
    NonBlank,
    Percent,
    Text,
    UtcDatetime,
    WireModel,
)

Category = Literal["GENERAL", "PHARMA", "FROZEN", "FRESH"]


class TemperatureRange(WireModel):
    """Allowed cargo temperature in °C, bounds inclusive."""

    min: Celsius = Field(description="Lowest allowed temperature in °C.")
    max: Celsius = Field(description="Highest allowed temperature in °C.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        # JSON Schema cannot compare two fields, so this rule lives only here.
        if self.min >= self.max:
            raise PydanticCustomError("temperature_range", "min must be below max")
        return self


PHARMA_TEMPERATURE_RANGE = TemperatureRange(min=2.0, max=8.0)
"""Cold chain for medicines (GDP 2–8 °C): applies to PHARMA shipments that state no range."""

_ORDER = "Order the shipment delivers (always on shipment.created, optional on scans)."


class ShipmentEvent(Event):
    family: ClassVar[str] = "shipments"

    shipment_id: NonBlank = Field(description="Shipment.")
    order_id: NonBlank | None = Field(default=None, description=_ORDER)

    def message_key(self) -> str:
        return self.shipment_id


class ShipmentCreated(ShipmentEvent):
    """Closes the order lifecycle and opens tracking, so it carries both ids."""

    event_type: Literal["shipment.created"]
    order_id: NonBlank = Field(description=_ORDER)
    carrier: NonBlank = Field(description="Carrier.")
    warehouse_id: NonBlank = Field(description="Shipping warehouse.")
    expected_delivery: UtcDatetime = Field(description="Carrier's expected delivery, UTC.")
    category: Category = Field(description="Cargo category")
    temperature_range: TemperatureRange | None = Field(
        default=None, description="Allowed cargo temperature; PHARMA shipments that state none get 2–8 °C."
    )
    origin: GeoPoint = Field(description="Where the shipment starts.")
    destination: GeoPoint = Field(description="Where the shipment is delivered.")
    planned_route: Annotated[list[GeoPoint], Field(min_length=2)] | None = Field(
        default=None, description="Waypoints, origin first and destination last."
    )

    @property
    def effective_temperature_range(self) -> TemperatureRange | None:
        """The stated range, else the PHARMA default; ``None`` means no cold-chain constraint."""
        if self.temperature_range is not None:
            return self.temperature_range
        return PHARMA_TEMPERATURE_RANGE if self.category == "PHARMA" else None


class TrackingEvent(ShipmentEvent):
    """A carrier scan along the way; everything beyond the ids is optional."""

    carrier: NonBlank | None = Field(default=None, description="Carrier.")
    location: GeoPoint | None = Field(default=None, description="Where the scan happened.")
    note: Text | None = Field(default=None, description="Carrier note, e.g. why a delivery attempt failed.")


class CarrierPickedUp(TrackingEvent):
    event_type: Literal["carrier.picked_up"]


class InTransit(TrackingEvent):
    event_type: Literal["in.transit"]


class OutForDelivery(TrackingEvent):
    event_type: Literal["out.for.delivery"]


class DeliveryAttempted(TrackingEvent):
    event_type: Literal["delivery.attempted"]


class Delivered(TrackingEvent):
    event_type: Literal["delivered"]


class ShipmentTelemetry(ShipmentEvent):
    """IoT reading from the cargo: position, and temperature/humidity when the sensor has them."""

    event_type: Literal["shipment.telemetry"]
    lat: Latitude = Field(description="Latitude.")
    lon: Longitude = Field(description="Longitude.")
    temperature: Celsius | None = Field(default=None, description="Cargo temperature in °C, when the sensor has one.")
    humidity: Percent | None = Field(default=None, description="Relative humidity in %, when the sensor has one.")


MODELS: tuple[type[ShipmentEvent], ...] = (
    ShipmentCreated,
    CarrierPickedUp,
    InTransit,
    OutForDelivery,
    DeliveryAttempted,
    Delivered,
    ShipmentTelemetry,
)
