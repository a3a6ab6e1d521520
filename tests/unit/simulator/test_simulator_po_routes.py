"""A purchase order says how its goods travel (the port they enter through, the region of the
warehouse they are for), and a closure of that port or weather in that region holds them."""

from __future__ import annotations

import dataclasses
from collections import deque
from datetime import datetime
from random import Random
from typing import Any

import orjson
import pytest

from supplylake.simulator import DEFAULT_START, World
from supplylake.simulator.disruptions import Disruptions
from supplylake.simulator.engine import MS_PER_DAY, Engine
from supplylake.simulator.erp import ErpClerk, ErpSnapshot
from supplylake.simulator.events import to_ms
from supplylake.simulator.replenishment import Replenisher
from supplylake.simulator.stock import StockBook

START_MS = to_ms(DEFAULT_START)
CLOSED_UNTIL = START_MS + 60 * MS_PER_DAY


def _one_po(hold: str | None) -> tuple[World, str, list[dict[str, Any]]]:
    """One PO of an imported SKU, supplier always on time; ``hold``: 'port' closes its port,
    'weather' puts its warehouse's region under a weather alert, both for 60 days."""
    base = World.build(5)
    world = dataclasses.replace(base, suppliers=tuple(dataclasses.replace(s, reliability=1.0) for s in base.suppliers))
    importers = {s.supplier_id: s for s in world.suppliers if s.entry_port is not None}
    engine = Engine(START_MS, Random("ids"))
    rng = Random("routes")
    book = StockBook(world.pairs, world.skus)
    clerk = ErpClerk(engine, Random("erp"), world, book, 0, 0.0, deque[ErpSnapshot]())
    disruptions = Disruptions(engine, rng, world)
    replenisher = Replenisher(engine, rng, world, book, clerk, disruptions, "TEST")
    pair = next(p for p in book if p.item.supplier_id in importers)
    region = world.warehouse(pair.warehouse_id).region
    if hold == "port":
        disruptions._closures.append((importers[pair.item.supplier_id].entry_port or "", START_MS, CLOSED_UNTIL))
    elif hold == "weather":
        disruptions._weather.append((region, START_MS, CLOSED_UNTIL))
    replenisher.touch(pair)
    return world, pair.item.supplier_id, [orjson.loads(e.value) for e in engine.run()]


def _arrival(events: list[dict[str, Any]]) -> int:
    (asn,) = [e for e in events if e["eventType"] == "asn.sent"]
    return int(datetime.fromisoformat(asn["expectedArrival"]).timestamp() * 1000)


def test_a_po_names_its_port_of_entry_and_its_warehouse_region() -> None:
    world, supplier_id, events = _one_po(hold=None)
    (po,) = [e for e in events if e["eventType"] == "po.created"]
    supplier = next(s for s in world.suppliers if s.supplier_id == supplier_id)
    assert po["port"] == supplier.entry_port
    assert supplier.entry_region is not None and po["port"] in world.ports[supplier.entry_region]
    assert po["warehouseRegion"] == world.warehouse(po["warehouseId"]).region
    assert _arrival(events) < CLOSED_UNTIL


@pytest.mark.parametrize("hold", ["port", "weather"])
def test_a_closed_port_or_weather_at_the_warehouse_holds_the_goods_until_it_ends(hold: str) -> None:
    _, _, events = _one_po(hold=hold)
    assert _arrival(events) >= CLOSED_UNTIL - CLOSED_UNTIL % 3_600_000
