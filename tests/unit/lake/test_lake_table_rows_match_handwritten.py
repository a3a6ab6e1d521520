"""The derived inventory_events row builder gives the rows the hand-written one gave.

Its speed against the hand-written builder is a benchmark: ``python -m bench.micro.row_building``.
"""

from __future__ import annotations

from supplylake.contracts import parse_event
from supplylake.contracts.inventory import InventoryEvent
from supplylake.pipelines.inventory.app import _event_row as derived
from tests.support.inventory_rows import handwritten_inventory_event_row as handwritten
from tests.support.inventory_stream import inventory_lines


def test_derived_rows_equal_the_handwritten_ones() -> None:
    for raw in inventory_lines(1_000, seed=1):
        event = parse_event(raw)
        assert isinstance(event, InventoryEvent)
        old, new = handwritten(event, raw, True, 1), derived(event, raw, True, 1)
        assert new == {name: value for name, value in old.items() if name in new}
        assert all(old[name] is None for name in old.keys() - new.keys())  # left out = null in the lake
