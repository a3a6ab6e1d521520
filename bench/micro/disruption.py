"""Time to assess one disruption signal on a large network, in process (no Kafka, no commit).

    .venv/bin/python -m bench.micro.disruption [--skus 500] [--warehouses 10] [--signals 20]

Builds the temp tables ``supplylake plan`` reads the lake into (``planning.inputs.load``) for a
synthetic network: every SKU stocked at every warehouse, 30 stock events per key, three open
PO lines per key from eight suppliers (half of them importers through four ports), a 14-day
forecast made on each of the last seven days. Then it times ``assess_signal`` (the network as of
the signal, every affected key's projections before and after, and the rows and alerts) for
lead-time jumps of one supplier and port closures, on a DuckDB connection like the lake's. What
this leaves out: the lake read into the temp tables (once per ``plan`` run, not per signal) and
the three table commits of the exactly-once writer (see bench/REPORT.md, commit latency).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import duckdb
import pyarrow as pa

from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.disruption import Closure, LeadTimeChange, Signal
from supplylake.planning.disruption import SignalRecord, assess_signal

TODAY = 20_000  # an epoch day
SUPPLIERS = 8
PORTS = ("P-0", "P-1", "P-2", "P-3")


def build(con: duckdb.DuckDBPyConnection, skus: int, warehouses: int, seed: int = 7) -> None:
    """The temp tables of ``planning.inputs.load``, synthetic."""
    rng = random.Random(seed)
    end = TODAY * DAY_MS
    stock, lines, forecast, routes = [], [], [], []
    po = 0
    for w in range(warehouses):
        for s in range(skus):
            wh, sku = f"WH-{w:02d}", f"SKU-{s:04d}"
            rate = rng.uniform(2, 40)
            for n in range(30):
                t = end - (30 - n) * DAY_MS // 3
                stock.append((wh, sku, int(rate * rng.uniform(3, 12)), int(rate * 0.2), t, 0, t))
            supplier = s % SUPPLIERS
            for _ in range(3):
                po += 1
                created = end - rng.randint(1, 10) * DAY_MS
                promised = end + rng.randint(1, 12) * DAY_MS
                quantity = int(rate * rng.uniform(5, 15))
                open_line = (quantity, 0, "OPEN", 4.5, created, promised, None, created, 0, created)
                lines.append((f"PO-{po}", sku, f"SUP-{supplier}", wh, *open_line))
                routes.append((f"PO-{po}", PORTS[supplier % 4] if supplier < 4 else None, f"R-{w % 3}"))
            for made_day in range(TODAY - 6, TODAY + 1):
                made = made_day * DAY_MS
                for h in range(1, 15):
                    forecast.append((wh, sku, made, h, rate * rng.uniform(0.8, 1.2), rate * 0.3, "ses"))
    tables: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
        "rv_stock": (
            "warehouse_id VARCHAR, sku VARCHAR, on_hand BIGINT, reserved BIGINT, t BIGINT, revision INT, "
            "ingested BIGINT",
            stock,
        ),
        "rv_lines": (
            "po_id VARCHAR, sku VARCHAR, supplier_id VARCHAR, warehouse_id VARCHAR, ordered_qty BIGINT, "
            "accepted_qty BIGINT, status VARCHAR, unit_cost DOUBLE, created BIGINT, promised BIGINT, "
            "asn_expected BIGINT, t BIGINT, revision INT, ingested BIGINT",
            lines,
        ),
        "rv_forecast": (
            "warehouse_id VARCHAR, sku VARCHAR, made BIGINT, horizon_day INT, units DOUBLE, mae DOUBLE, model VARCHAR",
            forecast,
        ),
        "rv_routes": ("po_id VARCHAR, port VARCHAR, region VARCHAR", routes),
    }
    for name, (columns, rows) in tables.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        names = [c.split()[0] for c in columns.split(", ")]
        batch = pa.table({c: list(values) for c, values in zip(names, zip(*rows, strict=True), strict=True)})
        con.register("batch", batch)
        con.execute(f"INSERT INTO {name} SELECT * FROM batch")
        con.unregister("batch")


def record(n: int, signal: Signal) -> SignalRecord:
    at = TODAY * DAY_MS + 3_600_000 + n * 60_000
    return SignalRecord(f"sig-{n}", "bench", at, signal, "assess:bench", 0, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=500)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--signals", type=int, default=20)
    args = parser.parse_args()
    con = duckdb.connect()
    started = time.perf_counter()
    build(con, args.skus, args.warehouses)
    print(f"network: {args.skus} SKUs x {args.warehouses} warehouses, built in {time.perf_counter() - started:.1f} s")
    cases: dict[str, list[Signal]] = {
        "lead-time jump (one supplier: 1/8 of the keys)": [
            LeadTimeChange(f"SUP-{n % SUPPLIERS}", 40) for n in range(args.signals)
        ],
        "port closure, no end (one port: 1/8 of the keys)": [
            Closure(TODAY, None, port=PORTS[n % 4]) for n in range(args.signals)
        ],
    }
    for name, signals in cases.items():
        times, impacts, alerts = [], 0, 0
        for n, signal in enumerate(signals):
            rows: dict[str, list[dict[str, Any]]] = {"alerts": [], "projected_inventory": [], "disruption_impacts": []}
            start = time.perf_counter()
            assess_signal(con, record(n, signal), rows, now_ms=0)
            times.append(time.perf_counter() - start)
            impacts += len(rows["disruption_impacts"])
            alerts += len(rows["alerts"])
        q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
        print(
            f"{name}: {len(times)} signals, {impacts / len(times):.0f} impacts and {alerts / len(times):.0f} "
            f"DISRUPTION_IMPACT per signal; p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p99 {q[98] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
