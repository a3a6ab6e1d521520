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
# asked to, so producers validating with the exported schema get this pattern as the real check;
# it also carries the accepted years (EARLIEST_TIME, LATEST_TIME below).
DATETIME_PATTERN = (
    r"^(19[7-9][0-9]|20[0-9]{2})-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
# The same shape for any year, so a date-time out of range gets its own reason, not "not ISO 8601".
_DATETIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
# Every date-time an event carries is in [EARLIEST_TIME, LATEST_TIME): a fixed window, so a replay
# decides exactly as the first run did. Year 1 or 9999 is a producer bug (a zero value, a
# "never" sentinel), and at the edges of Python's range a zone offset cannot even be applied.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)
# Same shape without a zone: recognised only to give naive timestamps their own clear reason.
_NAIVE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$")

# Control characters: C0, DEL and C1 (Unicode category Cc).
_CONTROL = r"\x00-\x1f\x7f-\x9f"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
# Identifiers and names: at least one non-whitespace character and no control character at all
# (a NUL or an escape sequence in a key or an id breaks every tool downstream).
NON_BLANK_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
# Free text (notes, reasons): tab, line feed and carriage return are text; other controls are not.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

# Quantities per event: a sum of billions of them still fits the lake's 64-bit integer columns.
MAX_QUANTITY = 2**31 - 1
INT64_MAX = 2**63 - 1


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
        return _in_range(parsed)
    if isinstance(value, datetime):
        # Python callers may pass datetime objects; the same zone rule applies.
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError(
                "naive_datetime",
                "date-time has no time zone; add Z or an offset such as +02:00",
            )
        return _in_range(value)
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time string")


def _in_range(value: datetime) -> datetime:
    """``value`` in UTC, refused outside [EARLIEST_TIME, LATEST_TIME) (an offset can overflow too)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_TIME <= utc < LATEST_TIME:
        raise PydanticCustomError(
            "datetime_range",
            "Input should be a date-time from {earliest} up to (not including) {latest}",
            {"earliest": "1970-01-01T00:00:00Z", "latest": "2100-01-01T00:00:00Z"},
        )
    return utc


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(_to_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}),
]
"""Aware datetime normalised to UTC; naive input is rejected."""

NonBlank = Annotated[str, StringConstraints(min_length=1, pattern=NON_BLANK_PATTERN)]
"""A string with at least one non-whitespace character and no control character (ids, reasons, names)."""

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
"""Free text, possibly empty: no control characters but tab, line feed and carriage return."""

Int64 = Annotated[int, Field(ge=-INT64_MAX - 1, le=INT64_MAX)]
"""An integer the lake's 64-bit columns can hold (JSON numbers have no such limit)."""

PositiveQty = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]
NonNegativeQty = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
# Beyond 2**63 a JSON number is no amount but a bug (and loses digits as a double).
NonNegativeNumber = Annotated[float, Field(ge=0, lt=2**63)]
Money = NonNegativeNumber


def _non_zero(value: int) -> int:
    if value == 0:
        raise PydanticCustomError("non_zero", "Input should not be 0 (an adjustment must change stock)")
    return value


NonZeroQty = Annotated[
    int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY, json_schema_extra={"not": {"const": 0}}), AfterValidator(_non_zero)
]
"""Signed quantity delta; zero is no adjustment at all."""

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Percent = Annotated[float, Field(ge=0, le=100)]
# Cargo temperatures in °C: not below absolute zero, not beyond what any sensor reports.
Celsius = Annotated[float, Field(ge=-273.15, le=1000)]

Severity = Literal["low", "medium", "high"]


class GeoPoint(WireModel):
    """A WGS 84 position in degrees."""

    lat: Latitude = Field(description="Latitude in degrees.")
    lon: Longitude = Field(description="Longitude in degrees.")
