"""Event tables: columns, docs and rows derived from the contract models.

An event table stores one row per accepted event. Restating each contract field as a column (and
again in a row builder) is how tables and contracts drifted apart, so :func:`event_table` reads
them from the pydantic models instead:

- a contract field becomes a column of the same (snake_case) name; its Iceberg type follows the
  Python type (:func:`iceberg_type`) and its doc is the field's ``description``, plus the
  allowed values of a ``Literal`` and the event types that carry the field when not all do;
- the table's ``columns`` give the order and name the fields explicitly (a ``str``, or
  :class:`FromField` to rename or require one), and declare what the contracts do not have:
  :class:`Computed` columns (values computed from the event) and plain :class:`Column` s whose
  values the pipeline passes when it builds the row (``is_late``, ``payload``, ``ingested_at``);
- a contract field neither listed nor in ``omit`` is appended as a column, so a new contract
  field reaches the lake without touching the table (existing tables get it as an optional
  column from ``ensure_table``).

Rows come from the same definition: :meth:`EventTableSpec.row` runs a plan compiled once per
event class (which columns that class has, one ``attrgetter`` for the plain ones, converters
for timestamps and JSON), so no per-field ``getattr(event, name, None)`` runs per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

from pydantic.fields import FieldInfo

from supplylake.contracts.base import Event
from supplylake.lake.tables.columns import SOURCE_COLUMNS, STRING, TIMESTAMP, Column
from supplylake.lake.tables.field_types import iceberg_type, json_shape, literal_values, value_converter
from supplylake.lake.tables.row_plans import ComputedValue, FieldValue, RowPlan, compile_plan
from supplylake.lake.tables.spec import TableSpec

NOT_STORED: Mapping[str, str] = {
    "schema_version": "the wire schema version is 1 for every event so far; add a column with version 2",
}
"""Contract fields no event table stores (with the reason), on top of each table's own ``omit``."""


class TableDefinitionError(ValueError):
    """A table definition does not fit its contracts; raised at import time, the message says the fix."""


@dataclass(frozen=True)
class FromField:
    """A column taken from a contract field; ``column`` renames it, ``required`` makes it non-null."""

    field: str
    column: str | None = None
    required: bool = False

    @property
    def name(self) -> str:
        return self.column or self.field


@dataclass(frozen=True)
class Computed:
    """A column whose value is computed from the event (flattened nested values, totals).

    ``only`` lists the event classes that have a value; rows of other classes leave it null.
    """

    column: Column
    value: Callable[[Any], Any]
    only: tuple[type[Event], ...] = ()


LayoutItem: TypeAlias = str | FromField | Computed | Column
"""One entry of an event table's ``columns``: a contract field, a computed column, or a passed-in one."""


EVENT_ID = FromField("event_id", required=True)
EVENT_TYPE = FromField("event_type", required=True)
EVENT_TIME = FromField("timestamp", column="event_time", required=True)
PAYLOAD = Column("payload", STRING, "The event exactly as received on the wire (JSON text).")
INGESTED_AT = Column("ingested_at", TIMESTAMP, "When the pipeline processed the event, UTC.")


def payload_text(raw: bytes) -> str:
    """The ``payload`` column's value: the wire bytes as text (invalid UTF-8 replaced, never refused)."""
    return raw.decode("utf-8", errors="replace")


# --- columns from the contracts -----------------------------------------------------------------


@dataclass(frozen=True)
class _FieldColumn:
    """A resolved contract-field column: what the schema and the row plans need."""

    column: Column
    value: FieldValue


def _or_list(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _description(model: type[Event], field_name: str) -> str | None:
    """The field's description, inherited from the base contract when a subclass narrows its type."""
    for cls in model.__mro__:
        fields = getattr(cls, "model_fields", None)
        info = None if fields is None else fields.get(field_name)
        if info is not None and info.description:
            return str(info.description)
    return None


def _column_doc(table: str, ref: FromField, infos: Sequence[tuple[type[Event], FieldInfo]], everyone: bool) -> str:
    """The field's description + its Literal values + the event types carrying it, when not all do.

    Event types whose contracts describe the field differently each get their own clause.
    """
    groups: dict[str, list[str]] = {}
    for model, _ in infos:
        description = _description(model, ref.field)
        if description is None:
            raise TableDefinitionError(
                f"{table}.{ref.name}: contract field {model.__name__}.{ref.field} has no description; "
                "add Field(description=...) there (it is the column doc and the JSON Schema description)"
            )
        groups.setdefault(description.rstrip("."), []).append(_event_type_of(model))
    values: list[str] = []
    for _, info in infos:
        values.extend(v for v in literal_values(info.annotation) if v not in values)
    shape = json_shape(infos[0][1].annotation)
    clauses = []
    for description, carriers in groups.items():
        clause = f"{description} as JSON text: {shape}" if shape else description
        if values and len(groups) == 1:
            clause = f"{clause}: {_or_list(values)}"
        if len(groups) > 1 or not everyone:
            clause = f"{clause} ({', '.join(carriers)})"
        clauses.append(clause)
    doc = "; ".join(clauses)
    return f"{doc}."


def _field_column(table: str, ref: FromField, contracts: Sequence[type[Event]]) -> _FieldColumn:
    infos: list[tuple[type[Event], FieldInfo]] = [
        (model, model.model_fields[ref.field]) for model in contracts if ref.field in model.model_fields
    ]
    if not infos:
        models = ", ".join(m.__name__ for m in contracts)
        raise TableDefinitionError(
            f"{table}: no contract has a field {ref.field!r} ({models}); fix the name or declare a Column"
        )
    column_types = {iceberg_type(info.annotation) for _, info in infos}
    found = sorted(str(t) for t in column_types)
    column_type = column_types.pop() if len(column_types) == 1 else None
    if column_type is None:
        raise TableDefinitionError(
            f"{table}.{ref.name}: contract field {ref.field!r} has no single column type ({found}); "
            "declare it as a Computed column"
        )
    everyone = len(infos) == len(contracts)
    if ref.required and not (everyone and all(info.is_required() for _, info in infos)):
        raise TableDefinitionError(
            f"{table}.{ref.name} is required but {ref.field!r} is optional or missing in some contract; "
            "make it required in every contract or drop required=True"
        )
    column = Column(ref.name, column_type, _column_doc(table, ref, infos, everyone), required=ref.required)
    return _FieldColumn(column, FieldValue(ref.name, ref.field, value_converter(infos[0][1].annotation, column_type)))


def _event_type_of(model: type[Event]) -> str:
    (value,) = literal_values(model.model_fields["event_type"].annotation)
    return value


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventTableSpec(TableSpec):
    """A :class:`TableSpec` whose columns come from contracts and which builds its own rows."""

    contracts: tuple[type[Event], ...] = ()
    passed: tuple[str, ...] = ()
    plans: Mapping[type[Event], RowPlan] = field(default_factory=dict, repr=False, compare=False)

    def row(self, event: Event, /, **passed: Any) -> dict[str, Any]:
        """The row of ``event``; ``passed`` gives the columns the pipeline knows (``is_late``, ``payload``…).

        Columns the event's type lacks are left out (null in the lake).
        """
        try:
            plan = self.plans[event.__class__]
        except KeyError:
            raise TableDefinitionError(
                f"{self.name} has no row plan for {type(event).__name__}; add it to the table's contracts"
            ) from None
        if not passed.keys() <= self._passed_names:
            raise TableDefinitionError(
                f"{self.name}: {sorted(passed.keys() - self._passed_names)} are not passed-in columns; "
                f"pass only {list(self.passed)} (the others come from the event)"
            )
        row = plan(event)
        row.update(passed)
        return row

    @cached_property
    def _passed_names(self) -> frozenset[str]:
        return frozenset(self.passed)


def event_table(
    name: str,
    description: str,
    *,
    contracts: Iterable[type[Event]],
    columns: Iterable[LayoutItem],
    omit: Mapping[str, str] | None = None,
    time_column: str = "event_time",
    key: tuple[str, ...] = ("event_id",),
    sort_by: tuple[str, ...] = (),
    properties: Mapping[str, str] | None = None,
) -> EventTableSpec:
    """An event table over ``contracts``: ``columns`` in order, then the unlisted contract fields.

    ``omit`` maps contract fields the table does not store to the reason (a nested value that a
    :class:`Computed` column flattens, a field that belongs to another table…).
    """
    models = tuple(contracts)
    skipped = {**NOT_STORED, **(omit or {})}
    layout = [FromField(item) if isinstance(item, str) else item for item in columns]
    listed = {item.field for item in layout if isinstance(item, FromField)}
    for model in models:
        for field_name in model.model_fields:
            if field_name not in listed and field_name not in skipped:
                layout.append(FromField(field_name))
                listed.add(field_name)
    if stale := set(omit or {}) - {f for m in models for f in m.model_fields}:
        raise TableDefinitionError(f"{name}: omit names fields no contract has: {sorted(stale)}")

    resolved: list[_FieldColumn] = []
    computed: list[Computed] = []
    passed: list[str] = []
    table_columns: list[Column] = []
    for item in layout:
        if isinstance(item, FromField):
            column = _field_column(name, item, models)
            resolved.append(column)
            table_columns.append(column.column)
        elif isinstance(item, Computed):
            computed.append(item)
            table_columns.append(item.column)
        else:
            passed.append(item.name)
            table_columns.append(item)
    fields = [column.value for column in resolved]
    values = [ComputedValue(item.column.name, item.value, item.only) for item in computed]
    plans = {model: compile_plan(model, fields, values) for model in models}
    return EventTableSpec(
        name=name,
        description=description,
        columns=(*table_columns, *SOURCE_COLUMNS),
        time_column=time_column,
        key=key,
        sort_by=sort_by,
        properties=dict(properties or {}),
        contracts=models,
        passed=tuple(passed),
        plans=plans,
    )
