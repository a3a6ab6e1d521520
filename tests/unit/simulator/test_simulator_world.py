"""The seeded world: recognisable ids, cold-chain SKUs, consistent master data."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from supplylake.simulator import SimulatorConfigError, World
from supplylake.simulator.geography import REGIONS


def test_the_same_seed_builds_the_same_world() -> None:
    assert World.build(3) == World.build(3)
    assert World.build(3).skus != World.build(4).skus


def test_default_world_has_the_requested_shape() -> None:
    world = World.build(1)
    assert [w.warehouse_id for w in world.warehouses] == [
        "WH-Dallas-01",
        "WH-Chicago-01",
        "WH-Atlanta-01",
        "WH-LosAngeles-01",
    ]
    assert (len(world.skus), len(world.suppliers), len(world.carriers), len(world.customers)) == (40, 8, 4, 200)
    assert len({s.sku for s in world.skus}) == 40
    assert all(re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+){2,3}", s.sku) for s in world.skus)
    assert all(re.fullmatch(r"SUPP-\d{4}", s.supplier_id) for s in world.suppliers)
    assert len({s.supplier_id for s in world.suppliers}) == 8
    categories = {s.category for s in world.skus}
    assert {"PHARMA", "FROZEN"} <= categories
    assert all(s.shipment_category == "PHARMA" for s in world.skus if s.category == "PHARMA")
    for s in world.skus:
        assert 0 < s.unit_cost < s.unit_price and s.reorder_point >= s.case_pack and s.daily_demand > 0
    for s in world.suppliers:
        assert 0 < s.reliability < 1 and 0 < s.short_ship_rate < 1 and 0 < s.rejection_rate < 1
        assert s.lead_time_days >= 1
    assert any(c.cold_chain for c in world.carriers)
    assert {c.region for c in world.customers} == set(REGIONS)
    assert all(world.ports[r] for r in world.regions)


def test_every_sku_is_stocked_somewhere_and_pairs_are_consistent() -> None:
    world = World.build(5, warehouses=6, skus=120)
    stocked = {(p.warehouse_id, p.sku) for p in world.pairs}
    assert {sku for _, sku in stocked} == {s.sku for s in world.skus}
    assert not stocked & set(world.unstocked)
    assert len(stocked) + len(world.unstocked) == 6 * 120
    assert world.unstocked, "a few warehouse x SKU pairs are not stocked (missing_in_stream material)"
    by_sku = {s.sku: s for s in world.skus}
    assert all(p.order_up_to > by_sku[p.sku].reorder_point for p in world.pairs)
    for customer in world.customers:
        assert sorted(customer.warehouses_by_distance) == sorted(w.warehouse_id for w in world.warehouses)


def test_demand_and_stock_levels_scale_with_the_order_rate() -> None:
    small, big = World.build(2, orders_per_day=100), World.build(2, orders_per_day=10_000)
    assert [s.sku for s in small.skus] == [s.sku for s in big.skus]
    assert sum(s.reorder_point for s in big.skus) > 50 * sum(s.reorder_point for s in small.skus)


def test_regions_restrict_the_network() -> None:
    world = World.build(1, regions=["US-WEST"], warehouses=3)
    assert {w.region for w in world.warehouses} == {c.region for c in world.customers} == {"US-WEST"}
    assert len({w.warehouse_id for w in world.warehouses}) == 3
    with pytest.raises(SimulatorConfigError):
        World.build(1, regions=["MARS"])
    with pytest.raises(SimulatorConfigError):
        World.build(1, skus=0)


def test_tiny_and_huge_assortments() -> None:
    assert len(World.build(1, skus=1, warehouses=1).skus) == 1
    huge = World.build(1, skus=400)
    assert len({s.sku for s in huge.skus}) == 400


def test_reference_csvs(tmp_path: Path) -> None:
    world = World.build(7)
    paths = world.write_reference(tmp_path)
    assert [p.name for p in paths] == ["skus.csv", "warehouses.csv", "suppliers.csv", "carriers.csv"]
    with (tmp_path / "skus.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:5] == ["sku", "name", "category", "unit_cost", "reorder_point"]
    assert [r["sku"] for r in rows] == [s.sku for s in world.skus]
    assert all(int(r["reorder_point"]) > 0 and float(r["unit_cost"]) > 0 for r in rows)
    with (tmp_path / "warehouses.csv").open() as fh:
        warehouses = list(csv.DictReader(fh))
    assert warehouses[0] == {
        "warehouse_id": "WH-Dallas-01",
        "city": "Dallas",
        "region": "US-SOUTHWEST",
        "lat": "32.7767",
        "lon": "-96.7970",
    }
    for name, column in (("suppliers.csv", "supplier_id"), ("carriers.csv", "carrier")):
        with (tmp_path / name).open() as fh:
            assert len([r[column] for r in csv.DictReader(fh)]) in (4, 8)
