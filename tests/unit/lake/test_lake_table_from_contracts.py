"""Deriving an event table from contracts: a new field or event type is one edit, in the contract."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

import pytest
from pydantic import Field
from pyiceberg.catalog import Catalog

from supplylake.contracts import inventory
from supplylake.contracts.fields import GeoPoint, NonBlank
from supplylake.contracts.inventory import InventoryEvent, InventoryReceived
from supplylake.lake import ensure_table
from supplylake.lake.tables import INVENTORY_EVENTS, SOURCE_COLUMNS, EventTableSpec, TableDefinitionError, event_table
from supplylake.lake.tables.columns import BOOLEAN, DOUBLE, LONG, STRING, TIMESTAMP
from supplylake.lake.tables.field_types import iceberg_type
from supplylake.lake.tables.from_contracts import (
    EVENT_ID,
    EVENT_TIME,
    EVENT_TYPE,
    INGESTED_AT,
    PAYLOAD,
    FromField,
    LayoutItem,
)
from supplylake.lake.tables.inventory import IS_LATE

SOURCE_NAMES = [c.name for c in SOURCE_COLUMNS]


class ReceivedWithCarrier(InventoryReceived):
    """inventory.received as it would be after someone adds one field to the contract."""

    carrier_ref: NonBlank | None = Field(default=None, description="Carrier's delivery note number.")


class InventoryWrittenOff(InventoryEvent):
    """A new inventory event type, as someone would add it to contracts/inventory.py."""

    event_type: Literal["inventory.written_off"]
    quantity: int = Field(gt=0, description="Units written off.")
    reason: NonBlank = Field(description="Why the stock was written off.")


def _inventory_events(models: tuple[type[InventoryEvent], ...]) -> EventTableSpec:
    """inventory_events as lake/tables/inventory.py defines it, over other contract models."""
    fixed: dict[str, LayoutItem] = {"event_id": EVENT_ID, "event_type": EVENT_TYPE, "event_time": EVENT_TIME}
    fixed |= {"is_late": IS_LATE, "payload": PAYLOAD, "ingested_at": INGESTED_AT}
    names = [c.name for c in INVENTORY_EVENTS.columns if c.name not in SOURCE_NAMES]
    return event_table(
        "inventory_events",
        INVENTORY_EVENTS.description,
        contracts=models,
        sort_by=INVENTORY_EVENTS.sort_by,
        columns=[fixed.get(name, name) for name in names],
    )


def _shape(spec: EventTableSpec) -> list[tuple[str, object, bool]]:
    return [(f.name, f.field_type, f.required) for f in spec.schema.fields]


def test_the_layout_helper_rebuilds_todays_table() -> None:
    assert _inventory_events(inventory.MODELS).schema == INVENTORY_EVENTS.schema


def test_adding_a_field_to_a_contract_adds_the_column(catalog: Catalog) -> None:
    models = tuple(ReceivedWithCarrier if m is InventoryReceived else m for m in inventory.MODELS)
    spec = _inventory_events(models)

    names = [c.name for c in spec.columns]
    today = [c.name for c in INVENTORY_EVENTS.columns if c.name not in SOURCE_NAMES]
    assert names == [*today, "carrier_ref", *SOURCE_NAMES]  # after the listed columns, before the source ones
    column = spec.schema.find_field("carrier_ref")
    assert column.field_type == STRING and not column.required
    assert column.doc == "Carrier's delivery note number (inventory.received)."
    event = ReceivedWithCarrier.model_validate(
        {"eventType": "inventory.received", "timestamp": "2025-01-15T00:00:00Z", "warehouseId": "W", "sku": "S"}
        | {"quantity": 3, "carrierRef": "DN-7"}
    )
    assert spec.row(event)["carrier_ref"] == "DN-7"

    # An existing lake table gets the new column (optional, appended) the next time a pipeline starts.
    old = ensure_table(catalog, INVENTORY_EVENTS)
    evolved = ensure_table(catalog, spec)
    assert [f.name for f in evolved.schema().fields] == [f.name for f in old.schema().fields] + ["carrier_ref"]


def test_adding_an_event_type_adds_its_rows_and_its_name_to_the_docs() -> None:
    spec = _inventory_events((*inventory.MODELS, InventoryWrittenOff))
    assert _shape(spec) == _shape(INVENTORY_EVENTS)  # its fields are columns already
    assert "inventory.written_off" in spec.column_docs["event_type"]
    assert "Units written off (inventory.written_off)" in spec.column_docs["quantity"]
    assert "Why the stock was written off (inventory.written_off)" in spec.column_docs["reason"]
    event = InventoryWrittenOff.model_validate(
        {"eventType": "inventory.written_off", "timestamp": "2025-01-15T00:00:00Z", "warehouseId": "W", "sku": "S"}
        | {"quantity": 2, "reason": "expired"}
    )
    row = spec.row(event)
    assert (row["event_type"], row["quantity"], row["reason"]) == ("inventory.written_off", 2, "expired")


class Colour(StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, LONG),
        (Annotated[int, Field(gt=0)], LONG),
        (float | None, DOUBLE),
        (bool, BOOLEAN),
        (str, STRING),
        (NonBlank | None, STRING),
        (Literal["a", "b"], STRING),
        (Colour, STRING),
        (dt.datetime, TIMESTAMP),
        (GeoPoint, STRING),
        (list[GeoPoint] | None, STRING),
        (dict[str, int], STRING),
        (bytes, None),
    ],
)
def test_python_types_map_to_iceberg_types(annotation: object, expected: object) -> None:
    assert iceberg_type(annotation) == expected


def test_definitions_that_do_not_fit_the_contracts_fail_at_import_with_the_fix() -> None:
    class Undocumented(InventoryEvent):
        event_type: Literal["inventory.undocumented"]
        quantity: int = Field(description="Units.")
        mystery: str | None = None

    with pytest.raises(TableDefinitionError, match=r"Undocumented.mystery has no description; add Field"):
        event_table("t", "t", contracts=(Undocumented,), columns=(EVENT_ID, EVENT_TIME))
    with pytest.raises(TableDefinitionError, match="is required but 'order_id' is optional"):
        event_table(
            "t", "t", contracts=inventory.MODELS, columns=(EVENT_ID, EVENT_TIME, FromField("order_id", required=True))
        )
    with pytest.raises(TableDefinitionError, match="no contract has a field 'nope'"):
        event_table("t", "t", contracts=inventory.MODELS, columns=(EVENT_ID, EVENT_TIME, "nope"))
    with pytest.raises(TableDefinitionError, match="omit names fields no contract has"):
        event_table("t", "t", contracts=inventory.MODELS, columns=(EVENT_ID, EVENT_TIME), omit={"nope": "-"})
