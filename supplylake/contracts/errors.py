"""Why an incoming event was refused.

Bad input is routine in a stream (old producers, typos, schema drift gone wrong), so every refusal
carries a short stable ``code`` for metrics and DLQ headers and one human ``reason`` line naming
the wire field. They are :class:`FatalError`\\ s: replaying the same bytes can never succeed.
"""

from __future__ import annotations

from typing import Any

from supplylake.errors import FatalError

_HINT = "Fix the producer; the wire format is in docs/wire-format.md."


class InvalidEvent(FatalError):
    """An event that cannot be accepted. ``code`` is stable, ``reason`` is for humans."""

    code: str = "invalid_value"

    def __init__(self, reason: str, *, code: str | None = None, event_type: str | None = None) -> None:
        self.reason = reason
        self.code = code or type(self).code
        self.event_type = event_type
        subject = f"invalid {event_type} event" if event_type else "invalid event"
        super().__init__(f"{subject}: {reason}", hint=_HINT)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle through their positional args; keep code and event type across
        # process boundaries (multiprocessing pools, Quix error callbacks).
        return (_rebuild, (type(self), self.reason, self.code, self.event_type))


def _rebuild(cls: type[InvalidEvent], reason: str, code: str, event_type: str | None) -> InvalidEvent:
    return cls(reason, code=code, event_type=event_type)


class MalformedEvent(InvalidEvent):
    """Not UTF-8, not JSON, or not a JSON object (codes ``malformed_json``, ``not_an_object``)."""

    code = "malformed_json"


class UnknownEventType(InvalidEvent):
    """``eventType`` missing or not one supplylake knows (code ``unknown_event_type``)."""

    code = "unknown_event_type"


class ContractViolation(InvalidEvent):
    """The payload breaks its event type's contract (codes ``missing_field``, ``invalid_value``)."""

    code = "invalid_value"
