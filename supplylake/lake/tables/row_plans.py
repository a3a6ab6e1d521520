"""Row plans: how an event object becomes a row dict, compiled once per event class.

Per event, a plan does one ``attrgetter`` call for the plain columns, a ``zip`` into a dict and
one call per converted or computed column. Columns the class lacks are not in its plan at all,
so no ``getattr(event, name, None)`` runs (on a pydantic model a missing attribute costs
~1.8 µs: it raises through ``__getattr__``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class FieldValue:
    """A column copied from a contract field, through ``convert`` when the lake spells it differently."""

    column: str
    field: str
    convert: Callable[[Any], Any] | None


@dataclass(frozen=True)
class ComputedValue:
    """A column computed from the whole event, for the event classes in ``only`` (empty: all)."""

    column: str
    value: Callable[[Any], Any]
    only: tuple[type[BaseModel], ...] = ()


@dataclass(frozen=True)
class RowPlan:
    """How one event class becomes a row: plain columns in one ``attrgetter``, then converted ones."""

    names: tuple[str, ...]
    values: Callable[[Any], tuple[Any, ...]]
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]

    def __call__(self, event: Any) -> dict[str, Any]:
        row = dict(zip(self.names, self.values(event), strict=True))
        for name, value in self.converted:
            row[name] = value(event)
        return row


def _tuple_getter(attrs: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    if not attrs:
        return lambda _: ()
    if len(attrs) == 1:
        single = attrgetter(attrs[0])
        return lambda event: (single(event),)
    getter: Callable[[Any], tuple[Any, ...]] = attrgetter(*attrs)
    return getter


def _converted(get: Callable[[Any], Any], convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda event: convert(get(event))


def compile_plan(model: type[BaseModel], fields: Sequence[FieldValue], computed: Sequence[ComputedValue]) -> RowPlan:
    """The plan of one event class: only the fields it has, and the computed values that apply to it."""
    names: list[str] = []
    attrs: list[str] = []
    converted: list[tuple[str, Callable[[Any], Any]]] = []
    for item in fields:
        if item.field not in model.model_fields:
            continue  # this event type does not have it: the column stays null
        if item.convert is None:
            names.append(item.column)
            attrs.append(item.field)
        else:
            converted.append((item.column, _converted(attrgetter(item.field), item.convert)))
    for value in computed:
        if not value.only or issubclass(model, value.only):
            converted.append((value.column, value.value))
    return RowPlan(tuple(names), _tuple_getter(attrs), tuple(converted))
