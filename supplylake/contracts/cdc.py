"""ERP change data capture: the Debezium envelope (topics ``erp.<schema>.<table>``).

Debezium sends no ``eventId``/``eventType``/``timestamp``; supplylake assigns ``erp.change``,
derives the id from the envelope content and takes event time from ``ts_ms``. Envelope keys keep
Debezium's own spelling (``ts_ms``, row columns in snake_case), only supplylake's fields are
camelCase.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from supplylake.contracts.base import Event, canonical_json, drop_wire_optional, event_id_of
from supplylake.contracts.fields import LATEST_TIME, NonBlank, UtcDatetime, WireModel
from supplylake.event_time import EPOCH, from_epoch_ms, to_epoch_ms

_LATEST_MS = to_epoch_ms(LATEST_TIME)

ERP_EVENT_TYPE = "erp.change"
Op = Literal["c", "u", "d", "r"]

# Keys supplylake adds to the envelope; excluded from the derived id so that the raw envelope and
# its re-serialised wire form (to_wire) without eventId derive the same id.
_ASSIGNED_KEYS = frozenset({"eventId", "eventType", "timestamp", "schemaVersion"})

# op -> rows that must be present. JSON Schema expresses these with if/then (see below).
_REQUIRED_ROWS: dict[str, tuple[str, ...]] = {
    "c": ("after",),
    "r": ("after",),
    "d": ("before",),
    "u": ("before", "after"),
}


def looks_like_debezium(payload: Mapping[str, Any]) -> bool:
    """A Debezium envelope, bare or wrapped by JsonConverter with ``schemas.enable=true``."""
    if "op" in payload and "source" in payload:
        return True
    inner = payload.get("payload")
    return isinstance(inner, Mapping) and "op" in inner and "source" in inner


class DebeziumSource(WireModel):
    """Where the change came from. Connector-specific keys (lsn, db, snapshot…) are kept as-is."""

    model_config = ConfigDict(alias_generator=None, extra="allow")

    schema_name: NonBlank | None = Field(default=None, alias="schema", description="Database schema of the table.")
    table: NonBlank = Field(description="Table the row belongs to.")


def _cdc_schema_extra(schema: dict[str, Any], cls: type[Any]) -> None:
    drop_wire_optional(schema, cls)
    # The epoch default is an implementation detail (see ErpChange.timestamp), not a wire default.
    schema["properties"]["timestamp"].pop("default", None)
    schema["allOf"] = [
        {
            "if": {"properties": {"op": {"const": op}}, "required": ["op"]},
            "then": {"required": list(rows), "properties": {row: {"type": "object"} for row in rows}},
        }
        for op, rows in _REQUIRED_ROWS.items()
    ]


class ErpChange(Event):
    """One row change from the ERP database."""

    model_config = ConfigDict(json_schema_extra=_cdc_schema_extra)

    family: ClassVar[str] = "erp"
    wire_optional: ClassVar[frozenset[str]] = frozenset({"eventId", "eventType", "timestamp"})

    event_type: Literal["erp.change"]
    # Always set from ts_ms before validation; the default only spares a second, confusing
    # "timestamp missing" error when ts_ms itself is missing or invalid.
    timestamp: UtcDatetime = Field(default=EPOCH, description="Event time, taken from ts_ms.")
    before: dict[str, Any] | None = Field(default=None, description="The row before the change (updates, deletes).")
    after: dict[str, Any] | None = Field(
        default=None, description="The row after the change (creates, updates, reads)."
    )
    op: Op = Field(description="c create, u update, d delete, r snapshot read.")
    ts_ms: int = Field(
        alias="ts_ms", ge=0, lt=_LATEST_MS, description="When Debezium processed the change, epoch ms (before 2100)."
    )
    source: DebeziumSource = Field(description="Where the change came from.")

    @classmethod
    def _prepare(cls, data: Mapping[str, Any]) -> Any:
        inner = data.get("payload")
        if "op" not in data and isinstance(inner, Mapping):
            data = inner  # JsonConverter wrapper: the schema half carries no event content
        filled = dict(data)
        filled.setdefault("eventType", ERP_EVENT_TYPE)
        ts_ms = data.get("ts_ms")
        if type(ts_ms) is int and 0 <= ts_ms < _LATEST_MS:
            # Debezium's ts_ms is the source of truth for event time, even over a stated timestamp.
            # Beyond the accepted range it is left to field validation, which says why (a huge
            # ts_ms would overflow the conversion instead).
            filled["timestamp"] = from_epoch_ms(ts_ms)
        if "eventId" not in data and "event_id" not in data:
            filled["eventId"] = event_id_of(canonical_json(data, drop=_ASSIGNED_KEYS))
        return filled

    @field_validator("op")
    @classmethod
    def _rows_present(cls, op: str, info: ValidationInfo) -> str:
        needed = _REQUIRED_ROWS[op]
        # A row that failed its own validation is absent from info.data and already reported.
        missing = [row for row in needed if row in info.data and info.data[row] is None]
        if missing:
            raise PydanticCustomError(
                "op_rows",
                "op '{op}' needs {needed}, but {missing} is null or absent",
                {"op": op, "needed": " and ".join(needed), "missing": " and ".join(missing)},
            )
        return op

    def message_key(self) -> str:
        """Primary key of the row: ``id``, else the first ``*_id`` column, else the event id."""
        row = self.after if self.after is not None else self.before
        if row:
            pk = row.get("id")
            if pk is not None:
                return str(pk)
            for column, value in row.items():
                if column.endswith("_id") and value is not None:
                    return str(value)
        return self.event_id


MODELS: tuple[type[ErpChange], ...] = (ErpChange,)
