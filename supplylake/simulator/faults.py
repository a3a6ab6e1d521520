"""Fault injection: the bad input a real stream carries, at exact, reproducible ratios.

Kinds (ratios are of emitted events):

- ``duplicate``: the exact bytes of a recently emitted event, again;
- ``out_of_order``: an event emitted after a few later ones, but before anything more than
  9 minutes younger than it (inside a 10-minute allowed lateness);
- ``late``: an event emitted once the stream is 15-120 minutes past its timestamp (beyond the
  allowed lateness: pipelines must keep and flag it);
- ``malformed_json``: bytes that are not JSON (an extra message, not a lost event);
- ``missing_field``: a copy of an event with a required field removed and a fresh eventId;
- ``unknown_type``: a copy with an eventType nobody knows and a fresh eventId;
- ``schema_drift``: the event itself with extra unknown fields (still valid, same eventId).

Counts follow the ratios by construction: each kind is scheduled by error diffusion over the
emission index (with a seeded jitter so the pattern is not periodic), so after n emissions a
kind has fired ``ratio * n`` times give or take one or two. Faults never break the lifecycle:
every clean event is still emitted exactly once (unless the caller stops first); the
dead-letter kinds are extra messages.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import orjson

from supplylake.simulator.errors import SimulatorConfigError
from supplylake.simulator.events import SimEvent, Timestamps, new_uuid

FAULT_KINDS: tuple[str, ...] = (
    "duplicate",
    "out_of_order",
    "late",
    "malformed_json",
    "missing_field",
    "unknown_type",
    "schema_drift",
)
DEAD_LETTER_KINDS: tuple[str, ...] = ("malformed_json", "missing_field", "unknown_type")
# Kinds that add a message on top of the clean stream (the others move or decorate one).
EXTRA_KINDS: tuple[str, ...] = ("duplicate", *DEAD_LETTER_KINDS)

ALLOWED_LATENESS_MS = 10 * 60_000
_OOO_MAX_MS = 9 * 60_000
_OOO_MAX_STEPS = 20
_LATE_MIN_MS = 15 * 60_000
_LATE_MAX_MS = 120 * 60_000
_LATE_TAIL_MS = 20 * 60_000
_LATE_POOL_MINUTES = 45.0
_DUPLICATE_WINDOW_MS = 5 * 60_000
_LOOKAHEAD = 32

# docs/wire-format.md: fields an event of each type cannot do without (besides timestamp).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "inventory.received": ("warehouseId", "sku", "quantity"),
    "inventory.shipped": ("warehouseId", "sku", "quantity"),
    "inventory.adjusted": ("warehouseId", "sku", "quantity", "reason"),
    "inventory.counted": ("warehouseId", "sku", "quantity"),
    "inventory.reserved": ("warehouseId", "sku", "quantity"),
    "inventory.released": ("warehouseId", "sku", "quantity"),
    "order.placed": ("orderId", "customerId", "region", "warehouseId", "promisedDelivery", "lines"),
    "warehouse.picking.started": ("orderId", "warehouseId"),
    "warehouse.picking.completed": ("orderId", "warehouseId"),
    "shipment.created": (
        "shipmentId",
        "orderId",
        "carrier",
        "warehouseId",
        "expectedDelivery",
        "category",
        "origin",
        "destination",
    ),
    "carrier.picked_up": ("shipmentId",),
    "in.transit": ("shipmentId",),
    "out.for.delivery": ("shipmentId",),
    "delivery.attempted": ("shipmentId",),
    "delivered": ("shipmentId",),
    "shipment.telemetry": ("shipmentId", "lat", "lon"),
    "po.created": ("supplierId", "poId", "warehouseId", "promisedDate", "lines"),
    "asn.sent": ("supplierId", "asnId", "poId", "expectedArrival", "lines"),
    "supplier.leadtime.changed": ("supplierId", "previousLeadTimeDays", "newLeadTimeDays"),
    "quality.rejected": ("supplierId", "poId", "warehouseId", "sku", "quantity", "reason"),
    "sale.recorded": ("sku", "region", "channel", "quantity", "unitPrice"),
    "port.closure": ("region", "port", "severity", "startsAt"),
    "weather.alert": ("region", "severity", "description", "startsAt"),
}

# Plausible-looking types no contract knows, per family (what a newer or buggy producer sends).
UNKNOWN_TYPES: dict[str, tuple[str, ...]] = {
    "inventory": ("inventory.teleported", "inventory.levitated"),
    "orders": ("order.vibe_checked", "warehouse.picking.daydreamed"),
    "shipments": ("shipment.teleported", "carrier.lost_the_plot"),
    "suppliers": ("supplier.vanished", "po.haunted"),
    "sales": ("sale.imagined",),
    "signals": ("solar.flare", "alien.landing"),
}

_DRIFT_FIELDS: tuple[bytes, ...] = (
    b'"sourceSystem":"wms-legacy"',
    b'"producerVersion":"2.7.1"',
    b'"_ingestHost":"edge-gw-07"',
    b'"extraAttributes":{"shift":"night","dock":7}',
    b'"legacyCode":"A17"',
    b'"tenant":"acme-na"',
)


@dataclass(frozen=True)
class FaultConfig:
    """Ratios of emitted events per fault kind; all zero for a clean stream."""

    duplicate: float = 0.01
    out_of_order: float = 0.01
    late: float = 0.002
    malformed_json: float = 0.002
    missing_field: float = 0.002
    unknown_type: float = 0.001
    schema_drift: float = 0.01

    def __post_init__(self) -> None:
        for kind, ratio in self.ratios().items():
            if not 0.0 <= ratio <= 0.2:
                raise SimulatorConfigError(f"fault ratio {kind}={ratio} is outside 0..0.2")
        if sum(self.ratios().values()) > 0.5:
            raise SimulatorConfigError("fault ratios add up to more than 0.5: the stream would be mostly faults")

    @classmethod
    def none(cls) -> FaultConfig:
        return cls(**dict.fromkeys(FAULT_KINDS, 0.0))

    def ratios(self) -> dict[str, float]:
        return {kind: float(getattr(self, kind)) for kind in FAULT_KINDS}

    @property
    def extra_ratio(self) -> float:
        """Share of emitted messages that are additions to the clean stream."""
        return sum(getattr(self, kind) for kind in EXTRA_KINDS)

    @property
    def enabled(self) -> bool:
        return any(self.ratios().values())


@dataclass(frozen=True, slots=True)
class FaultRecord:
    index: int  # 0-based position in the emitted stream (JSONL line number - 1)
    kind: str
    event_id: str | None  # None for malformed bytes (nothing parseable)
    event_type: str | None
    family: str
    key: str
    event_time_ms: int


@dataclass
class FaultManifest:
    """What was injected where, for tests that check dead-letter counts and lateness flags."""

    emitted: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0))
    records: list[FaultRecord] = field(default_factory=list)

    def record(self, event: SimEvent) -> None:
        """Account one emitted event (call for every event, in emission order)."""
        if event.fault is not None:
            self.counts[event.fault] += 1
            self.records.append(
                FaultRecord(
                    self.emitted, event.fault, event.event_id, event.event_type, event.family, event.key, event.time_ms
                )
            )
        self.emitted += 1

    @property
    def expected_dead_letters(self) -> int:
        """Messages a validating pipeline must refuse (malformed, missing field, unknown type)."""
        return sum(self.counts[kind] for kind in DEAD_LETTER_KINDS)

    def indices(self, kind: str) -> list[int]:
        return [r.index for r in self.records if r.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        stamps = Timestamps()
        return {
            "emitted": self.emitted,
            "counts": dict(self.counts),
            "expectedDeadLetters": self.expected_dead_letters,
            "faults": {
                kind: [
                    {
                        "index": r.index,
                        "eventId": r.event_id,
                        "eventType": r.event_type,
                        "family": r.family,
                        "key": r.key,
                        "eventTime": stamps.millis(r.event_time_ms),
                    }
                    for r in self.records
                    if r.kind == kind
                ]
                for kind in FAULT_KINDS
            },
        }

    def write(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")
        return target


class FaultInjector:
    """Turns the clean, time-ordered stream into the emitted one."""

    def __init__(
        self, config: FaultConfig, rng: Random, *, events_per_hour: float, until_ms: int | None = None
    ) -> None:
        self._rng = rng
        self._ratios = {k: r for k, r in config.ratios().items() if r > 0}
        self._until_ms = until_ms
        self._late_ratio = config.late
        # The late pool is kept ahead of the quota by ~45 minutes' worth of late events, so a
        # release is possible whenever one is due.
        self._late_lead = config.late * events_per_hour / 60.0 * _LATE_POOL_MINUTES
        # The pool fills over its first 45 minutes, not all at once from the very first events.
        self._late_ramp = max(1.0, events_per_hour / 60.0 * _LATE_POOL_MINUTES)
        self._ahead: deque[SimEvent] = deque()
        self._pool: list[SimEvent] = []
        self._threshold = {k: rng.uniform(0.5, 1.5) for k in self._ratios}
        self._fired = dict.fromkeys(self._ratios, 0)
        self._due_at = {k: self._threshold[k] / r for k, r in self._ratios.items()}

    def held_floor_ms(self) -> float:
        """Earliest event time still held back (not yet emitted); inf when nothing is held."""
        floor = float("inf")
        for e in self._ahead:
            if e.time_ms < floor:
                floor = e.time_ms
        if self._pool and self._pool[0].time_ms < floor:
            floor = self._pool[0].time_ms
        return floor

    def _fire(self, kind: str) -> None:
        self._fired[kind] += 1
        self._threshold[kind] = self._rng.uniform(0.5, 1.5)
        self._due_at[kind] = (self._fired[kind] + self._threshold[kind]) / self._ratios[kind]

    def apply(self, clean: Iterator[SimEvent], *, max_events: int | None = None) -> Iterator[SimEvent]:
        """The emitted stream. With ``max_events``, exactly that many events (fewer if ``clean``
        ends first), and nothing held back is lost: near the budget the injector stops taking
        clean events and releases what it holds."""
        if not self._ratios:
            yield from clean if max_events is None else itertools.islice(clean, max_events)
            return
        rng = self._rng
        ahead, pool = self._ahead, self._pool
        recent: deque[SimEvent] = deque(maxlen=64)
        source = iter(clean)
        exhausted = False
        emitted = 0
        max_ms = -1
        withheld = 0
        ooo_in_flight = 0
        late_ratio, until = self._late_ratio, self._until_ms
        next_due = min(self._due_at.values())

        closing = False  # the budget is spoken for by what is held: no new faults, just release
        while True:
            while not exhausted and len(ahead) < _LOOKAHEAD:
                if max_events is not None and emitted + len(ahead) + len(pool) >= max_events:
                    break
                try:
                    ahead.append(next(source))
                except StopIteration:
                    exhausted = True
            if max_events is not None and emitted + len(ahead) + len(pool) >= max_events:
                exhausted = closing = True
            if not ahead and not pool:
                return
            slot = emitted + 1
            out: SimEvent | None = None

            if closing:
                pass
            elif pool and max_ms - pool[0].time_ms >= _LATE_MAX_MS:
                out = pool.pop(0)
                self._fire("late")
                next_due = min(self._due_at.values())
            elif slot >= next_due:
                due = sorted(
                    (k for k, at in self._due_at.items() if slot >= at),
                    key=lambda k: (-(slot - self._due_at[k]) * self._ratios[k], FAULT_KINDS.index(k)),
                )
                for kind in due:
                    head = ahead[0] if ahead and ahead[0].fault is None else None
                    if kind == "late":
                        eligible = 0
                        while eligible < len(pool) and pool[eligible].time_ms + _LATE_MIN_MS <= max_ms:
                            eligible += 1
                        if eligible:
                            out = pool.pop(rng.randrange(eligible))
                    elif kind == "duplicate":
                        if recent:
                            pick = recent[-1 - rng.randrange(min(16, len(recent)))]
                            if pick.time_ms < max_ms - _DUPLICATE_WINDOW_MS:
                                pick = recent[-1]
                            if pick.time_ms >= max_ms - _DUPLICATE_WINDOW_MS:
                                out = dataclasses.replace(pick, fault="duplicate")
                    elif kind in DEAD_LETTER_KINDS:
                        if head is not None:
                            out = self._corrupt(head, kind)
                    elif kind == "schema_drift":
                        if head is not None:
                            ahead[0] = self._drift(head)
                            self._fire(kind)
                            continue
                    elif kind == "out_of_order" and head is not None and not ooo_in_flight and self._displace(head):
                        ooo_in_flight += 1
                        self._fire(kind)
                        continue
                    if out is not None:
                        self._fire(kind)
                        break
                next_due = min(self._due_at.values())

            if out is None:
                # The lead ramps up over the first 45 minutes and, with a budget, down over the
                # last 45, so a bounded stream ends with few late events left to flush.
                ramp = min(1.0, slot / self._late_ramp)
                if max_events is not None:
                    ramp = min(ramp, max(0.0, (max_events - slot) / self._late_ramp))
                if until is not None and ahead:
                    left_ms = until - _LATE_TAIL_MS - ahead[0].time_ms
                    ramp = min(ramp, max(0.0, left_ms / (_LATE_POOL_MINUTES * 60_000)))
                late_lead = self._late_lead * ramp
                while (
                    late_ratio
                    and not closing
                    and not ooo_in_flight
                    and ahead
                    and ahead[0].fault is None
                    and withheld < late_ratio * slot + late_lead
                    and (until is None or ahead[0].time_ms <= until - _LATE_TAIL_MS)
                ):
                    pool.append(dataclasses.replace(ahead.popleft(), fault="late"))
                    withheld += 1
                    if not ahead and not exhausted:
                        try:
                            ahead.append(next(source))
                        except StopIteration:
                            exhausted = True
                if ahead:
                    out = ahead.popleft()
                    if out.fault == "out_of_order":
                        ooo_in_flight -= 1
                else:
                    # End of a bounded stream: what is left in the pool goes out now, labelled
                    # by how late it really ended up.
                    out = pool.pop(0)
                    lag = max_ms - out.time_ms
                    if lag <= ALLOWED_LATENESS_MS:
                        out = dataclasses.replace(out, fault="out_of_order" if lag > 0 else None)

            emitted += 1
            if out.time_ms > max_ms and out.fault not in EXTRA_KINDS:
                max_ms = out.time_ms
            if out.fault is None:
                recent.append(out)
            yield out

    def _displace(self, head: SimEvent) -> bool:
        """Move ``head`` behind a few later events (none more than 9 minutes younger)."""
        ahead = self._ahead
        limit = head.time_ms + _OOO_MAX_MS
        first_later = last = 0
        for j in range(1, min(len(ahead), _OOO_MAX_STEPS + 1)):
            t = ahead[j].time_ms
            if t > limit:
                break
            last = j
            if not first_later and t > head.time_ms:
                first_later = j
        if not first_later:
            return False
        k = self._rng.randint(first_later, last)
        ahead.popleft()
        ahead.insert(k, dataclasses.replace(head, fault="out_of_order"))
        return True

    def _drift(self, head: SimEvent) -> SimEvent:
        rng = self._rng
        extra = b",".join(rng.sample(_DRIFT_FIELDS, rng.randint(1, 3)))
        return dataclasses.replace(head, value=head.value[:-1] + b"," + extra + b"}", fault="schema_drift")

    def _corrupt(self, head: SimEvent, kind: str) -> SimEvent:
        rng = self._rng
        payload = orjson.loads(head.value)
        event_id = new_uuid(rng)
        payload["eventId"] = event_id
        if kind == "missing_field":
            candidates = (*REQUIRED_FIELDS[head.event_type or ""], "timestamp")
            del payload[candidates[rng.randrange(len(candidates))]]
            return SimEvent(
                head.family,
                head.key,
                orjson.dumps(payload),
                head.event_type,
                event_id,
                head.event_time,
                kind,
                head.time_ms,
            )
        if kind == "unknown_type":
            names = UNKNOWN_TYPES[head.family]
            payload["eventType"] = names[rng.randrange(len(names))]
            return SimEvent(
                head.family,
                head.key,
                orjson.dumps(payload),
                payload["eventType"],
                event_id,
                head.event_time,
                kind,
                head.time_ms,
            )
        return SimEvent(
            head.family, head.key, _garble(orjson.dumps(payload), rng), None, None, head.event_time, kind, head.time_ms
        )


def _garble(raw: bytes, rng: Random) -> bytes:
    """Break JSON the ways real producers do: cut off, doubled brace, quotes, a bad byte."""
    how = rng.randrange(5)
    if how == 0:
        bad = raw[: rng.randint(len(raw) // 3, len(raw) - 2)]
    elif how == 1:
        bad = raw + b"}"
    elif how == 2:
        bad = raw.replace(b'"', b"'", 4)
    elif how == 3:
        bad = raw.replace(b',"', b' "', 1)
    else:
        cut = raw.index(b":") + 2
        bad = raw[:cut] + b"\xff" + raw[cut:]
    try:
        orjson.loads(bad)
    except orjson.JSONDecodeError:
        return bad
    return raw[: len(raw) // 2]
