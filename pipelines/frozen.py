"""Copying a frozen state dataclass with some fields changed, cheaply.

Domain state is immutable (frozen dataclasses, updated by copying), which keeps the pure
transition functions honest. ``dataclasses.replace`` is the obvious way to copy, but it re-runs
``__init__`` field by field; a shipment event copies its state about seven times, and that was
close to a third of the shipment pipeline's CPU. :func:`evolve` copies the instance dict
instead, for dataclasses where that is equivalent (no ``__post_init__``, no ``__slots__``, every
field an ``__init__`` field); for any other class it is ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

_PLAIN: dict[type, bool] = {}


def _is_plain(cls: type) -> bool:
    """Whether copying the instance dict builds the same object ``__init__`` would."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        return False
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        return False
    return all(f.init for f in dataclasses.fields(cls)) and not any(
        isinstance(v, dataclasses.InitVar) for v in getattr(cls, "__annotations__", {}).values()
    )


def evolve(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)``, without re-running ``__init__`` where that is safe."""
    cls = type(obj)
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = _is_plain(cls)
    if not plain:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    current = obj.__dict__
    unknown = changes.keys() - current.keys()
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    new = object.__new__(cls)
    fields = new.__dict__
    fields.update(current)
    fields.update(changes)
    return new
