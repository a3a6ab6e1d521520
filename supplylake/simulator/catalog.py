"""Product templates the world draws its SKUs from (data, not logic).

Each template expands to ``{KIND}-{MODEL}-{VARIANT}`` ids such as ``LAPTOP-XPS-15``. The
category decides how an order ships: PHARMA, FROZEN and FRESH need a cold chain.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProductTemplate:
    kind: str
    category: str
    noun: str
    models: tuple[str, ...]
    variants: tuple[str, ...]
    cost_range: tuple[float, float]
    # Mean units per business order line and the supplier's case size: a laptop line is a few
    # units, a frozen-pizza line is cases of them.
    line_units: int
    case_pack: int


CATEGORIES: tuple[str, ...] = ("ELECTRONICS", "HOME", "APPAREL", "GROCERY", "PHARMA", "FROZEN", "FRESH")

# Share of the assortment per category; PHARMA and FROZEN always get at least one SKU.
CATEGORY_SHARE: dict[str, float] = {
    "ELECTRONICS": 0.30,
    "HOME": 0.15,
    "APPAREL": 0.15,
    "GROCERY": 0.10,
    "PHARMA": 0.12,
    "FROZEN": 0.10,
    "FRESH": 0.08,
}

# How each SKU category ships (docs/wire-format.md shipment categories).
SHIPMENT_CATEGORY: dict[str, str] = {
    "ELECTRONICS": "GENERAL",
    "HOME": "GENERAL",
    "APPAREL": "GENERAL",
    "GROCERY": "GENERAL",
    "PHARMA": "PHARMA",
    "FROZEN": "FROZEN",
    "FRESH": "FRESH",
}

# Cargo temperature band (°C) per shipment category; GENERAL has none.
TEMPERATURE_RANGE: dict[str, tuple[float, float]] = {
    "PHARMA": (2.0, 8.0),
    "FROZEN": (-25.0, -15.0),
    "FRESH": (0.0, 4.0),
}


def _template(
    kind: str,
    category: str,
    noun: str,
    models: str,
    variants: str,
    cost: tuple[float, float],
    line_units: int,
    case_pack: int,
) -> ProductTemplate:
    return ProductTemplate(
        kind, category, noun, tuple(models.split()), tuple(variants.split()), cost, line_units, case_pack
    )


# kind, category, noun, models, variants, unit cost range, units per business line, case pack
TEMPLATES: tuple[ProductTemplate, ...] = (
    _template(
        "LAPTOP", "ELECTRONICS", "Laptop", "XPS MBP THINKPAD SPECTRE ZENBOOK", "13 14 15 16", (550.0, 1900.0), 3, 5
    ),
    _template("MONITOR", "ELECTRONICS", "Monitor", "U27 P24 ODYSSEY ULTRAGEAR", "24 27 32", (140.0, 720.0), 4, 4),
    _template("PHONE", "ELECTRONICS", "Phone", "PIXEL GALAXY IPHONE", "8 9 15 S24", (320.0, 980.0), 5, 10),
    _template("HEADSET", "ELECTRONICS", "Headset", "WH1000 QC45 AIRMAX", "BLK SLV", (90.0, 380.0), 6, 12),
    _template("TABLET", "ELECTRONICS", "Tablet", "IPAD TAB", "11 13", (260.0, 900.0), 4, 10),
    _template("BLENDER", "HOME", "Blender", "VITA NINJA OSTER", "700 900", (35.0, 260.0), 4, 4),
    _template("VACUUM", "HOME", "Vacuum", "DYSON ROOMBA SHARK", "V8 V15 J7", (120.0, 620.0), 2, 2),
    _template("COFFEEMAKER", "HOME", "Coffee maker", "BREVILLE KEURIG", "DUO K5", (55.0, 420.0), 4, 4),
    _template("AIRFRYER", "HOME", "Air fryer", "COSORI INSTANT", "5QT 8QT", (45.0, 160.0), 6, 6),
    _template("JACKET", "APPAREL", "Jacket", "PUFFER RAIN FLEECE", "S M L XL", (28.0, 140.0), 8, 12),
    _template("SNEAKER", "APPAREL", "Sneaker", "RUN TRAIL COURT", "42 43 44", (30.0, 95.0), 8, 12),
    _template("TSHIRT", "APPAREL", "T-shirt", "CREW VNECK", "M L XL", (4.0, 16.0), 24, 48),
    _template("COFFEE", "GROCERY", "Coffee beans", "ARABICA ROBUSTA DECAF", "500G 1KG", (6.0, 24.0), 12, 24),
    _template("PASTA", "GROCERY", "Pasta", "PENNE FUSILLI SPAGHETTI", "500G 1KG", (0.8, 3.5), 48, 96),
    _template("OLIVEOIL", "GROCERY", "Olive oil", "EVOO LIGHT", "500ML 1L", (4.0, 14.0), 24, 24),
    _template("VACCINE", "PHARMA", "Vaccine", "FLU HEPB TDAP", "1DOSE 10DOSE", (12.0, 180.0), 20, 50),
    _template("INSULIN", "PHARMA", "Insulin pen", "GLARG LISPRO ASPART", "5PK 10PK", (45.0, 320.0), 10, 20),
    _template("BIOLOGIC", "PHARMA", "Biologic", "ADA TOCI", "40MG 80MG", (400.0, 2400.0), 4, 10),
    _template("PIZZA", "FROZEN", "Frozen pizza", "MARG PEPP VEG", "12IN 16IN", (2.5, 7.0), 24, 48),
    _template("ICECREAM", "FROZEN", "Ice cream", "VANILLA CHOC MANGO", "1L 2L", (2.0, 6.0), 18, 36),
    _template("PEAS", "FROZEN", "Frozen peas", "GARDEN SNAP", "1KG 2KG", (1.2, 4.0), 30, 60),
    _template("SALAD", "FRESH", "Salad kit", "CAESAR GREEK ASIAN", "STD FAM", (1.8, 5.5), 20, 40),
    _template("BERRIES", "FRESH", "Berries", "STRAW BLUE RASP", "1LB 2LB", (2.0, 7.5), 24, 48),
    _template("MILK", "FRESH", "Milk", "WHOLE OAT SKIM", "1L 2L", (0.9, 3.5), 36, 72),
)
