"""How a contract field's Python type becomes a column type, and its value a row value.

bool → boolean, int → long, float → double, str / Literal / Enum → string, datetime →
timestamptz (rows carry epoch milliseconds), nested models, lists and dicts → string (JSON text
in wire spelling). A type outside these rules has no column type: declare a Computed column.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from pyiceberg.types import PrimitiveType

from supplylake.lake.tables.columns import BOOLEAN, DOUBLE, LONG, STRING, TIMESTAMP

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_MS = dt.timedelta(milliseconds=1)


def _strip(annotation: Any) -> Any:
    """The type without ``Annotated`` and ``| None`` (a union of several types is returned as is)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def literal_values(annotation: Any) -> tuple[str, ...]:
    inner = _strip(annotation)
    if typing.get_origin(inner) is typing.Literal:
        return tuple(str(v) for v in typing.get_args(inner))
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return tuple(str(m.value) for m in inner)
    return ()


def iceberg_type(annotation: Any) -> PrimitiveType | None:
    """The column type of a contract field's annotation; None when it has no rule (see the module doc).

    bool → boolean, int → long, float → double, str/Literal/Enum → string, datetime → timestamptz,
    nested models, lists and dicts → string (JSON text).
    """
    inner = _strip(annotation)
    origin = typing.get_origin(inner)
    if origin is typing.Literal:
        return STRING
    if origin in (list, tuple, dict, set, frozenset):
        return STRING
    if not isinstance(inner, type):
        return None
    if issubclass(inner, bool):
        return BOOLEAN
    if issubclass(inner, enum.Enum) or issubclass(inner, str):
        return STRING
    if issubclass(inner, int):
        return LONG
    if issubclass(inner, float):
        return DOUBLE
    if issubclass(inner, dt.datetime):
        return TIMESTAMP
    if issubclass(inner, (BaseModel, list, tuple, dict)):
        return STRING
    return None


def _epoch_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // _ONE_MS


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(to_jsonable_python(value, by_alias=True)).decode()


def value_converter(annotation: Any, column_type: PrimitiveType) -> Callable[[Any], Any] | None:
    """How a field's Python value becomes its row value (None: copied as it is)."""
    inner = _strip(annotation)
    if column_type == TIMESTAMP:
        return _epoch_ms
    if column_type == STRING and typing.get_origin(inner) is not typing.Literal:
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return lambda value: None if value is None else str(value.value)
        if not (isinstance(inner, type) and issubclass(inner, str)):
            return _json_text
    return None


def json_shape(annotation: Any) -> str:
    """``{a, b}`` / ``[{a, b}]`` for nested models (wire names), so a JSON column's doc cannot drift."""
    inner = _strip(annotation)
    if typing.get_origin(inner) is list:
        return f"[{json_shape(typing.get_args(inner)[0])}]"
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return "{" + ", ".join(info.alias or name for name, info in inner.model_fields.items()) + "}"
    return ""
