"""Bytes (or a dict) off a topic → a validated event, or an :class:`InvalidEvent` with a reason.

This runs once per event in every pipeline, so it does one ``orjson.loads``, one duplicate-key
count, one dict lookup and one ``model_validate``; pydantic builds each model's validator once,
at import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from supplylake.contracts.base import Event
from supplylake.contracts.cdc import ERP_EVENT_TYPE, ErpChange, looks_like_debezium
from supplylake.contracts.errors import ContractViolation, MalformedEvent, UnknownEventType
from supplylake.contracts.fields import CONTROL_CHARACTERS, NON_BLANK_PATTERN, TEXT_PATTERN
from supplylake.contracts.registry import EVENT_TYPES

_MODELS: dict[str, type[Event]] = dict(EVENT_TYPES)  # plain dict: faster than the read-only proxy
_DECODABLE = (bytes, bytearray, memoryview, str)
_MAX_REASONS = 3
_MAX_SHOWN = 60
# One JSON string, escapes included. Only needed for text with a backslash: without one, every
# `"` delimits a string, so splitting on it separates what is inside strings from what is not.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def parse_event(raw: bytes | str | Mapping[str, Any], *, topic: str | None = None) -> Event:
    """Decode and validate one event.

    A payload without ``eventId`` gets :func:`derive_event_id`. Debezium envelopes (no
    ``eventType``, has ``op`` and ``source``) and anything read from an ``erp.*`` topic are parsed
    as :class:`ErpChange`. Raises :class:`MalformedEvent`, :class:`UnknownEventType` or
    :class:`ContractViolation`, all :class:`InvalidEvent`.
    """
    payload: Any = raw
    if isinstance(raw, _DECODABLE):
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedEvent(f"not valid JSON: {exc}", code="malformed_json") from None
        if isinstance(payload, dict):
            refuse_duplicate_keys(raw, payload)
    if not isinstance(payload, dict):
        if not isinstance(payload, Mapping):
            raise MalformedEvent(f"expected a JSON object, got {_json_kind(payload)}", code="not_an_object")
        payload = dict(payload)

    event_type = payload.get("eventType")
    on_erp_topic = topic is not None and topic.startswith("erp.")
    if on_erp_topic or (event_type is None and looks_like_debezium(payload)):
        model: type[Event] = ErpChange
    elif type(event_type) is str and event_type in _MODELS:
        model = _MODELS[event_type]
    elif event_type is None:
        raise UnknownEventType("field 'eventType': Field required", code="unknown_event_type")
    else:
        raise UnknownEventType(
            f"field 'eventType': unknown event type {_show(event_type)}; see docs/wire-format.md",
            code="unknown_event_type",
        )

    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise contract_violation(exc, ERP_EVENT_TYPE if model is ErpChange else event_type) from None


def refuse_duplicate_keys(raw: bytes | bytearray | memoryview | str, payload: dict[str, Any]) -> None:
    """Refuse an object that names a key twice at any depth.

    JSON parsers disagree on which value wins (orjson keeps the last, others the first or
    refuse), so a producer's validator and this pipeline could read different events from the
    same bytes. In valid JSON every colon outside a string follows a key, so the colons outside
    strings count the keys written; the parsed objects hold one entry per distinct key.
    """
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    outside = _STRING.sub(b"", data) if b"\\" in data else b"".join(data.split(b'"')[::2])
    written = outside.count(b":")
    parsed = _count_keys(payload)
    if written != parsed:
        raise MalformedEvent(
            f"duplicate JSON keys: {written - parsed} key(s) appear more than once in one object",
            code="duplicate_key",
        )


def _count_keys(value: dict[str, Any] | list[Any]) -> int:
    """Entries of every object in ``value``, at any depth (the hot path: flat, small events)."""
    if type(value) is dict:
        count = len(value)
        children: Any = value.values()
    else:
        count = 0
        children = value
    for child in children:
        if type(child) is dict or type(child) is list:
            count += _count_keys(child)
    return count


def contract_violation(exc: ValidationError, event_type: str | None = None) -> ContractViolation:
    """Turn pydantic's errors into one line naming wire field paths (first three errors)."""
    errors = exc.errors(include_url=False)
    parts = [_describe(error) for error in errors[:_MAX_REASONS]]
    if len(errors) > _MAX_REASONS:
        parts.append(f"(+{len(errors) - _MAX_REASONS} more)")
    code = "missing_field" if errors and errors[0]["type"] == "missing" else "invalid_value"
    return ContractViolation("; ".join(parts), code=code, event_type=event_type)


def _describe(error: ErrorDetails) -> str:
    # Validation runs by alias, so loc is already the wire (camelCase) path.
    path = ".".join(str(part) for part in error["loc"])
    message = _message(error)
    text = f"field '{path}': {message}" if path else message
    if error["type"] != "missing":
        text += f" (got {_show(error['input'])})"
    return text


def _message(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == "string_pattern_mismatch" and ctx.get("pattern") in (NON_BLANK_PATTERN, TEXT_PATTERN):
        value = error["input"]
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            return "Input should not contain control characters (U+0000 to U+001F, U+007F to U+009F)"
        return "Input should not be blank"
    if error["type"] == "string_too_short" and ctx.get("min_length") == 1:
        return "Input should not be empty"
    return error["msg"]


def _show(value: Any) -> str:
    try:
        shown = orjson.dumps(value, default=repr).decode()
    except TypeError:
        shown = repr(value)
    return shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 1] + "…"


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, int | float):
        return "a JSON number"
    if value is None:
        return "JSON null (a Kafka tombstone?)"
    return type(value).__name__
