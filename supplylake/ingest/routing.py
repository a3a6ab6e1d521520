"""Which topic and key a raw event goes to, decided from its `eventType` alone.

Routing does not validate the whole event: a well-typed but invalid event still goes to its
family's topic so the pipeline that owns it records the rejection against a real offset.
Only what has no usable `eventType` is rejected here (an object with a duplicated key counts:
which of its values is meant, even for `eventType`, is exactly what parsers disagree on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from supplylake.contracts import InvalidEvent, family_of
from supplylake.contracts.parse import refuse_duplicate_keys
from supplylake.contracts.registry import FAMILIES
from supplylake.settings import TopicSettings


@dataclass(frozen=True)
class Route:
    family: str
    topic: str
    key: bytes | None
    event_type: str
    event_time: str | None


class Unroutable(Exception):
    """A line that no pipeline can own: not JSON, not an object, or no known eventType."""

    def __init__(self, code: str, reason: str, event_type: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.event_type = event_type


def routing_key(family: str, payload: dict[str, Any]) -> bytes | None:
    """The family's key fields (contracts/registry.py) joined by ":"; None when one is missing."""
    values = [payload.get(field) for field in FAMILIES[family].key_fields]
    if not values or any(not isinstance(v, (str, int)) for v in values):
        return None
    return ":".join(str(v) for v in values).encode()


def route(raw: bytes, topics: TopicSettings) -> Route:
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Unroutable("malformed_json", f"not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise Unroutable("not_an_object", f"expected a JSON object, got {type(payload).__name__}")
    try:
        # A key given twice leaves even the eventType ambiguous: which topic, which pipeline?
        refuse_duplicate_keys(raw, payload)
    except InvalidEvent as exc:
        raise Unroutable(exc.code, exc.reason) from None
    event_type = payload.get("eventType")
    if not isinstance(event_type, str):
        raise Unroutable("unknown_event_type", "field 'eventType': missing or not a string")
    try:
        family = family_of(event_type)
    except InvalidEvent:
        raise Unroutable(
            "unknown_event_type", f"field 'eventType': unknown event type {event_type!r}", event_type
        ) from None
    if not FAMILIES[family].is_source:
        raise Unroutable("unknown_event_type", f"no pipeline reads {family} events from files", event_type)
    timestamp = payload.get("timestamp")
    return Route(
        family=family,
        topic=topics.for_family(family),
        key=routing_key(family, payload),
        event_type=event_type,
        event_time=timestamp if isinstance(timestamp, str) else None,
    )
