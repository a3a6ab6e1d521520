"""Helpers of the simulator tests: a generated run, and what a correct pipeline would keep of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from supplylake.simulator import FaultManifest, SimEvent, SimulationConfig
from supplylake.simulator.erp import ErpSnapshot

N_FAULTY = 20_000
DEAD_LETTER = ("malformed_json", "missing_field", "unknown_type")


@dataclass(frozen=True)
class Run:
    config: SimulationConfig
    events: list[SimEvent]
    manifest: FaultManifest
    snapshots: list[ErpSnapshot]


@dataclass(frozen=True)
class Valid:
    """A parseable event as a pipeline keeps it, plus where it was emitted."""

    index: int
    time_ms: int
    event: SimEvent
    payload: dict[str, Any]


def state_bearing(run: Run) -> list[Valid]:
    """What a correct pipeline keeps: valid, first copy of each eventId, in event-time order."""
    seen: set[str] = set()
    kept: list[Valid] = []
    for index, event in enumerate(run.events):
        if event.fault in DEAD_LETTER:
            continue
        payload = orjson.loads(event.value)
        if payload["eventId"] in seen:
            continue
        seen.add(payload["eventId"])
        kept.append(Valid(index, event.time_ms, event, payload))
    kept.sort(key=lambda v: v.time_ms)
    return kept
