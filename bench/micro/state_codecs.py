"""Encode + decode µs of a typical shipment state and a hot stock state, per codec.

A timing script, run from the repository root::

    .venv/bin/python -m bench.micro.state_codecs [--msgspec-path DIR]

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
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import TypeAdapter

from tests.support.state_samples import shipment_state, stock_state


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
        import msgspec  # type: ignore[no-redef]
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
