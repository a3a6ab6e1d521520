"""Commit latency of the exactly-once lake writer as a table's history grows.

Runs the same stream of small commits (one per second in production) against separate tables,
interleaved so machine noise hits every variant alike:

- ``no-maintenance``: snapshots and manifests pile up;
- ``maintain-every-N``: :func:`supplylake.lake.maintain` runs every N commits (its own time is
  reported separately, not counted as commit latency);
- optionally ``plain-transaction``: no maintenance and pyiceberg's stock ``Transaction`` instead of
  the memoising one, to show what the writer's transaction saves.

Prints the median commit duration over the first ten commits ("at commit 10") and over the last
ten, and the ratio. Timings on a shared 2-core machine are noisy: compare ratios within one run.

    .venv/bin/python bench/lake_commit_latency.py --commits 1000 --maintain-every 100
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from supplylake.lake import (
    INVENTORY_EVENTS,
    ExactlyOnceWriter,
    MaintenancePolicy,
    default_catalog_properties,
    maintain,
    open_catalog,
)
from supplylake.lake import writer as writer_module

TOPIC = "inventory-events"
BASE_MS = 1_736_950_000_000


def batch(first_offset: int, rows: int) -> list[dict[str, object]]:
    return [
        {
            "event_id": f"e-{offset}",
            "event_type": "inventory.received",
            "event_time": BASE_MS + offset * 1000,
            "warehouse_id": f"WH-{offset % 5}",
            "sku": f"SKU-{offset % 50}",
            "quantity": offset % 100,
            "unit_cost": 9.5,
            "is_late": False,
            "payload": "{}",
            "_src_topic": TOPIC,
            "_src_partition": 0,
            "_src_offset": offset,
        }
        for offset in range(first_offset, first_offset + rows)
    ]


@dataclass
class Variant:
    name: str
    writer: ExactlyOnceWriter
    catalog: object
    maintain_every: int = 0
    plain_transaction: bool = False
    commit_ms: list[float] = field(default_factory=list)
    maintain_ms: list[float] = field(default_factory=list)


def make_variant(root: Path, name: str, **kwargs: object) -> Variant:
    catalog = open_catalog(name, default_catalog_properties(root / name))
    writer = ExactlyOnceWriter(catalog, INVENTORY_EVENTS, cluster_id="bench")
    return Variant(name=name, writer=writer, catalog=catalog, **kwargs)  # type: ignore[arg-type]


def run(commits: int, rows: int, maintain_every: int, with_plain: bool) -> None:
    stock_begin = writer_module.begin
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        variants = [
            make_variant(root, "no-maintenance"),
            make_variant(root, f"maintain-every-{maintain_every}", maintain_every=maintain_every),
        ]
        if with_plain:
            variants.append(make_variant(root, "plain-transaction", plain_transaction=True))
        for i in range(commits):
            offsets = {(TOPIC, 0): i * rows + rows - 1}
            for v in variants:
                writer_module.begin = (lambda table: table.transaction()) if v.plain_transaction else stock_begin
                result = v.writer.commit(batch(i * rows, rows), offsets, max_event_time_ms=None)
                v.commit_ms.append(result.duration_ms)
                if v.maintain_every and (i + 1) % v.maintain_every == 0:
                    started = time.monotonic()
                    maintain(v.catalog, INVENTORY_EVENTS, MaintenancePolicy())  # type: ignore[arg-type]
                    v.maintain_ms.append((time.monotonic() - started) * 1000)
            if (i + 1) % 100 == 0:
                print(f"  … {i + 1} commits", flush=True)
        writer_module.begin = stock_begin

        print(f"\n{commits} commits of {rows} rows each; median of 10 commits")
        print(f"{'variant':<22}{'at commit 10':>14}{'at commit ' + str(commits):>18}{'ratio':>8}{'snapshots':>11}")
        for v in variants:
            first = statistics.median(v.commit_ms[:10])
            last = statistics.median(v.commit_ms[-10:])
            table = v.catalog.load_table(INVENTORY_EVENTS.identifier())  # type: ignore[attr-defined]
            snapshots = len(table.metadata.snapshots)
            print(f"{v.name:<22}{first:>12.1f}ms{last:>16.1f}ms{last / first:>8.2f}{snapshots:>11}")
            if v.maintain_ms:
                median, worst = statistics.median(v.maintain_ms), max(v.maintain_ms)
                print(f"{'':<22}maintain: median {median:.0f} ms, max {worst:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--rows-per-commit", type=int, default=10)
    parser.add_argument("--maintain-every", type=int, default=100)
    parser.add_argument("--with-plain-transaction", action="store_true", help="also run stock pyiceberg transactions")
    args = parser.parse_args()
    run(args.commits, args.rows_per_commit, args.maintain_every, args.with_plain_transaction)


if __name__ == "__main__":
    main()
