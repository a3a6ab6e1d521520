"""The simulator's output unit (:class:`SimEvent`) and the helpers that make one cheaply.

Event time is carried as integer epoch milliseconds internally (``time_ms``) so ordering and
lateness arithmetic are exact and fast; ``event_time`` is the same instant as a datetime.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from random import Random

from supplylake.event_time import from_epoch_ms, to_epoch_ms

# docs/wire-format.md: family of every event type, its topic and what the message key is.
FAMILY_OF: dict[str, str] = {
    **dict.fromkeys(
        (
            "inventory.received",
            "inventory.shipped",
            "inventory.adjusted",
            "inventory.counted",
            "inventory.reserved",
            "inventory.released",
        ),
        "inventory",
    ),
    **dict.fromkeys(("order.placed", "warehouse.picking.started", "warehouse.picking.completed"), "orders"),
    **dict.fromkeys(
        (
            "shipment.created",
            "carrier.picked_up",
            "in.transit",
            "out.for.delivery",
            "delivery.attempted",
            "delivered",
            "shipment.telemetry",
        ),
        "shipments",
    ),
    **dict.fromkeys(("po.created", "asn.sent", "supplier.leadtime.changed", "quality.rejected"), "suppliers"),
    "sale.recorded": "sales",
    **dict.fromkeys(("port.closure", "weather.alert"), "signals"),
}

TOPIC_OF: dict[str, str] = {
    "inventory": "inventory-events",
    "orders": "order-events",
    "shipments": "shipment-events",
    "suppliers": "supplier-events",
    "sales": "sales-events",
    "signals": "external-signals",
}


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One message to produce: ``value`` is the exact payload bytes (compact JSON, one line)."""

    family: str
    key: str
    value: bytes
    event_type: str | None
    event_id: str | None
    event_time: datetime
    fault: str | None = None
    time_ms: int = field(default=0, repr=False, compare=False)

    @property
    def topic(self) -> str:
        """Default topic of the family (docs/wire-format.md)."""
        return TOPIC_OF[self.family]


# The simulator's short names for the one conversion (naive datetimes are refused).
to_ms = to_epoch_ms
from_ms = from_epoch_ms


class Timestamps:
    """ISO 8601 UTC strings from epoch ms, caching the date-time prefix of the current second."""

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def millis(self, ms: int) -> str:
        """``2025-01-15T14:23:45.123Z``: event timestamps keep milliseconds (strict ordering)."""
        second, milli = divmod(ms, 1000)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{milli:03d}Z"

    @staticmethod
    def seconds(ms: int) -> str:
        """``2025-01-15T14:23:45Z``: planned dates (promises, expected arrivals) need no more."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


_VERSION_MASK = ~(0xF000 << 64) & ~(0xC000 << 48) & ((1 << 128) - 1)
_VERSION_BITS = (0x4000 << 64) | (0x8000 << 48)


def new_uuid(rng: Random) -> str:
    """A random (version 4) UUID string drawn from ``rng``: reproducible for a seed.

    Same result as ``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, about three times faster.
    """
    h = "%032x" % ((rng.getrandbits(128) & _VERSION_MASK) | _VERSION_BITS)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
