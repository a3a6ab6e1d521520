"""A seeded stream of inventory events only, with duplicates, out-of-order and late arrivals.

The simulator produces a whole supply chain (mostly tracking telemetry); tests of the inventory
pipeline under load or restarts want many inventory events quickly.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

START = datetime(2025, 1, 15, tzinfo=UTC)


def inventory_lines(
    count: int,
    *,
    seed: int,
    keys: int = 120,
    start: datetime = START,
    duplicate: float = 0.02,
    out_of_order: float = 0.03,
    late: float = 0.005,
) -> list[bytes]:
    rng = random.Random(seed)
    pairs = [(f"WH-{k % 4:02d}", f"SKU-{k:04d}") for k in range(keys)]
    lines: list[bytes] = []
    held: list[tuple[int, bytes]] = []  # (release index, line) for out-of-order / late arrivals
    t = start
    for i in range(count):
        t += timedelta(milliseconds=rng.randint(50, 2000))
        warehouse, sku = rng.choice(pairs)
        kind = rng.choices(
            [
                "inventory.received",
                "inventory.shipped",
                "inventory.adjusted",
                "inventory.counted",
                "inventory.reserved",
                "inventory.released",
            ],
            weights=[25, 35, 5, 3, 20, 12],
        )[0]
        event: dict[str, Any] = {
            "eventId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "eventType": kind,
            "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "warehouseId": warehouse,
            "sku": sku,
        }
        if kind == "inventory.adjusted":
            event |= {"quantity": rng.choice([-1, 1]) * rng.randint(1, 10), "reason": "damage"}
        elif kind == "inventory.counted":
            event |= {"quantity": rng.randint(0, 400)}
        elif kind == "inventory.received":
            event |= {"quantity": rng.randint(50, 300), "supplierId": "SUPP-1", "poId": f"PO-{i}"}
        else:
            event |= {"quantity": rng.randint(1, 30)}
        line = orjson.dumps(event)
        roll = rng.random()
        if roll < out_of_order:
            held.append((i + rng.randint(2, 40), line))  # a few events later: within 10 minutes
        elif roll < out_of_order + late:
            held.append((i + rng.randint(600, 1200), line))  # 600+ events later: over 10 minutes
        else:
            lines.append(line)
        if rng.random() < duplicate and lines:
            lines.append(rng.choice(lines[-50:]))
        for item in [h for h in held if h[0] <= i]:
            held.remove(item)
            lines.append(item[1])
    lines.extend(line for _, line in sorted(held))
    return lines


def write_inventory_file(path: Path, count: int, *, seed: int, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(inventory_lines(count, seed=seed, **kwargs)) + b"\n")  # type: ignore[arg-type]
    return path
