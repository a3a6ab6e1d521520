"""Field types shared by the event models, each carrying its business rule and its JSON Schema.

Rules live in the type (not in per-model validators) so that a rule and its schema keyword are
written once, and so that the exported JSON Schema and the model cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

# RFC 3339 date-time with a mandatory zone. JSON Schema validators do not check `format` unless
# asked to, so producers validating with the exported schema get this pattern as the real check.
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
_DATETIME_RE = re.compile(DATETIME_PATTERN)
# Same shape without a zone: recognised only to give naive timestamps their own clear reason.
_NAIVE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$")

NON_BLANK_PATTERN = r"\S"


class WireModel(BaseModel):
    """camelCase on the wire, snake_case in Python, strict types, drift-tolerant.

    ``strict`` keeps the model in step with the JSON Schema: the string ``"5"`` is not a quantity
    and ``true`` is not a number in either. ``extra="ignore"`` accepts schema drift.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        # Schema titles in wire spelling ("warehouseId", not pydantic's "Warehouseid").
        field_title_generator=lambda name, info: info.alias or to_camel(name),
        extra="ignore",
        strict=True,
        frozen=True,
        allow_inf_nan=False,
    )


def _to_utc(value: Any) -> datetime:
    if isinstance(value, str):
        if _DATETIME_RE.fullmatch(value) is None:
            if _NAIVE_RE.fullmatch(value) is not None:
                raise PydanticCustomError(
                    "naive_datetime",
                    "date-time has no time zone; add Z or an offset such as +02:00",
                )
            raise PydanticCustomError(
                "datetime_format",
                "Input should be an ISO 8601 date-time with a zone, such as 2025-01-15T14:23:45Z",
            )
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise PydanticCustomError(
                "datetime_value", "Input is not a valid date-time: {error}", {"error": str(exc)}
            ) from None
        return parsed.astimezone(UTC)
    if isinstance(value, datetime):
        # Python callers may pass datetime objects; the same zone rule applies.
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError(
                "naive_datetime",
                "date-time has no time zone; add Z or an offset such as +02:00",
            )
        return value.astimezone(UTC)
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time string")


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(_to_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}),
]
"""Aware datetime normalised to UTC; naive input is rejected."""

NonBlank = Annotated[str, StringConstraints(min_length=1, pattern=NON_BLANK_PATTERN)]
"""A string with at least one non-whitespace character (ids, reasons, names)."""

PositiveQty = Annotated[int, Field(gt=0)]
NonNegativeQty = Annotated[int, Field(ge=0)]
NonNegativeNumber = Annotated[float, Field(ge=0)]
Money = NonNegativeNumber


def _non_zero(value: int) -> int:
    if value == 0:
        raise PydanticCustomError("non_zero", "Input should not be 0 (an adjustment must change stock)")
    return value


NonZeroQty = Annotated[int, AfterValidator(_non_zero), Field(json_schema_extra={"not": {"const": 0}})]
"""Signed quantity delta; zero is no adjustment at all."""

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Percent = Annotated[float, Field(ge=0, le=100)]

Severity = Literal["low", "medium", "high"]


class GeoPoint(WireModel):
    """A WGS 84 position in degrees."""

    lat: Latitude = Field(description="Latitude in degrees.")
    lon: Longitude = Field(description="Longitude in degrees.")
