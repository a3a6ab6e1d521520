"""Stock implied by the stream stays physical, and replenishment follows the reorder points."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from supplylake.simulator import Simulation
from supplylake.simulator.events import to_ms
from tests.support.sim_streams import Run, Valid


def _replay(valid: list[Valid]) -> tuple[Counter[str], Counter[str], list[str]]:
    """Apply inventory events in event time; return on-hand, reserved and any violations."""
    on_hand: Counter[str] = Counter()
    reserved: Counter[str] = Counter()
    problems: list[str] = []
    for v in valid:
        if v.event.family != "inventory":
            continue
        kind, key, qty = v.payload["eventType"], v.event.key, v.payload["quantity"]
        if kind == "inventory.counted":
            on_hand[key] = qty
        elif kind == "inventory.received":
            on_hand[key] += qty
        elif kind in ("inventory.shipped",):
            on_hand[key] -= qty
        elif kind == "inventory.adjusted":
            on_hand[key] += qty
        elif kind == "inventory.reserved":
            reserved[key] += qty
        elif kind == "inventory.released":
            reserved[key] -= qty
        if on_hand[key] < 0 or reserved[key] < 0 or reserved[key] > on_hand[key]:
            problems.append(f"{v.payload['timestamp']} {key} {kind}: {on_hand[key]} held, {reserved[key]} reserved")
    return on_hand, reserved, problems


def test_stock_never_goes_negative_or_below_reservations(long_valid: list[Valid], supply_valid: list[Valid]) -> None:
    for valid in (long_valid, supply_valid):
        _, _, problems = _replay(valid)
        assert not problems, problems[:5]


def test_stock_keys_are_stocked_pairs_and_some_run_out(supply_run: Run, supply_valid: list[Valid]) -> None:
    world = Simulation(supply_run.config).world
    stocked = {f"{p.warehouse_id}:{p.sku}" for p in world.pairs}
    keys = {v.event.key for v in supply_valid if v.event.family == "inventory"}
    assert keys == stocked
    on_hand: Counter[str] = Counter()
    reserved: Counter[str] = Counter()
    ran_out: set[str] = set()
    for v in supply_valid:
        if v.event.family != "inventory":
            continue
        key, kind, qty = v.event.key, v.payload["eventType"], v.payload["quantity"]
        if kind == "inventory.counted":
            on_hand[key] = qty
        elif kind in ("inventory.received", "inventory.adjusted"):
            on_hand[key] += qty
        elif kind == "inventory.shipped":
            on_hand[key] -= qty
        else:
            reserved[key] += qty if kind == "inventory.reserved" else -qty
        if on_hand[key] - reserved[key] == 0:
            ran_out.add(key)
    # Stock-outs happen (alerts have work) but replenishment keeps most pairs supplied.
    assert 0 < len(ran_out) < 0.4 * len(stocked)


def test_counts_cover_every_pair_at_start_and_cycle_counts_run_nightly(supply_valid: list[Valid]) -> None:
    counts = [v for v in supply_valid if v.payload["eventType"] == "inventory.counted"]
    start = counts[0].time_ms
    opening = {v.event.key for v in counts if v.time_ms - start < 1000}
    later = [v for v in counts if v.time_ms - start >= 1000]
    assert opening == {v.event.key for v in counts}
    hours = Counter((v.time_ms // 3_600_000) % 24 for v in later)
    assert later and set(hours) <= {9, 10}  # the night shift, 03:00 US local


def test_adjustments_are_signed_with_reasons(supply_valid: list[Valid]) -> None:
    adjusted = [v.payload for v in supply_valid if v.payload["eventType"] == "inventory.adjusted"]
    assert any(a["quantity"] < 0 for a in adjusted) and any(a["quantity"] > 0 for a in adjusted)
    assert all(a["quantity"] != 0 and a["reason"].strip() for a in adjusted)


def test_purchase_orders_flow_from_reorder_point_to_receipt(supply_run: Run, supply_valid: list[Valid]) -> None:
    world = Simulation(supply_run.config).world
    reorder_point = {s.sku: s.reorder_point for s in world.skus}
    supplier_of = {s.sku: s.supplier_id for s in world.skus}
    on_hand: Counter[str] = Counter()
    reserved: Counter[str] = Counter()
    on_order: Counter[str] = Counter()
    open_lines: dict[tuple[str, str], int] = {}
    pos: dict[str, dict] = {}
    asns: dict[str, Valid] = {}
    received: dict[tuple[str, str], int] = defaultdict(int)
    rejected: dict[tuple[str, str], int] = defaultdict(int)
    late = 0
    for v in supply_valid:
        p, kind = v.payload, v.payload["eventType"]
        key = v.event.key
        if kind == "inventory.counted":
            on_hand[key] = p["quantity"]
        elif kind in ("inventory.received", "inventory.adjusted"):
            on_hand[key] += p["quantity"]
        elif kind == "inventory.shipped":
            on_hand[key] -= p["quantity"]
        elif kind == "inventory.reserved":
            reserved[key] += p["quantity"]
        elif kind == "inventory.released":
            reserved[key] -= p["quantity"]
        elif kind == "po.created":
            pos[p["poId"]] = p
            for line in p["lines"]:
                pair = f"{p['warehouseId']}:{line['sku']}"
                # The buyer orders only what is below its reorder point, from the SKU's supplier.
                assert on_hand[pair] - reserved[pair] + on_order[pair] < reorder_point[line["sku"]]
                assert supplier_of[line["sku"]] == p["supplierId"] == key
                on_order[pair] += line["quantity"]
                open_lines[(p["poId"], line["sku"])] = line["quantity"]
        elif kind == "asn.sent":
            assert p["poId"] in pos and v.time_ms > to_ms(datetime.fromisoformat(pos[p["poId"]]["timestamp"]))
            asns[p["poId"]] = v
        if kind in ("inventory.received", "quality.rejected") and "poId" in p:
            line_key = (p["poId"], p["sku"])
            assert p["poId"] in asns and v.time_ms > asns[p["poId"]].time_ms
            assert p["supplierId"] == pos[p["poId"]]["supplierId"]
            if kind == "inventory.received":
                received[line_key] += p["quantity"]
                assert p["batchId"].startswith("BATCH-") and p["unitCost"] > 0
                if v.time_ms > to_ms(datetime.fromisoformat(pos[p["poId"]]["promisedDate"])):
                    late += 1
            else:
                rejected[line_key] += p["quantity"]
            if line_key in open_lines:
                on_order[f"{pos[p['poId']]['warehouseId']}:{p['sku']}"] -= open_lines.pop(line_key)
    shipped = {(po, line["sku"]): line["quantity"] for po, a in asns.items() for line in a.payload["lines"]}
    # A receipt carries what arrived; its rejected part is counted out of it, not beside it.
    assert set(rejected) <= set(received)
    for line_key in received:
        assert received[line_key] == shipped[line_key]
        assert 0 <= rejected[line_key] <= received[line_key]
    ordered = {(po, line["sku"]): line["quantity"] for po, p in pos.items() for line in p["lines"]}
    assert any(shipped[k] < ordered[k] for k in shipped), "some lines are short-shipped"
    assert rejected, "some goods fail inspection"
    assert late, "some suppliers deliver after their promised date"
    assert len(received) > 50
