"""External disruption signals per region (topic ``external-signals``, key ``region``)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from supplylake.contracts.base import Event
from supplylake.contracts.fields import NonBlank, Severity, UtcDatetime


class SignalEvent(Event):
    family: ClassVar[str] = "signals"

    region: NonBlank = Field(description="Region the signal concerns.")
    starts_at: UtcDatetime = Field(description="When the disruption starts, UTC.")
    ends_at: UtcDatetime | None = Field(default=None, description="When it ends, UTC; absent while unknown.")

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, value: Any, info: ValidationInfo) -> Any:
        # Cross-field rule: not expressible in JSON Schema, enforced here only.
        starts_at = info.data.get("starts_at")
        if value is not None and starts_at is not None and value < starts_at:
            raise PydanticCustomError("ends_before_start", "Input should not be before startsAt")
        return value

    def message_key(self) -> str:
        return self.region


class PortClosure(SignalEvent):
    event_type: Literal["port.closure"]
    port: NonBlank = Field(description="Closed port.")
    severity: Severity = Field(description="How badly traffic is affected.")


class WeatherAlert(SignalEvent):
    # The wire format does not fix weather severities (feeds use their own scales), so any
    # non-blank label is accepted.
    event_type: Literal["weather.alert"]
    severity: NonBlank = Field(description="Severity on the feed's own scale.")
    description: NonBlank = Field(description="The alert text as issued.")


MODELS: tuple[type[SignalEvent], ...] = (PortClosure, WeatherAlert)
