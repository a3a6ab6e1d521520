"""The simulated network: warehouses, SKUs, suppliers, carriers, customers, stores and ports.

``World.build(seed, ...)`` is deterministic: the same arguments give the same world. Demand is
scaled by ``orders_per_day`` so reorder points and stock levels fit the order rate the
generator will run at. ``write_reference`` exports the master data as CSV for the lake.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from supplylake.simulator import params
from supplylake.simulator.catalog import CATEGORIES, CATEGORY_SHARE, SHIPMENT_CATEGORY, TEMPLATES, ProductTemplate
from supplylake.simulator.errors import SimulatorConfigError
from supplylake.simulator.geography import DEFAULT_REGIONS, HUBS, REGIONS, City, distance_km


@dataclass(frozen=True, slots=True)
class Warehouse:
    warehouse_id: str
    city: str
    region: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Sku:
    sku: str
    name: str
    category: str
    shipment_category: str
    unit_cost: float
    unit_price: float
    supplier_id: str
    weight: float  # relative demand
    line_units: int  # mean units of a business order line
    case_pack: int
    daily_demand: float  # units/day over all warehouses
    reorder_point: int


@dataclass(frozen=True, slots=True)
class Supplier:
    supplier_id: str
    name: str
    country: str
    entry_region: str | None  # where its goods enter the country
    entry_port: str | None  # the port they enter through (its closures delay them); None: domestic
    lead_time_days: float
    reliability: float  # probability a PO arrives by its promised date
    short_ship_rate: float
    rejection_rate: float
    over_ship_rate: float = 0.0  # zero: lines are never over-shipped (and no draw is made)
    late_hours: tuple[float, float] = params.LATE_ARRIVAL  # how late a late PO arrives, uniform


@dataclass(frozen=True, slots=True)
class Carrier:
    carrier: str
    name: str
    on_time_rate: float
    avg_speed_kmh: float
    cold_chain: bool
    silent_rate: float  # tracker goes dark and the shipment is never confirmed delivered


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    region: str
    city: str
    lat: float
    lon: float
    business: bool
    warehouses_by_distance: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Store:
    store_id: str
    region: str
    city: str


@dataclass(frozen=True, slots=True)
class Pair:
    """A warehouse that stocks a SKU, with its replenishment levels."""

    warehouse_id: str
    sku: str
    demand_share: float  # of the SKU's demand this warehouse serves
    order_up_to: int


_CARRIERS: tuple[tuple[str, str, bool], ...] = (
    ("UPS", "UPS Supply Chain Solutions", True),
    ("FEDEX", "FedEx Freight", True),
    ("XPO", "XPO Logistics", False),
    ("DHL", "DHL Supply Chain", True),
    ("ODFL", "Old Dominion Freight Line", False),
    ("JBHT", "J.B. Hunt Transport", True),
    ("SAIA", "Saia LTL Freight", False),
    ("ESTES", "Estes Express Lines", False),
)

# (country, where goods enter, lead time range in days)
_SUPPLIER_ORIGINS: tuple[tuple[str, str | None, tuple[float, float]], ...] = (
    ("CN", "US-WEST", (8.0, 18.0)),
    ("US", None, (2.0, 5.0)),
    ("MX", "US-SOUTHWEST", (4.0, 8.0)),
    ("VN", "US-WEST", (9.0, 18.0)),
    ("DE", "US-NORTHEAST", (8.0, 16.0)),
    ("US", None, (2.0, 5.0)),
    ("IN", "US-NORTHEAST", (10.0, 18.0)),
    ("KR", "US-WEST", (8.0, 15.0)),
)
_NAME_PREFIX = (
    "Apex",
    "Bright",
    "Everlink",
    "Northstar",
    "Pacific",
    "Summit",
    "Keystone",
    "Harbor",
    "Vertex",
    "Bluewater",
    "Ironwood",
    "Meridian",
)
_NAME_SUFFIX = {
    "ELECTRONICS": "Electronics",
    "HOME": "Home Goods",
    "APPAREL": "Apparel",
    "GROCERY": "Foods",
    "PHARMA": "Pharma",
    "FROZEN": "Frozen Foods",
    "FRESH": "Fresh Produce",
}


@dataclass(frozen=True)
class World:
    seed: int
    regions: tuple[str, ...]
    warehouses: tuple[Warehouse, ...]
    skus: tuple[Sku, ...]
    suppliers: tuple[Supplier, ...]
    carriers: tuple[Carrier, ...]
    customers: tuple[Customer, ...]
    stores: tuple[Store, ...]
    pairs: tuple[Pair, ...]  # stocked warehouse x SKU, sorted
    unstocked: tuple[tuple[str, str], ...]  # warehouse x SKU never stocked (never in the stream)
    ports: dict[str, tuple[str, ...]] = field(hash=False)
    orders_per_day: float = 1000.0

    @classmethod
    def build(
        cls,
        seed: int,
        *,
        warehouses: int = 4,
        skus: int = 40,
        suppliers: int = 8,
        carriers: int = 4,
        customers: int = 200,
        regions: Sequence[str] | None = None,
        orders_per_day: float = 1000.0,
    ) -> World:
        """A deterministic world; ``orders_per_day`` scales demand and stock levels."""
        region_codes = _check_regions(regions)
        for name, value in (
            ("warehouses", warehouses),
            ("skus", skus),
            ("suppliers", suppliers),
            ("carriers", carriers),
            ("customers", customers),
        ):
            if value < 1:
                raise SimulatorConfigError(f"{name} must be at least 1, got {value}")
        if not orders_per_day > 0:
            raise SimulatorConfigError(f"orders_per_day must be positive, got {orders_per_day}")
        rng = random.Random(f"supplylake-world:{seed}")
        whs = _warehouses(warehouses, region_codes, rng)
        sups = _suppliers(suppliers, region_codes, rng)
        custs = _customers(customers, region_codes, whs, rng)
        stores = _stores(region_codes, rng)
        crs = _carriers(carriers, rng)
        templates = _pick_templates(skus, rng)
        carried = _carried(templates, whs, rng)
        sku_rows, pairs = _demand(templates, sups, whs, custs, carried, orders_per_day, rng)
        unstocked = tuple(
            sorted((w.warehouse_id, t) for w in whs for t, _ in templates if (w.warehouse_id, t) not in carried)
        )
        return cls(
            seed=seed,
            regions=region_codes,
            warehouses=whs,
            skus=sku_rows,
            suppliers=sups,
            carriers=crs,
            customers=custs,
            stores=stores,
            pairs=pairs,
            unstocked=unstocked,
            ports={code: REGIONS[code].ports for code in region_codes},
            orders_per_day=orders_per_day,
        )

    def warehouse(self, warehouse_id: str) -> Warehouse:
        for w in self.warehouses:
            if w.warehouse_id == warehouse_id:
                return w
        raise KeyError(warehouse_id)

    def write_reference(self, directory: str | Path) -> list[Path]:
        """Master data as CSV: skus, warehouses, suppliers, carriers. Returns the files written."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tables: list[tuple[str, list[str], list[list[object]]]] = [
            (
                "skus.csv",
                ["sku", "name", "category", "unit_cost", "reorder_point", "unit_price", "supplier_id", "daily_demand"],
                [
                    [
                        s.sku,
                        s.name,
                        s.category,
                        f"{s.unit_cost:.2f}",
                        s.reorder_point,
                        f"{s.unit_price:.2f}",
                        s.supplier_id,
                        f"{s.daily_demand:.1f}",
                    ]
                    for s in self.skus
                ],
            ),
            (
                "warehouses.csv",
                ["warehouse_id", "city", "region", "lat", "lon"],
                [[w.warehouse_id, w.city, w.region, f"{w.lat:.4f}", f"{w.lon:.4f}"] for w in self.warehouses],
            ),
            (
                "suppliers.csv",
                [
                    "supplier_id",
                    "name",
                    "country",
                    "lead_time_days",
                    "reliability",
                    "short_ship_rate",
                    "rejection_rate",
                ],
                [
                    [
                        s.supplier_id,
                        s.name,
                        s.country,
                        f"{s.lead_time_days:g}",
                        f"{s.reliability:.3f}",
                        f"{s.short_ship_rate:.3f}",
                        f"{s.rejection_rate:.3f}",
                    ]
                    for s in self.suppliers
                ],
            ),
            (
                "carriers.csv",
                ["carrier", "name", "on_time_rate", "avg_speed_kmh", "cold_chain"],
                [
                    [
                        c.carrier,
                        c.name,
                        f"{c.on_time_rate:.3f}",
                        f"{c.avg_speed_kmh:.1f}",
                        "true" if c.cold_chain else "false",
                    ]
                    for c in self.carriers
                ],
            ),
        ]
        written: list[Path] = []
        for name, header, rows in tables:
            path = out / name
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(rows)
            written.append(path)
        return written


def _check_regions(regions: Sequence[str] | None) -> tuple[str, ...]:
    if regions is None:
        return DEFAULT_REGIONS
    codes = tuple(dict.fromkeys(regions))
    unknown = [code for code in codes if code not in REGIONS]
    if unknown or not codes:
        raise SimulatorConfigError(
            f"unknown or no regions: {unknown or 'none given'}",
            hint=f"choose from {', '.join(DEFAULT_REGIONS)}",
        )
    return codes


def _warehouses(count: int, regions: tuple[str, ...], rng: random.Random) -> tuple[Warehouse, ...]:
    hubs = [(region, name) for region, name in HUBS if region in regions]
    # Regions without a listed hub (none today) still get warehouses in their first cities.
    for region in regions:
        if not any(r == region for r, _ in hubs):
            hubs.extend((region, c.name) for c in REGIONS[region].cities[:2])
    result = []
    for i in range(count):
        region, name = hubs[i % len(hubs)]
        site = next(c for c in REGIONS[region].cities if c.name == name)
        number = i // len(hubs) + 1
        # A second site in the same metro sits a few km away from the first.
        dlat = 0.0 if number == 1 else rng.uniform(-0.15, 0.15)
        dlon = 0.0 if number == 1 else rng.uniform(-0.15, 0.15)
        result.append(
            Warehouse(
                f"WH-{name.replace(' ', '').replace('.', '')}-{number:02d}",
                name,
                region,
                round(site.lat + dlat, 4),
                round(site.lon + dlon, 4),
            )
        )
    return tuple(result)


def _suppliers(count: int, regions: tuple[str, ...], rng: random.Random) -> tuple[Supplier, ...]:
    numbers = rng.sample(range(1000, 10000), count)
    result = []
    for i, number in enumerate(numbers):
        country, entry, (lo, hi) = _SUPPLIER_ORIGINS[i % len(_SUPPLIER_ORIGINS)]
        category = CATEGORIES[i % len(CATEGORIES)]
        result.append(
            Supplier(
                supplier_id=f"SUPP-{number}",
                name=f"{rng.choice(_NAME_PREFIX)} {_NAME_SUFFIX[category]}",
                country=country,
                entry_region=entry if entry in regions else None,
                # The region's main gateway (its first listed port): no draw, the world stays as it was.
                entry_port=REGIONS[entry].ports[0] if entry is not None and entry in regions else None,
                lead_time_days=float(round(rng.uniform(lo, hi))),
                reliability=round(rng.uniform(0.75, 0.97), 3),
                short_ship_rate=round(rng.uniform(0.02, 0.10), 3),
                rejection_rate=round(rng.uniform(0.01, 0.05), 3),
            )
        )
    return tuple(result)


def _customers(
    count: int, regions: tuple[str, ...], whs: tuple[Warehouse, ...], rng: random.Random
) -> tuple[Customer, ...]:
    shares = [REGIONS[r].demand_share for r in regions]
    result = []
    for i in range(count):
        region = rng.choices(regions, weights=shares)[0]
        site: City = rng.choice(REGIONS[region].cities)
        lat = round(site.lat + rng.uniform(-0.25, 0.25), 4)
        lon = round(site.lon + rng.uniform(-0.25, 0.25), 4)
        by_distance = tuple(
            w.warehouse_id for w in sorted(whs, key=lambda w: (distance_km(lat, lon, w.lat, w.lon), w.warehouse_id))
        )
        result.append(Customer(f"CUST-{i + 1:05d}", region, site.name, lat, lon, rng.random() < 0.35, by_distance))
    return tuple(result)


def _stores(regions: tuple[str, ...], rng: random.Random) -> tuple[Store, ...]:
    result: list[Store] = []
    for region in regions:
        for _ in range(3):
            site = rng.choice(REGIONS[region].cities)
            result.append(Store(f"STORE-{1001 + len(result):04d}", region, site.name))
    return tuple(result)


def _carriers(count: int, rng: random.Random) -> tuple[Carrier, ...]:
    result = []
    for i in range(count):
        if i < len(_CARRIERS):
            code, name, cold = _CARRIERS[i]
        else:
            code, name, cold = f"CARR{i + 1:02d}", f"Regional Carrier {i + 1}", i % 3 == 0
        result.append(
            Carrier(
                code,
                name,
                round(rng.uniform(0.84, 0.95), 3),
                round(rng.uniform(42.0, 58.0), 1),
                cold or count == 1,
                round(rng.uniform(0.008, 0.025), 4),
            )
        )
    return tuple(result)


def _category_counts(total: int) -> dict[str, int]:
    """Largest-remainder split of the assortment, with PHARMA and FROZEN never left out."""
    raw = {c: CATEGORY_SHARE[c] * total for c in CATEGORIES}
    counts = {c: int(v) for c, v in raw.items()}
    for c in sorted(CATEGORIES, key=lambda c: (-(raw[c] - counts[c]), CATEGORIES.index(c))):
        if sum(counts.values()) >= total:
            break
        counts[c] += 1
    for must in ("PHARMA", "FROZEN"):
        if counts[must] == 0 and total >= 3:
            donor = max(CATEGORIES, key=lambda c: (counts[c], -CATEGORIES.index(c)))
            counts[donor] -= 1
            counts[must] += 1
    return counts


def _pick_templates(total: int, rng: random.Random) -> list[tuple[str, ProductTemplate]]:
    """(sku id, template) per SKU, deterministic for the seed."""
    chosen: list[tuple[str, ProductTemplate]] = []
    for category, n in _category_counts(total).items():
        ids = [
            (f"{t.kind}-{m}-{v}", t) for t in TEMPLATES if t.category == category for m in t.models for v in t.variants
        ]
        rng.shuffle(ids)
        # A very large assortment reuses templates as new generations (-G2, -G3...).
        for i in range(n):
            sku_id, template = ids[i % len(ids)]
            generation = i // len(ids)
            chosen.append((f"{sku_id}-G{generation + 1}" if generation else sku_id, template))
    return chosen


def _carried(
    templates: list[tuple[str, ProductTemplate]], whs: tuple[Warehouse, ...], rng: random.Random
) -> set[tuple[str, str]]:
    carried: set[tuple[str, str]] = set()
    for sku_id, _ in templates:
        stocked = [w.warehouse_id for w in whs if len(whs) == 1 or rng.random() < params.CARRY_PROBABILITY]
        if not stocked:
            stocked = [rng.choice(whs).warehouse_id]
        carried.update((w, sku_id) for w in stocked)
    return carried


def _round_up(value: float, multiple: int) -> int:
    return math.ceil(value / multiple) * multiple


def _demand(
    templates: list[tuple[str, ProductTemplate]],
    sups: tuple[Supplier, ...],
    whs: tuple[Warehouse, ...],
    custs: tuple[Customer, ...],
    carried: set[tuple[str, str]],
    orders_per_day: float,
    rng: random.Random,
) -> tuple[tuple[Sku, ...], tuple[Pair, ...]]:
    weights = [rng.lognormvariate(0.0, 0.8) for _ in templates]
    total_weight = sum(weights)
    web_lines = sum(n * p for n, p in params.WEB_LINES)
    web_units = sum(n * p for n, p in params.WEB_UNITS)
    b2b_lines = sum(params.B2B_LINES) / 2
    skus: list[Sku] = []
    pairs: list[Pair] = []
    for (sku_id, t), weight in zip(templates, weights, strict=True):
        specialists = [s for i, s in enumerate(sups) if CATEGORIES[i % len(CATEGORIES)] == t.category]
        supplier = rng.choice(specialists or list(sups))
        p_line = weight / total_weight
        daily = (
            orders_per_day
            * p_line
            * (params.WEB_ORDER_SHARE * web_lines * web_units + (1 - params.WEB_ORDER_SHARE) * b2b_lines * t.line_units)
        )
        stocking = [w.warehouse_id for w in whs if (w.warehouse_id, sku_id) in carried]
        served = dict.fromkeys(stocking, 0)
        for c in custs:
            served[next(w for w in c.warehouses_by_distance if w in served)] += 1
        per_warehouse = daily / len(stocking)
        # Even a warehouse no customer is nearest to sees overflow orders.
        demand_at = {w: max(daily * served[w] / len(custs), per_warehouse / 4) for w in stocking}
        # One reorder point per SKU (what alerts compare with) must cover its busiest warehouse.
        reorder_point = max(
            t.case_pack, math.ceil(max(demand_at.values()) * (supplier.lead_time_days + params.SAFETY_DAYS))
        )
        for w in stocking:
            share = served[w] / len(custs)
            cover = demand_at[w] * params.COVER_DAYS
            pairs.append(Pair(w, sku_id, share, _round_up(reorder_point + cover, t.case_pack)))
        cost = round(rng.uniform(*t.cost_range), 2)
        model, variant = sku_id.split("-")[1:3]
        skus.append(
            Sku(
                sku=sku_id,
                name=f"{t.noun} {model.title()} {variant}",
                category=t.category,
                shipment_category=SHIPMENT_CATEGORY[t.category],
                unit_cost=cost,
                unit_price=round(cost * rng.uniform(1.25, 1.8), 2),
                supplier_id=supplier.supplier_id,
                weight=weight,
                line_units=t.line_units,
                case_pack=t.case_pack,
                daily_demand=daily,
                reorder_point=reorder_point,
            )
        )
    pairs.sort(key=lambda p: (p.warehouse_id, p.sku))
    return tuple(skus), tuple(pairs)
