"""What the order and shipment pipelines keep per entity, next to the domain state.

- ``seen``: the most recent eventIds applied to the entity. Producers retry and replays happen,
  so a repeat among them is a duplicate: not applied, no lake row. The window is bounded per
  entity (a shipment's telemetry would otherwise grow it forever); a repeat older than the
  window is applied again, which the domain logic tolerates (status transitions are deduped by
  eventId, readings older than the last one are ignored) but the event tables would show twice.
- ``revision``: a per-entity counter of status rows, to order them within one broker epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from supplylake.pipelines.state_codec import StoredState

RECORD_KEY = "record"


@dataclass
class EntityRecord(StoredState):
    """Stored through the derived codec; ``state`` is the domain state's own ``to_dict()``."""

    state: dict[str, Any] | None = None
    seen: list[str] = field(default_factory=list)
    revision: int = 0

    state_version: ClassVar[int] = 2

    def seen_before(self, event_id: str) -> bool:
        return event_id in self.seen

    def remember(self, event_id: str, window: int) -> None:
        self.seen.append(event_id)
        if len(self.seen) > window:
            del self.seen[: len(self.seen) - window]

    def next_revision(self) -> int:
        self.revision += 1
        return self.revision

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """The stored record; ``None`` (nothing stored for the entity yet) gives an empty one."""
        return cls() if data is None else super().from_dict(data)
