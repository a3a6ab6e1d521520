"""The common event base model and the deterministic event id.

``eventId`` is the idempotency key downstream (dedupe, exactly-once sink). Producers may omit
it, so the id is then derived from the payload itself: the same bytes replayed after a crash or
re-sent by a retrying producer get the same id and are deduplicated.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson
from pydantic import ConfigDict, Field, model_validator

from supplylake.contracts.errors import MalformedEvent
from supplylake.contracts.fields import INT64_MAX, NonBlank, UtcDatetime, WireModel
from supplylake.event_time import to_epoch_ms

EVENT_ID_NAMESPACE = uuid.UUID("b7836d6c-720c-55c0-8272-89a20b29e6b4")
"""uuid5 namespace of derived event ids: ``uuid5(NAMESPACE_URL, "https://supplylake.dev/event-id")``.

Never change it: every derived id already in the lake depends on it.
"""


def canonical_json(payload: Mapping[str, Any], *, drop: frozenset[str] = frozenset({"eventId"})) -> bytes:
    """Compact UTF-8 JSON with keys sorted at every depth, without the keys in ``drop``."""
    body = {key: value for key, value in payload.items() if key not in drop}
    try:
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        raise MalformedEvent(f"payload is not JSON-serialisable: {exc}", code="malformed_json") from None


def derive_event_id(payload: Mapping[str, Any]) -> str:
    """Deterministic event id: uuid5(EVENT_ID_NAMESPACE, canonical JSON of payload minus eventId).

    Canonical JSON is orjson's compact output with sorted keys, so key order and whitespace of
    the original bytes do not matter; any value change does. Equal to
    ``str(uuid.uuid5(EVENT_ID_NAMESPACE, canonical_json(payload).decode()))``.
    """
    return event_id_of(canonical_json(payload))


def event_id_of(canonical: bytes) -> str:
    """uuid5 of already-canonical JSON bytes (see :func:`derive_event_id`)."""
    # uuid.uuid5 only takes str before Python 3.12; hashing the bytes directly skips a decode.
    digest = hashlib.sha1(EVENT_ID_NAMESPACE.bytes + canonical, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def drop_wire_optional(schema: dict[str, Any], cls: type[Any]) -> None:
    # Fields filled in by supplylake (eventId, CDC's eventType/timestamp) stay optional on the wire.
    optional: frozenset[str] = getattr(cls, "wire_optional", frozenset())
    required = [name for name in schema.get("required", []) if name not in optional]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)


class Event(WireModel):
    """Fields common to every event. Subclasses narrow ``event_type`` to a ``Literal``."""

    model_config = ConfigDict(json_schema_extra=drop_wire_optional)

    family: ClassVar[str]
    wire_optional: ClassVar[frozenset[str]] = frozenset({"eventId"})

    event_id: NonBlank = Field(
        description="Idempotency key (eventId; a hash of the payload when the producer sent none)."
    )
    event_type: str = Field(description="Dotted event type.")
    timestamp: UtcDatetime = Field(description="Event time (the event's timestamp), normalised to UTC.")
    schema_version: int = Field(default=1, ge=1, le=INT64_MAX, description="Version of the event's wire schema.")

    @model_validator(mode="before")
    @classmethod
    def _fill_wire_defaults(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return cls._prepare(data)
        return data

    @classmethod
    def _prepare(cls, data: Mapping[str, Any]) -> Any:
        """Fill what supplylake assigns before field validation; never mutates ``data``."""
        if "eventId" in data or "event_id" in data:
            return data
        return {**data, "eventId": derive_event_id(data)}

    @property
    def event_time_ms(self) -> int:
        """Event time as integer epoch milliseconds (exact, no float rounding)."""
        return to_epoch_ms(self.timestamp)

    def message_key(self) -> str:
        """The Kafka message key of this event's family."""
        raise NotImplementedError

    def to_wire(self) -> dict[str, Any]:
        """camelCase, JSON-compatible dict that :func:`parse_event` parses back to an equal event."""
        return self.model_dump(mode="json", by_alias=True)
