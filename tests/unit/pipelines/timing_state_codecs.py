"""Encode + decode µs of a typical shipment state and a hot stock state, per codec.

Not a test (pytest collects ``test_*`` only): a timing script, run from the repository root::

    .venv/bin/python -m tests.unit.pipelines.timing_state_codecs [--msgspec-path DIR]

``state codec`` is whatever ``to_dict``/``from_dict`` the checked-out code has (run it on an
older commit to time the hand-written codecs). pydantic's ``TypeAdapter`` and msgspec (not a
dependency: pass the directory of a ``pip install --target`` with ``--msgspec-path``) run over
the same dataclasses for comparison. "+ JSON" adds orjson, which Quix's state store applies on
top. Best of several repeats; the machine is shared, so compare within one run.
"""

from __future__ import annotations

import argparse
import sys
import timeit
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import TypeAdapter

from supplylake.pipelines.inventory.stock import StockEvent, StockState, apply_event
from supplylake.pipelines.shipments.tracking import ShipmentEvent, ShipmentState, apply_shipment_event

MIN = 60_000
T0 = 1_736_900_000_000


def stock_state(remembered: int = 705) -> StockState:
    """A hot key after a day: ~705 remembered ids and a few window entries (bench/REPORT.md §4)."""
    state = StockState.empty()
    kinds = ["inventory.received", "inventory.shipped", "inventory.reserved", "inventory.released"]
    for i in range(remembered):
        event_id = str(uuid.UUID(int=i * 7919 + 1, version=4))
        event = StockEvent(event_id, kinds[i % 4], T0 + i * 2 * MIN + (i % 3) * 1000, "WH-01", "SKU-0001", 1 + i % 9)
        state, _ = apply_event(state, event)
    return state


def shipment_state() -> ShipmentState:
    """A PHARMA shipment out for delivery: route, transitions, telemetry, one breach."""
    sid = "SHP-20250115-000123"
    route = ((32.78, -96.80), (33.5, -97.0), (34.4, -97.3), (35.47, -97.52))
    events = [
        ShipmentEvent(
            "e0",
            "shipment.created",
            T0,
            sid,
            order_id="ORD-1",
            carrier="UPS",
            expected_delivery_ms=T0 + 48 * 60 * MIN,
            category="PHARMA",
            planned_route=route,
        ),
        ShipmentEvent("e1", "carrier.picked_up", T0 + 60 * MIN, sid, lat=32.78, lon=-96.80),
        *(
            ShipmentEvent(
                f"t{i}",
                "shipment.telemetry",
                T0 + (90 + 30 * i) * MIN,
                sid,
                lat=32.8 + 0.3 * i,
                lon=-96.85 - 0.1 * i,
                temperature=9.0 if i == 3 else 4.0,
            )
            for i in range(6)
        ),
        ShipmentEvent("e2", "in.transit", T0 + 200 * MIN, sid, lat=34.0, lon=-97.2),
        ShipmentEvent("e3", "out.for.delivery", T0 + 600 * MIN, sid, lat=35.4, lon=-97.5),
    ]
    state: ShipmentState | None = None
    for event in events:
        state, _ = apply_shipment_event(state, event)
    assert state is not None
    return state


def best_us(fn: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def codecs(state: Any, msgspec: Any) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    cls = type(state)
    stored = state.to_dict()
    found: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "state codec": (lambda: state.to_dict(), lambda: cls.from_dict(stored)),
    }
    stored_json = orjson.dumps(stored)
    found["state codec + JSON"] = (
        lambda: orjson.dumps(state.to_dict()),
        lambda: cls.from_dict(orjson.loads(stored_json)),
    )
    adapter = TypeAdapter(cls)
    dumped = adapter.dump_python(state, mode="json")
    found["pydantic TypeAdapter (lax)"] = (
        lambda: adapter.dump_python(state, mode="json"),
        lambda: adapter.validate_python(dumped),
    )
    if msgspec is not None:
        built = msgspec.to_builtins(state)
        found["msgspec to_builtins/convert(strict)"] = (
            lambda: msgspec.to_builtins(state),
            lambda: msgspec.convert(built, cls, strict=True),
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msgspec-path", help="a directory holding msgspec (pip install --target DIR msgspec)")
    args = parser.parse_args()
    msgspec = None
    if args.msgspec_path:
        sys.path.insert(0, args.msgspec_path)
        import msgspec  # type: ignore[import-not-found, no-redef]
    states = {"shipment": (shipment_state(), 5000), "stock, 705 ids": (stock_state(), 500)}
    print("| state | codec | encode µs | decode µs | total µs | stored bytes |")
    print("|---|---|---:|---:|---:|---:|")
    for label, (state, number) in states.items():
        size = len(orjson.dumps(state.to_dict()))
        for name, (encode, decode) in codecs(state, msgspec).items():
            enc, dec = best_us(encode, number), best_us(decode, number)
            print(f"| {label} | {name} | {enc:.1f} | {dec:.1f} | {enc + dec:.1f} | {size} |")


if __name__ == "__main__":
    main()
