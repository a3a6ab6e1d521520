"""A receipt carries what arrived; what fails inspection is rejected, then taken out of stock.

The supplier domain counts ``accepted = received - rejected``: a receipt that carried only the
accepted units would count a rejection twice. So ``inventory.received`` carries the shipped
quantity and the rejection is a ``quality.rejected`` followed by an ``inventory.adjusted`` of
minus the rejected units: stock on hand still rises by the accepted units only.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from random import Random
from typing import Any

import orjson
import pytest

from supplylake.simulator import DEFAULT_START, SimEvent, World
from supplylake.simulator.disruptions import Disruptions
from supplylake.simulator.engine import Engine
from supplylake.simulator.erp import ErpClerk, ErpSnapshot
from supplylake.simulator.events import to_ms
from supplylake.simulator.replenishment import Replenisher
from supplylake.simulator.stock import PairState, StockBook
from tests.support.sim_streams import Valid

START_MS = to_ms(DEFAULT_START)


def _receive_one_po(rejection_rate: float) -> tuple[PairState, int, list[dict[str, Any]]]:
    """One PO of one pair from the buyer's review to its receipt: the pair, its opening stock, the events.

    Every supplier ships in full, on time, and rejects at ``rejection_rate``.
    """
    base = World.build(5)
    world = dataclasses.replace(
        base,
        suppliers=tuple(
            dataclasses.replace(s, rejection_rate=rejection_rate, short_ship_rate=0.0, reliability=1.0)
            for s in base.suppliers
        ),
    )
    engine = Engine(START_MS, Random("ids"))
    rng = Random("receipts")
    book = StockBook(world.pairs, world.skus)
    ready: deque[ErpSnapshot] = deque()
    clerk = ErpClerk(engine, Random("erp"), world, book, 0, 0.0, ready)
    replenisher = Replenisher(engine, rng, world, book, clerk, Disruptions(engine, rng, world), "TEST")
    pair = next(iter(book))
    opening = pair.on_hand  # nothing yet: below the reorder point, the buyer orders up to the target
    replenisher.touch(pair)
    events: list[SimEvent] = list(engine.run())
    return pair, opening, [orjson.loads(e.value) for e in events]


def test_a_rejected_receipt_carries_the_shipped_quantity_then_the_rejection_and_its_adjustment() -> None:
    pair, opening, events = _receive_one_po(rejection_rate=1.0)
    types = [e["eventType"] for e in events]
    assert types == ["po.created", "asn.sent", "inventory.received", "quality.rejected", "inventory.adjusted"]
    _, asn, received, rejected, adjusted = events
    shipped = asn["lines"][0]["quantity"]
    assert received["quantity"] == shipped
    assert 0 < rejected["quantity"] <= shipped
    assert (rejected["poId"], rejected["sku"], rejected["warehouseId"]) == (
        received["poId"],
        received["sku"],
        received["warehouseId"],
    )
    assert (adjusted["warehouseId"], adjusted["sku"]) == (pair.warehouse_id, pair.sku)
    assert adjusted["quantity"] == -rejected["quantity"]
    assert adjusted["reason"] == f"quality rejected: {rejected['reason']}"
    # The stream moves stock by received - rejected, and so does the simulator's own book.
    stream_delta = received["quantity"] + adjusted["quantity"]
    assert stream_delta == shipped - rejected["quantity"]
    assert pair.on_hand == opening + stream_delta
    assert pair.last_move_delta == stream_delta  # the ERP books the receipt net, once
    assert pair.on_order == 0


def test_a_clean_receipt_carries_the_shipped_quantity_and_nothing_else() -> None:
    pair, opening, events = _receive_one_po(rejection_rate=0.0)
    assert [e["eventType"] for e in events] == ["po.created", "asn.sent", "inventory.received"]
    shipped = events[1]["lines"][0]["quantity"]
    assert events[2]["quantity"] == shipped
    assert pair.on_hand == opening + shipped


@pytest.fixture(scope="module")
def rejections(supply_valid: list[Valid]) -> list[tuple[Valid, Valid | None]]:
    """Every rejection of the default stream with the next inventory event of its pair."""
    pairs: list[tuple[Valid, Valid | None]] = []
    for index, v in enumerate(supply_valid):
        if v.payload["eventType"] != "quality.rejected":
            continue
        key = f"{v.payload['warehouseId']}:{v.payload['sku']}"
        after = (w for w in supply_valid[index + 1 :] if w.event.family == "inventory" and w.event.key == key)
        pairs.append((v, next(after, None)))
    return pairs


def test_in_the_stream_every_rejection_is_followed_by_its_negative_adjustment(
    rejections: list[tuple[Valid, Valid | None]],
) -> None:
    assert rejections, "some goods fail inspection"
    for rejection, following in rejections:
        assert following is not None
        adjusted = following.payload
        assert adjusted["eventType"] == "inventory.adjusted"
        assert adjusted["quantity"] == -rejection.payload["quantity"]
        assert adjusted["reason"] == f"quality rejected: {rejection.payload['reason']}"
        assert following.time_ms > rejection.time_ms
