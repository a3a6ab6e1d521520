"""Freshness of the supplier pipeline, live: a receipt produced → `supplier_current` showing it.

The supplier pipeline runs live (``--mode live``, its live commit pacing and wall-clock ticks) on
the embedded broker. First, ``--suppliers`` × ``--pos-per-supplier`` purchase orders of one line
each (promised ``--promise-days`` ahead, so no deadline fires meanwhile) are produced to the
supplier topic and the bench waits until every supplier has its `supplier_current` rows. Then
one full receipt per PO (``inventory.received`` with its ``poId``, the event time the moment it
is built) goes to the inventory topic at ``--rate`` per second, round robin over the suppliers,
so two receipts of one supplier are ``suppliers / rate`` seconds apart.

A reader thread loops ``LakeReader.refresh`` + a DuckDB query of `supplier_current` (the 'all'
window: ``as_of`` and ``open_lines`` per supplier), pausing ``--poll-interval`` between queries.
A supplier's ``as_of`` is the latest event time its lines were judged at, and with every PO
created beforehand only the receipts move it: a receipt is *visible* at the first query whose
``as_of`` for its supplier reached the receipt's event time (the receipts of one supplier are
far apart, so they reach its stage in order; ``open_lines`` at the end checks that every receipt
completed its line). Delay = visible − the receipt's Kafka CreateTime. The path it measures: the
inventory topic → forwarding → the by-po stage → a line fact → the by-supplier stage → the lake
commit of `supplier_metrics` (live pacing: after ``live_commit_records`` records or
``live_commit_interval_s``) → the reader's next refresh.
"""

from __future__ import annotations

import argparse
import bisect
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Producer

from bench.harness.console import log
from bench.harness.errors import PipelineNotReady
from bench.harness.lake import lake_catalog
from bench.harness.processes import (
    PY,
    PipelineChild,
    RunNames,
    broker_pid,
    broker_usage,
    drop_run_topics,
    embedded_broker,
)
from bench.harness.procfs import Interference
from bench.harness.quiet import QuietMachine
from bench.harness.stats import NAN, pct
from bench.scenarios.scenario import Figures, Scenario
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.topics import ensure_topics
from supplylake.settings import Settings, load_settings

DISTURBED_CORES = 0.3  # as throughput's: other sessions' load above which the run counts as disturbed
WAREHOUSE = "WH-Bench-01"
QUANTITY = 10
UNIT_COST = 2.5
CURRENT_SQL = (
    "SELECT supplier_id, epoch_ms(as_of) AS as_of_ms, open_lines FROM supplier_current WHERE \"window\" = 'all'"
)

Series = list[tuple[int, float]]  # [(as_of ms, wall ms of the first query that showed it)], as_of increasing


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def supplier_id(index: int) -> str:
    return f"SUPP-B{index:03d}"


def po_id(supplier: int, po: int) -> str:
    return f"PO-B{supplier:03d}-{po:04d}"


def po_sku(supplier: int, po: int) -> str:
    return f"SKU-B{supplier:03d}-{po:04d}"


def po_created(supplier: int, po: int, now_ms: int, promise_days: float) -> bytes:
    """A one-line ``po.created`` on the wire, promised ``promise_days`` after ``now_ms``."""
    return orjson.dumps(
        {
            "eventId": f"bench-po-{supplier}-{po}",
            "eventType": "po.created",
            "timestamp": iso(now_ms),
            "supplierId": supplier_id(supplier),
            "poId": po_id(supplier, po),
            "warehouseId": WAREHOUSE,
            "promisedDate": iso(now_ms + int(promise_days * 86_400_000)),
            "lines": [{"sku": po_sku(supplier, po), "quantity": QUANTITY, "unitCost": UNIT_COST}],
        }
    )


def receipt(supplier: int, po: int, event_ms: int) -> bytes:
    """The full receipt of the PO's one line, at event time ``event_ms``."""
    return orjson.dumps(
        {
            "eventId": f"bench-rcv-{supplier}-{po}",
            "eventType": "inventory.received",
            "timestamp": iso(event_ms),
            "warehouseId": WAREHOUSE,
            "sku": po_sku(supplier, po),
            "quantity": QUANTITY,
            "supplierId": supplier_id(supplier),
            "poId": po_id(supplier, po),
            "unitCost": UNIT_COST,
        }
    )


def receipt_order(suppliers: int, pos_per_supplier: int) -> list[tuple[int, int]]:
    """(supplier, po) of every receipt in produce order: round robin over the suppliers."""
    return [(s, p) for p in range(pos_per_supplier) for s in range(suppliers)]


def add_as_of(series: Series, as_of_ms: int, seen_ms: float) -> None:
    """Keep only queries that moved a supplier's ``as_of`` forward (so the series is increasing)."""
    if not series or as_of_ms > series[-1][0]:
        series.append((as_of_ms, seen_ms))


def first_reflecting(series: Series, event_ms: int) -> float | None:
    """Wall ms of the first query whose ``as_of`` reached ``event_ms`` (None: never)."""
    index = bisect.bisect_left([as_of for as_of, _ in series], event_ms)
    return series[index][1] if index < len(series) else None


class CurrentWatcher(threading.Thread):
    """Polls `supplier_current` through LakeReader/DuckDB: each supplier's ``as_of`` over time."""

    def __init__(self, settings: Settings, interval_s: float) -> None:
        super().__init__(name="supplier-current-watcher", daemon=True)
        self.settings = settings
        self.interval_s = interval_s
        self.stop_event = threading.Event()
        self.seen: dict[str, Series] = defaultdict(list)
        self.open_lines: dict[str, int] = {}
        self.poll_ms: list[float] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        from supplylake.query import LakeReader, run_query_on

        try:
            reader = LakeReader(lake_catalog(self.settings), namespace=self.settings.catalog.namespace)
            con = reader.connect()
            while not self.stop_event.is_set():
                started = time.monotonic()
                reader.refresh(con)
                try:
                    result = run_query_on(reader, con, CURRENT_SQL)
                except Exception:  # the table or view not created yet
                    self.stop_event.wait(min(self.interval_s, 0.2))
                    continue
                now_ms = time.time() * 1000
                self.poll_ms.append((time.monotonic() - started) * 1000)
                for supplier, as_of_ms, open_lines in result.rows:
                    if as_of_ms is not None:
                        add_as_of(self.seen[str(supplier)], int(as_of_ms), now_ms)
                    self.open_lines[str(supplier)] = int(open_lines or 0)
                self.stop_event.wait(self.interval_s)
            con.close()
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout=30)


@dataclass
class Receipt:
    supplier: int
    po: int
    event_ms: int
    created_ms: int = 0  # Kafka CreateTime (0: not delivered)


@dataclass
class SupplierFreshnessRun:
    suppliers: int
    pos_per_supplier: int
    rate: float
    receipts: int = 0
    produce_s: float = 0.0
    warm_up_s: float = NAN  # POs produced → every supplier in supplier_current
    visible_ms: list[float] = field(default_factory=list)
    not_visible: int = 0
    open_lines_left: int = 0  # summed over suppliers at the end: 0 when every receipt completed its line
    poll_ms: list[float] = field(default_factory=list)
    pipeline_cpu_share: float = 0.0
    bench_cpu_share: float = 0.0
    other_cores: float = 0.0
    peak_rss_mb: float = 0.0
    error: str | None = None

    @property
    def achieved_rate(self) -> float:
        return self.receipts / self.produce_s if self.produce_s else 0.0

    def figures(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "achieved_rate": self.achieved_rate,
            "visible_p50_ms": pct(self.visible_ms, 50),
            "visible_p99_ms": pct(self.visible_ms, 99),
        }


def visibility(receipts: list[Receipt], seen: dict[str, Series]) -> tuple[list[float], int]:
    """Per delivered receipt: visible − CreateTime (ms); and how many never became visible."""
    delays: list[float] = []
    missing = 0
    for r in receipts:
        if not r.created_ms:
            continue
        visible = first_reflecting(seen.get(supplier_id(r.supplier), []), r.event_ms)
        if visible is None:
            missing += 1
        else:
            delays.append(visible - r.created_ms)
    return delays, missing


def _producer(connection: BrokerConnection) -> Producer:
    config: dict[str, str | int | float | bool] = {"linger.ms": 5, "acks": "all", "log_level": 3}
    return Producer(connection.config(**config))


def produce_pos(connection: BrokerConnection, topic: str, args: argparse.Namespace) -> None:
    producer = _producer(connection)
    now_ms = int(time.time() * 1000)
    for s in range(args.suppliers):
        for p in range(args.pos_per_supplier):
            producer.produce(topic, value=po_created(s, p, now_ms, args.promise_days), key=supplier_id(s).encode())
    producer.flush(30)


def produce_receipts(
    connection: BrokerConnection, topic: str, order: list[tuple[int, int]], rate: float
) -> tuple[list[Receipt], float]:
    """One receipt per (supplier, po) at ``rate``/s, each stamped the moment it is built."""
    producer = _producer(connection)
    receipts: list[Receipt] = []

    def delivered(err: Any, msg: Any, r: Receipt) -> None:
        if err is None:
            r.created_ms = msg.timestamp()[1]

    started = time.monotonic()
    for i, (s, p) in enumerate(order):
        ahead = started + i / rate - time.monotonic()
        if ahead > 0:
            producer.poll(0)
            time.sleep(ahead)
        r = Receipt(s, p, int(time.time() * 1000))
        receipts.append(r)
        key = f"{WAREHOUSE}:{po_sku(s, p)}".encode()
        producer.produce(
            topic, value=receipt(s, p, r.event_ms), key=key, on_delivery=lambda e, m, r=r: delivered(e, m, r)
        )
        producer.poll(0)
    producer.flush(30)
    return receipts, time.monotonic() - started


def measure(args: argparse.Namespace) -> Figures:
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-supplier-freshness-") as tmp:
        root = Path(tmp)
        with embedded_broker(root / "broker") as (broker, connection):
            pid = broker_pid(broker)
            quiet = QuietMachine(args.quiet_budget)
            log(
                f"supplier freshness: {args.suppliers} suppliers × {args.pos_per_supplier} POs, "
                f"receipts at {args.rate:g}/s"
            )
            run = run_once(connection, [pid] if pid else [], root, args, quiet)
            usage = broker_usage(broker)
    log(
        f"  {run.receipts} receipts at {run.achieved_rate:.1f}/s: visible p50 {pct(run.visible_ms, 50) / 1000:.2f}s "
        f"p99 {pct(run.visible_ms, 99) / 1000:.2f}s, {run.not_visible} never, other load {run.other_cores:.2f} cores "
        f"{run.error or ''}"
    )
    settings = load_settings()
    return {
        "poll_interval_s": args.poll_interval,
        "promise_days": args.promise_days,
        "disturbed_cores": DISTURBED_CORES,
        "live_commit_interval_s": settings.lake.live_commit_interval_s,
        "live_commit_records": settings.lake.live_commit_records,
        "tick_interval_s": settings.shipments.tick_interval_s,
        "runs": [run.figures()],
        "broker": asdict(usage),
        "quiet_waited_s": quiet.waited_s,
    }


def run_once(
    connection: BrokerConnection, own_pids: list[int], root: Path, args: argparse.Namespace, quiet: QuietMachine
) -> SupplierFreshnessRun:
    result = SupplierFreshnessRun(args.suppliers, args.pos_per_supplier, args.rate)
    names = RunNames("supfresh", root / "supfresh")
    topics = names.topics
    ensure_topics(connection, names.own_topics(), topics)
    quiet.wait()
    command = [PY, "-m", "supplylake.pipelines", "suppliers", "--mode", "live"]
    child = PipelineChild(command, names, connection.bootstrap, sink_log=False)
    watcher = CurrentWatcher(names.settings(), args.poll_interval)
    watcher.start()
    receipts: list[Receipt] = []
    try:
        warm_started = time.monotonic()
        produce_pos(connection, topics.suppliers, args)
        expected = {supplier_id(s) for s in range(args.suppliers)}
        deadline = warm_started + args.warm_up_timeout
        while not expected <= set(watcher.seen):
            if not child.alive() or time.monotonic() > deadline or watcher.error is not None:
                raise PipelineNotReady(
                    f"supplier_current did not show every supplier within {args.warm_up_timeout:.0f}s "
                    f"({len(expected & set(watcher.seen))} of {len(expected)}); the pipeline log ends:\n"
                    f"{child.log_tail()}"
                )
            time.sleep(0.2)
        result.warm_up_s = time.monotonic() - warm_started
        bench_cpu = time.process_time()
        child.sample()
        pipeline_cpu = child.cpu_s
        interference = Interference(lambda: own_pids)
        timed = time.monotonic()
        order = receipt_order(args.suppliers, args.pos_per_supplier)
        receipts, result.produce_s = produce_receipts(connection, topics.inventory, order, args.rate)
        result.receipts = sum(1 for r in receipts if r.created_ms)
        # Until every receipt is visible, or the settle time runs out.
        settle = time.monotonic() + args.settle
        while time.monotonic() < settle and visibility(receipts, watcher.seen)[1]:
            if not child.alive():
                result.error = f"pipeline exited with {child.process.returncode}:\n{child.log_tail()}"
                break
            child.sample()
            time.sleep(0.2)
        child.sample()
        span = time.monotonic() - timed
        result.bench_cpu_share = (time.process_time() - bench_cpu) / span
        result.pipeline_cpu_share = (child.cpu_s - pipeline_cpu) / span
        result.other_cores = interference.other_cores(child.cpu_s - pipeline_cpu)
        time.sleep(args.poll_interval * 2 + 0.5)  # one more query for the final open_lines
    except PipelineNotReady as exc:
        result.error = str(exc)
    finally:
        watcher.stop()
        child.stop()
        drop_run_topics(connection, names)
    if watcher.error is not None:
        result.error = f"lake watcher failed: {watcher.error!r}"
    result.peak_rss_mb = child.peak_rss_mb
    result.visible_ms, result.not_visible = visibility(receipts, watcher.seen)
    result.open_lines_left = sum(watcher.open_lines.values())
    result.poll_ms = watcher.poll_ms
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suppliers", type=int, default=20, help="suppliers, each with its own POs")
    parser.add_argument("--pos-per-supplier", type=int, default=10, help="one-line POs per supplier, one receipt each")
    parser.add_argument("--rate", type=float, default=2.0, help="receipts per second")
    parser.add_argument("--promise-days", type=float, default=30.0, help="POs are promised this many days ahead")
    parser.add_argument("--poll-interval", type=float, default=0.2, help="reader pause between lake queries (s)")
    parser.add_argument("--settle", type=float, default=60.0, help="after the last receipt, wait this long at most (s)")
    parser.add_argument("--warm-up-timeout", type=float, default=120.0, help="for the POs to show up (s)")


SCENARIO = Scenario(
    name="supplier_freshness",
    title="supplier pipeline, live: receipt produced → supplier_current showing it",
    add_arguments=add_arguments,
    measure=measure,
    quick={"suppliers": 4, "pos_per_supplier": 3, "rate": 2.0, "settle": 30.0},
)
