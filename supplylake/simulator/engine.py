"""Discrete-event core: a time-ordered agenda of actions and the event emitter.

Actions run in (time, scheduling order). Whatever an action emits is stamped with the current
simulated time, nudged forward by a millisecond when needed so that clean event timestamps are
strictly increasing: sorting the stream by event time gives back the exact simulated order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from random import Random
from typing import Any

import orjson

from supplylake.simulator.events import FAMILY_OF, SimEvent, Timestamps, from_ms, new_uuid

Action = Callable[[Any], None]

MS_PER_S = 1000
MS_PER_MIN = 60_000
MS_PER_H = 3_600_000
MS_PER_DAY = 86_400_000


class Engine:
    def __init__(self, start_ms: int, ids: Random) -> None:
        self._agenda: list[tuple[int, int, Action, Any]] = []
        self._seq = 0
        self._out: list[SimEvent] = []
        self._ids = ids
        self._last_ms = start_ms - 1
        self.start_ms = start_ms
        self.now = start_ms
        self.timestamps = Timestamps()
        self.emitted = 0

    def at(self, when_ms: int, action: Action, arg: Any = None) -> None:
        heapq.heappush(self._agenda, (when_ms, self._seq, action, arg))
        self._seq += 1

    def after(self, delay_ms: float, action: Action, arg: Any = None) -> None:
        self.at(self.now + int(delay_ms), action, arg)

    def instant(self) -> int:
        """Claim the next timestamp without emitting (a cut-off strictly between two events)."""
        t = self.now if self.now > self._last_ms else self._last_ms + 1
        self._last_ms = t
        return t

    def emit(self, event_type: str, key: str, fields: dict[str, Any]) -> str:
        """Stamp, encode and queue one clean event; returns its eventId."""
        t = self.now if self.now > self._last_ms else self._last_ms + 1
        self._last_ms = t
        event_id = new_uuid(self._ids)
        payload = {"eventId": event_id, "eventType": event_type, "timestamp": self.timestamps.millis(t)}
        payload.update(fields)
        self._out.append(
            SimEvent(FAMILY_OF[event_type], key, orjson.dumps(payload), event_type, event_id, from_ms(t), None, t)
        )
        return event_id

    def run(self, until_ms: int | None = None) -> Iterator[SimEvent]:
        """Run actions in time order, yielding what they emit; stops after ``until_ms`` if given."""
        agenda = self._agenda
        pop = heapq.heappop
        while agenda:
            if until_ms is not None and agenda[0][0] > until_ms:
                return
            when, _, action, arg = pop(agenda)
            self.now = when
            action(arg)
            if self._out:
                out = self._out
                self._out = []
                self.emitted += len(out)
                yield from out
