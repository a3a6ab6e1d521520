"""Alert latency and live timer lateness (issue 4, "Figures for the closing note").

    .venv/bin/python -m bench.alert_latency [--rate 2000] [--seconds 60]

Each *run* is a fresh embedded Tansu broker with all registered pipelines (inventory, shipments,
orders) as child processes of supplylake's ``Supervisor``, in live mode (wall-clock ticks on; the
product's tick interval and hold-back unless ``--tick-interval`` / ``--tick-holdback``).
``SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S`` is ``--grace`` (2 s) so a deadline can fall a few
seconds ahead; reorder points are the simulator's ``skus.csv``, as ``demo`` passes them.

First run:

1. **quiet** — ``--quiet-timers`` timer shipments over ~``--quiet-seconds`` with only 2 trigger
   events/s (below): timer lateness and alert latency on an idle system.
2. **load** — ``--seconds`` at ``--rate`` events/s in all: the live simulation
   (``supplylake.ingest.simulated.live_simulation``, no faults: the stream ``demo`` produces),
   with ``--trigger-rate`` of the events replaced by our *trigger* events, each of which raises
   exactly one alert at once:
   - inventory, 20 bench warehouse×SKU keys (reorder point 100, resolve at 110), cycling
     shipped 60 -> ``LOW_STOCK`` (150 -> 90), shipped 90 -> ``STOCKOUT`` (-> 0),
     received 150 -> ``RESOLVED`` (-> 150);
   - cold chain, 20 bench PHARMA shipments (2–8 °C), alternating telemetry at 9.5 °C ->
     ``TEMPERATURE_BREACH`` and 5.0 °C -> ``TEMPERATURE_RECOVERED``;
   plus one *timer shipment* every ``--timer-every`` seconds: ``shipment.created`` with
   ``expectedDelivery`` = now + U(``--timer-lead-min``, ``--timer-lead-max``), nothing after it.
3. **drain** — until every expected alert arrived and every pipeline committed all input, or
   ``--drain-timeout``.

If the first run does not keep up (below), a second run on a fresh broker does 2–3 at
``--fallback-rate`` (default 200/s, ``demo``'s default) for ``--fallback-seconds``.

Measurements:

- *produce time* of an event = wall clock (``time.time()``) at the producer's ``produce()`` call,
  recorded per ``eventId`` for every event we produce (simulated ones too). It is also the
  record's Kafka CreateTime (librdkafka stamps it at ``produce()``).
- *alert on the topic* = wall clock at which a separate consumer process (``assign()`` on every
  partition of ``alerts`` from offset 0, ``fetch.wait.max.ms`` 10) received it. The alert
  record's own Kafka timestamp is **not** usable for this: Quix's ``to_topic`` copies the timestamp
  of the input record being processed, so it equals the source event's CreateTime (for a timer
  alert, the CreateTime of the tick that fired it) — used as a cross-check and to split timer
  lateness into "waiting for a tick" and "tick -> alert received".
- alert -> source event: every event-caused alert carries ``details.source_event_id`` and its id
  is ``uuid5(source event id, type)``; trigger alerts are checked against that exact id, so a
  lost alert is counted (and treated as infinitely late in the percentiles).
- timer lateness = arrival of ``DELIVERY_DELAYED`` - deadline (``expectedDelivery`` + grace),
  both wall clock.
- measurement floor: a probe record every 200 ms from the same producer to a 1-partition topic
  read by the same consumer.
- kept up: produce rate >= 97 % of the target, each pipeline's uncommitted backlog (committed
  offsets polled every second) <= 2 s of input when production stops, no growing latency, and
  everything drained within ``--drain-timeout``.

Results are printed and written to bench/REPORT-alerts.md (hand-written notes below the marker
are kept).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).resolve().parent / "REPORT-alerts.md"
NOTES_MARKER = "<!-- notes below are hand-written and kept when the benchmark rewrites this file -->"
PROBE_TOPIC = "bench-alert-probe"
TICKS = os.sysconf("SC_CLK_TCK")

INV_WAREHOUSE = "WH-BENCH-1"
INV_KEYS = [f"SKU-BENCH-{i:02d}" for i in range(20)]
INV_CYCLE = [  # (event type, quantity, expected alert) starting from available 150
    ("inventory.shipped", 60, "LOW_STOCK"),
    ("inventory.shipped", 90, "STOCKOUT"),
    ("inventory.received", 150, "RESOLVED"),
]
PHARMA = [f"SHP-BENCH-PH-{i:02d}" for i in range(20)]
PHARMA_CYCLE = [(9.5, "TEMPERATURE_BREACH"), (5.0, "TEMPERATURE_RECOVERED")]
ORIGIN = {"lat": 32.78, "lon": -96.80}
DESTINATION = {"lat": 35.47, "lon": -97.52}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fmt_ms(value: float) -> str:
    if value != value:  # nan
        return "–"
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f} s"
    if abs(value) >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.0f} ms"


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


# --- the alert consumer (own process: its receive times do not wait for our producer's GIL) ----------


def consume_main(bootstrap: str, topics: list[str], out_path: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "bench-alert-latency",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 10,
            "fetch.min.bytes": 1,
            "log_level": 3,
        }
    )
    metadata = consumer.list_topics(timeout=15)
    consumer.assign([TopicPartition(t, p, 0) for t in topics for p in sorted(metadata.topics[t].partitions)])
    with open(out_path, "w", buffering=1 << 16) as out:
        while not stop.is_set():
            messages = consumer.consume(num_messages=1000, timeout=0.05)
            received = time.time() * 1000
            lines = []
            for m in messages:
                if m.error():
                    continue
                value = (m.value() or b"").decode("utf-8", "replace").replace("\n", " ")
                lines.append(
                    f"{received:.1f}\t{m.topic()}\t{m.partition()}\t{m.offset()}\t{m.timestamp()[1]}\t{value}\n"
                )
            if lines:
                out.writelines(lines)
                out.flush()
    consumer.close()
    return 0


@dataclass
class Received:
    recv_ms: float
    topic: str
    partition: int
    offset: int
    kafka_ts: int
    value: str


class ConsumerProcess:
    def __init__(self, bootstrap: str, topics: list[str], out_path: Path) -> None:
        self.out_path = out_path
        out_path.touch()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.alert_latency", "--consume", bootstrap, ",".join(topics), str(out_path)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
            start_new_session=True,
        )
        self._pos = 0
        self._partial = ""
        self.records: list[Received] = []

    def read_new(self) -> list[Received]:
        with self.out_path.open("r") as handle:
            handle.seek(self._pos)
            chunk = handle.read()
            self._pos = handle.tell()
        text = self._partial + chunk
        lines = text.split("\n")
        self._partial = lines.pop()
        new = []
        for line in lines:
            recv, topic, partition, offset, ts, value = line.split("\t", 5)
            new.append(Received(float(recv), topic, int(partition), int(offset), int(ts), value))
        self.records.extend(new)
        return new

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.read_new()


def _last_log_line(path: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1][:300].replace("`", "'")
    return "(no log)"


# --- which code is measured ------------------------------------------------------------------------


def code_state() -> tuple[str, str]:
    """(git HEAD + modified files under supplylake/, digest of every supplylake/*.py as imported now)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "supplylake").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    head = "unknown"
    with contextlib.suppress(Exception):
        head = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
            or "unknown"
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "supplylake"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.split("\n")
        changed = [line[3:] for line in dirty if line.strip()]
        if changed:
            head += " + uncommitted changes to " + ", ".join(f"`{c}`" for c in changed)
    return head, digest.hexdigest()[:12]


# --- process CPU from /proc -------------------------------------------------------------------------


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per process between two samples; a restarted process (counter went down) counts
    from its restart only (the CPU its predecessor spent after ``before`` is lost)."""
    return {k: v - before.get(k, 0.0) if v >= before.get(k, 0.0) else v for k, v in after.items()}


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- the run -----------------------------------------------------------------------------------------


@dataclass
class Expected:
    """An alert we know must come: its id, type, and what it is measured against."""

    alert_id: str
    alert_type: str
    family: str  # "inventory", "cold chain", "timer"
    phase: str  # "load", "quiet", "warm-up"
    ref_ms: float  # produce time (event alerts) or deadline (timers)
    event_id: str


@dataclass
class LagSample:
    t: float  # seconds since load start
    lag: dict[str, int]  # group -> records produced but not committed
    committed: dict[str, int]  # group -> sum of committed offsets


@dataclass
class Run:
    """One broker + pipelines life: a load phase, optionally preceded by the quiet phase."""

    args: argparse.Namespace
    label: str
    rate: float
    seconds: float
    tick_interval_s: float = 0.0
    tick_holdback_s: float = 0.0
    produced_at: dict[str, float] = field(default_factory=dict)  # event id -> produce wall ms
    phase_of_event: dict[str, str] = field(default_factory=dict)
    expected: dict[str, Expected] = field(default_factory=dict)  # alert id -> expected
    timer_deadlines: dict[str, tuple[float, str]] = field(default_factory=dict)  # shipment -> (deadline ms, phase)
    end_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    produced_by_topic: Counter = field(default_factory=Counter)
    load_start_ms: float = 0.0
    load_end_ms: float = 0.0
    load_produced: int = 0
    load_sim: int = 0
    load_triggers: int = 0
    load_timers: int = 0
    drain_s: float = float("nan")
    drained: bool = False
    quiet_start_ms: float = 0.0
    lag: list[LagSample] = field(default_factory=list)
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # phase -> process -> cpu s
    peak_rss: dict[str, float] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    startup_s: float = 0.0
    sim_generate_s: float = 0.0
    sim_event_span_s: float = 0.0
    total_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    alerts_topic: str = "alerts"
    sustained: bool = False
    code: tuple[str, str] = ("", "")  # code_state() when this run's pipelines started


class Producing:
    """Our producer: records produce times by event id and the last delivered offset per partition."""

    def __init__(self, connection: Any, run: Run) -> None:
        from confluent_kafka import Producer

        self.run = run
        self.producer = Producer(connection.config(**{"linger.ms": 5, "acks": "all", "log_level": 3}))
        self.errors = 0

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self.errors += 1
            return
        tp = (msg.topic(), msg.partition())
        if msg.offset() > self.run.end_offsets.get(tp, -1):
            self.run.end_offsets[tp] = msg.offset()

    def send(self, topic: str, key: str, value: bytes, event_id: str | None, phase: str) -> float:
        while True:
            sent = time.time() * 1000
            try:
                self.producer.produce(topic, value=value, key=key.encode(), on_delivery=self._delivered)
                break
            except BufferError:
                self.producer.poll(0.05)
        if event_id is not None:
            self.run.produced_at[event_id] = sent
            self.run.phase_of_event[event_id] = phase
        self.run.produced_by_topic[topic] += 1
        return sent

    def probe(self) -> None:
        self.producer.produce(PROBE_TOPIC, value=str(time.time() * 1000).encode())

    def poll(self) -> None:
        self.producer.poll(0)

    def flush(self) -> None:
        self.producer.flush(30)


class Triggers:
    """Trigger events that each raise exactly one known alert at once."""

    def __init__(self, topics: Any, producing: Producing, run: Run) -> None:
        from supplylake.pipelines.inventory.alerts import alert_id

        self.alert_id = alert_id
        self.topics = topics
        self.producing = producing
        self.run = run
        self.inv_n = 0
        self.ph_n = 0
        self.timer_n = 0
        self.count = 0

    def _event(self, topic: str, key: str, payload: dict[str, Any], phase: str) -> float:
        return self.producing.send(topic, key, json.dumps(payload).encode(), payload["eventId"], phase)

    def setup(self) -> None:
        """Initial stock for the bench keys and the PHARMA shipments (no alert expected)."""
        t = now_ms()
        for sku in INV_KEYS:
            self._event(
                self.topics.inventory,
                f"{INV_WAREHOUSE}:{sku}",
                {
                    "eventId": f"bench-inv-init-{sku}",
                    "eventType": "inventory.received",
                    "timestamp": iso(t),
                    "warehouseId": INV_WAREHOUSE,
                    "sku": sku,
                    "quantity": 150,
                },
                "setup",
            )
        for shipment in PHARMA:
            self._event(
                self.topics.shipments,
                shipment,
                {
                    "eventId": f"bench-ph-created-{shipment}",
                    "eventType": "shipment.created",
                    "timestamp": iso(t),
                    "shipmentId": shipment,
                    "orderId": f"ORD-{shipment}",
                    "carrier": "UPS",
                    "warehouseId": "WH-Dallas-01",
                    "expectedDelivery": iso(t + 2 * 86_400_000),
                    "category": "PHARMA",
                    "origin": ORIGIN,
                    "destination": DESTINATION,
                },
                "setup",
            )

    def warmup(self) -> list[str]:
        """One alert from each of inventory and shipments: the pipelines are up when both arrived."""
        t = now_ms()
        sku, shipment = "SKU-BENCH-WARM", "SHP-BENCH-WARM"
        self._event(
            self.topics.inventory,
            f"{INV_WAREHOUSE}:{sku}",
            {
                "eventId": "bench-warm-inv",
                "eventType": "inventory.received",
                "timestamp": iso(t),
                "warehouseId": INV_WAREHOUSE,
                "sku": sku,
                "quantity": 10,
            },
            "warm-up",
        )
        self._event(
            self.topics.shipments,
            shipment,
            {
                "eventId": "bench-warm-created",
                "eventType": "shipment.created",
                "timestamp": iso(t),
                "shipmentId": shipment,
                "orderId": "ORD-BENCH-WARM",
                "carrier": "UPS",
                "warehouseId": "WH-Dallas-01",
                "expectedDelivery": iso(t + 2 * 86_400_000),
                "category": "PHARMA",
                "origin": ORIGIN,
                "destination": DESTINATION,
            },
            "warm-up",
        )
        self._event(
            self.topics.shipments,
            shipment,
            {
                "eventId": "bench-warm-tel",
                "eventType": "shipment.telemetry",
                "timestamp": iso(t + 1),
                "shipmentId": shipment,
                "lat": ORIGIN["lat"],
                "lon": ORIGIN["lon"],
                "temperature": 9.5,
            },
            "warm-up",
        )
        self._event(
            self.topics.orders,
            "ORD-BENCH-WARM",
            {
                "eventId": "bench-warm-order",
                "eventType": "order.placed",
                "timestamp": iso(t),
                "orderId": "ORD-BENCH-WARM",
                "customerId": "C-BENCH",
                "region": "US-South",
                "warehouseId": "WH-Dallas-01",
                "promisedDelivery": iso(t + 2 * 86_400_000),
                "lines": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 1.0}],
            },
            "warm-up",
        )
        return [self.alert_id("bench-warm-inv", "LOW_STOCK"), self.alert_id("bench-warm-tel", "TEMPERATURE_BREACH")]

    def next(self, phase: str) -> None:
        """The next trigger, alternating inventory and cold chain."""
        self.count += 1
        t = now_ms()
        if self.count % 2:
            n = self.inv_n
            self.inv_n += 1
            sku = INV_KEYS[n % len(INV_KEYS)]
            kind, quantity, alert_type = INV_CYCLE[(n // len(INV_KEYS)) % len(INV_CYCLE)]
            event_id = f"bench-inv-{n}"
            sent = self._event(
                self.topics.inventory,
                f"{INV_WAREHOUSE}:{sku}",
                {
                    "eventId": event_id,
                    "eventType": kind,
                    "timestamp": iso(t),
                    "warehouseId": INV_WAREHOUSE,
                    "sku": sku,
                    "quantity": quantity,
                },
                phase,
            )
            family = "inventory"
        else:
            n = self.ph_n
            self.ph_n += 1
            shipment = PHARMA[n % len(PHARMA)]
            temperature, alert_type = PHARMA_CYCLE[(n // len(PHARMA)) % len(PHARMA_CYCLE)]
            event_id = f"bench-tel-{n}"
            sent = self._event(
                self.topics.shipments,
                shipment,
                {
                    "eventId": event_id,
                    "eventType": "shipment.telemetry",
                    "timestamp": iso(t),
                    "shipmentId": shipment,
                    "lat": ORIGIN["lat"] + 0.01,
                    "lon": ORIGIN["lon"],
                    "temperature": temperature,
                },
                phase,
            )
            family = "cold chain"
        aid = self.alert_id(event_id, alert_type)
        self.run.expected[aid] = Expected(aid, alert_type, family, phase, sent, event_id)

    def timer_shipment(self, phase: str, lead_s: float, grace_s: int) -> None:
        self.timer_n += 1
        t = now_ms()
        shipment = f"SHP-BENCH-T-{self.timer_n:04d}"
        expected_delivery = t + int(lead_s * 1000)
        self._event(
            self.topics.shipments,
            shipment,
            {
                "eventId": f"bench-timer-{self.timer_n}",
                "eventType": "shipment.created",
                "timestamp": iso(t),
                "shipmentId": shipment,
                "orderId": f"ORD-{shipment}",
                "carrier": "UPS",
                "warehouseId": "WH-Dallas-01",
                "expectedDelivery": iso(expected_delivery),
                "category": "GENERAL",
                "origin": ORIGIN,
                "destination": DESTINATION,
            },
            phase,
        )
        self.run.timer_deadlines[shipment] = (expected_delivery + grace_s * 1000, phase)


class LagMonitor(threading.Thread):
    """Every second: records produced to each pipeline's source topics but not yet committed."""

    def __init__(self, connection: Any, settings: Any, run: Run) -> None:
        super().__init__(name="lag-monitor", daemon=True)
        from confluent_kafka import Consumer

        from supplylake.pipelines.catalog import PIPELINES

        self.run_ = run
        self.stop_event = threading.Event()
        self.groups = {
            spec.name: (spec.consumer_group(settings), spec.source_topics(settings)) for spec in PIPELINES.values()
        }
        self.consumers = {
            name: Consumer(connection.config(**{"group.id": group, "enable.auto.commit": False, "log_level": 3}))
            for name, (group, _) in self.groups.items()
        }
        self.latest: LagSample | None = None
        self.t0 = time.time()

    def sample(self) -> LagSample:
        from confluent_kafka import TopicPartition

        lag: dict[str, int] = {}
        committed_sum: dict[str, int] = {}
        ends = dict(self.run_.end_offsets)
        for name, (_, topics) in self.groups.items():
            tps = [tp for tp in ends if tp[0] in topics]
            answer = self.consumers[name].committed([TopicPartition(t, p) for t, p in tps], timeout=10)
            committed = {(a.topic, a.partition): max(a.offset, 0) for a in answer}
            # Ticks are records too (not in our end offsets): a group can commit past our last record.
            lag[name] = sum(max(0, ends[tp] + 1 - committed.get(tp, 0)) for tp in tps)
            committed_sum[name] = sum(committed.values())
        base = self.run_.load_start_ms / 1000 if self.run_.load_start_ms else self.t0
        return LagSample(time.time() - base, lag, committed_sum)

    def run(self) -> None:
        while not self.stop_event.wait(1.0):
            with contextlib.suppress(Exception):
                self.latest = self.sample()
                if self.run_.load_start_ms:
                    self.run_.lag.append(self.latest)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(5)
        for consumer in self.consumers.values():
            with contextlib.suppress(Exception):
                consumer.close()


def run_stack(args: argparse.Namespace, label: str, rate: float, seconds: float, *, quiet: bool) -> Run:
    """A fresh broker and pipelines: warm-up, [quiet phase], load phase, drain; then stop everything."""
    from supplylake.broker.connection import BrokerConnection
    from supplylake.broker.embedded import EmbeddedBroker
    from supplylake.broker.topics import all_topics, ensure_topics
    from supplylake.ingest.simulated import live_simulation
    from supplylake.orchestration.supervisor import Supervisor
    from supplylake.pipelines.catalog import PIPELINES
    from supplylake.settings import ShipmentSettings, load_settings
    from supplylake.simulator import FaultConfig

    run = Run(args, label, rate, seconds)
    defaults = ShipmentSettings()
    run.tick_interval_s = defaults.tick_interval_s if args.tick_interval is None else args.tick_interval
    run.tick_holdback_s = defaults.tick_holdback_s if args.tick_holdback is None else args.tick_holdback
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix=f"bench-alerts-{label}-"))
    data_dir = root / "data"
    settings = load_settings(data_dir=data_dir)
    topics = settings.topics
    run.alerts_topic = topics.alerts
    rng = random.Random(args.seed)
    sim = live_simulation(args.seed, rate, FaultConfig.none())
    sim.world.write_reference(data_dir / "reference")
    extra_env = {
        "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
        "SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S": str(args.grace),
        "SUPPLYLAKE_INVENTORY__REORDER_POINTS_FILE": str(data_dir / "reference" / "skus.csv"),
    }
    if args.tick_interval is not None:
        extra_env["SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S"] = str(args.tick_interval)
    if args.tick_holdback is not None:
        extra_env["SUPPLYLAKE_SHIPMENTS__TICK_HOLDBACK_S"] = str(args.tick_holdback)

    broker = EmbeddedBroker(data_dir).start()
    supervisor: Supervisor | None = None
    consumer: ConsumerProcess | None = None
    monitor: LagMonitor | None = None
    try:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, [*all_topics(topics), PROBE_TOPIC], topics)
        consumer = ConsumerProcess(broker.bootstrap, [topics.alerts, PROBE_TOPIC], root / "received.tsv")
        run.code = code_state()
        supervisor = Supervisor(PIPELINES, bootstrap=broker.bootstrap, data_dir=data_dir, extra_env=extra_env).start()
        sup, con = supervisor, consumer
        crash_loop: list[str] = []

        def pipelines_ok() -> bool:
            """False once the supervisor gave up on a pipeline (crash loop); noted once, the run goes on."""
            try:
                sup.check()
            except Exception as exc:  # PipelineCrashLoop
                if not crash_loop:
                    crash_loop.append(str(exc))
                    run.notes.append(f"the supervisor gave up: {exc}")
                    log(f"[{label}] {run.notes[-1]}")
                return False
            return True

        def pids() -> dict[str, int | None]:
            return {
                **{name: p.process.pid if p.process else None for name, p in sup.processes.items()},
                "broker": broker.process.pid if broker.process else None,
                "bench": os.getpid(),
                "consumer": con.process.pid,
            }

        def cpu_now() -> dict[str, float]:
            return {name: cpu_seconds(pid) for name, pid in pids().items()}

        log(f"[{label}] broker {broker.bootstrap}; pipelines {', '.join(PIPELINES)} starting; data dir {data_dir}")

        # Generate the simulated stream while the pipelines start.
        n_sim = int((rate - args.trigger_rate) * seconds)
        t = time.monotonic()
        sim_events = list(sim.events(max_events=n_sim))
        run.sim_generate_s = time.monotonic() - t
        if sim_events:
            run.sim_event_span_s = (sim_events[-1].time_ms - sim_events[0].time_ms) / 1000
        log(
            f"[{label}] generated {len(sim_events):,} simulated events in {run.sim_generate_s:.1f} s "
            f"(event time spans {run.sim_event_span_s:.0f} s)"
        )

        producing = Producing(connection, run)
        triggers = Triggers(topics, producing, run)
        triggers.setup()
        warm_ids = set(triggers.warmup())
        producing.flush()
        monitor = LagMonitor(connection, settings, run)
        monitor.start()
        deadline = time.monotonic() + args.startup_timeout
        seen: set[str] = set()
        while True:
            supervisor.check()
            for rec in consumer.read_new():
                if rec.topic == topics.alerts:
                    seen.add(json.loads(rec.value)["alert_id"])
            sample = monitor.latest
            if warm_ids <= seen and sample is not None and all(v > 0 for v in sample.committed.values()):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"pipelines not ready after {args.startup_timeout:.0f} s "
                    f"(alerts seen {len(seen)}, lag sample {sample})"
                )
            time.sleep(0.25)
        run.startup_s = time.monotonic() - started
        log(f"[{label}] pipelines ready after {run.startup_s:.0f} s")
        time.sleep(1.0)
        next_probe = time.time()

        def probe_if_due() -> None:
            nonlocal next_probe
            if time.time() >= next_probe:
                producing.probe()
                producing.poll()
                next_probe = time.time() + 0.2

        alerts_seen: set[str] = set()
        timers_seen: set[str] = set()

        def outstanding(phase: str) -> tuple[int, int]:
            for rec in consumer.read_new():
                if rec.topic == topics.alerts:
                    alert = json.loads(rec.value)
                    alerts_seen.add(alert["alert_id"])
                    if alert["alert_type"] == "DELIVERY_DELAYED":
                        timers_seen.add(alert["entity_id"])
            missing = sum(1 for e in run.expected.values() if e.phase == phase and e.alert_id not in alerts_seen)
            missing_timers = sum(1 for s, (_, p) in run.timer_deadlines.items() if p == phase and s not in timers_seen)
            return missing, missing_timers

        # --- quiet timers (before the load, so load cannot spoil them) -----------------------------
        if quiet and args.quiet_timers > 0:
            log(
                f"[{label}] quiet phase: {args.quiet_timers} timer shipments over ~{args.quiet_seconds:g} s, "
                "2 trigger events/s"
            )
            cpu_q = cpu_now()
            run.quiet_start_ms = time.time() * 1000
            spacing = args.quiet_seconds / args.quiet_timers
            t_start = time.monotonic()
            created = 0
            next_trigger = time.monotonic()
            while created < args.quiet_timers:
                now = time.monotonic()
                if now >= t_start + created * spacing:
                    triggers.timer_shipment("quiet", rng.uniform(args.timer_lead_min, args.timer_lead_max), args.grace)
                    created += 1
                if now >= next_trigger:
                    triggers.next("quiet")
                    next_trigger += 0.5
                probe_if_due()
                producing.poll()
                time.sleep(0.02)
            producing.flush()
            last_deadline = max(d for d, p in run.timer_deadlines.values() if p == "quiet")
            wait_until = last_deadline / 1000 + run.tick_holdback_s + run.tick_interval_s + args.quiet_grace
            while time.time() < wait_until:
                if not pipelines_ok():
                    break
                probe_if_due()
                if outstanding("quiet") == (0, 0):
                    break
                time.sleep(0.2)
            missing, missing_timers = outstanding("quiet")
            if missing or missing_timers:
                run.notes.append(
                    f"quiet phase: {missing} trigger alerts and {missing_timers} timer alerts not "
                    f"received {args.quiet_grace:.0f} s after the last expected tick"
                )
            cpu_q2 = cpu_now()
            run.cpu["quiet"] = cpu_delta(cpu_q, cpu_q2)
            run.cpu["quiet"]["_wall"] = time.time() - run.quiet_start_ms / 1000
            log(f"[{label}] quiet phase done")

        # --- load -----------------------------------------------------------------------------------
        log(f"[{label}] load phase: {rate:g} events/s for {seconds:g} s")
        cpu0 = cpu_now()
        trigger_every = max(1, round(rate / args.trigger_rate)) if args.trigger_rate > 0 else 0
        total = int(rate * seconds)
        next_timer = time.time() + 1.0
        load_end_at = time.time() + seconds
        sim_iter = iter(sim_events)
        run.load_start_ms = time.time() * 1000
        start = time.monotonic()
        for i in range(total):
            ahead = start + i / rate - time.monotonic()
            if ahead > 0:
                producing.poll()
                time.sleep(ahead)
            event = None if trigger_every and i % trigger_every == trigger_every // 2 else next(sim_iter, None)
            if event is None:
                triggers.next("load")
                run.load_triggers += 1
            else:
                producing.send(topics.for_family(event.family), event.key, event.value, event.event_id, "load")
                run.load_sim += 1
            wall = time.time()
            if wall >= next_timer and wall < load_end_at - args.timer_lead_max - args.grace:
                triggers.timer_shipment("load", rng.uniform(args.timer_lead_min, args.timer_lead_max), args.grace)
                run.load_timers += 1
                next_timer += args.timer_every
            if wall >= next_probe:
                producing.probe()
                next_probe = wall + 0.2
            if i % 500 == 0:
                producing.poll()
                if i % 10_000 == 0:
                    pipelines_ok()
        producing.flush()
        run.load_end_ms = time.time() * 1000
        run.load_produced = run.load_sim + run.load_triggers + run.load_timers
        cpu1 = cpu_now()
        run.cpu["load"] = cpu_delta(cpu0, cpu1)
        run.cpu["load"]["_wall"] = (run.load_end_ms - run.load_start_ms) / 1000
        achieved = run.load_produced / run.cpu["load"]["_wall"]
        log(
            f"[{label}] load done: {run.load_produced:,} events in {run.cpu['load']['_wall']:.1f} s ({achieved:,.0f}/s); "
            f"backlog {monitor.latest.lag if monitor.latest else '?'}"
        )

        # --- drain ----------------------------------------------------------------------------------
        drain_started = time.monotonic()
        while True:
            stopped = not pipelines_ok()
            probe_if_due()
            missing, missing_timers = outstanding("load")
            sample = monitor.latest
            caught_up = (
                sample is not None
                and sample.t * 1000 > run.load_end_ms - run.load_start_ms
                and all(v <= 0 for v in sample.lag.values())
            )
            if not missing and not missing_timers and caught_up:
                run.drained = True
                break
            if stopped or time.monotonic() - drain_started > args.drain_timeout:
                run.notes.append(
                    f"drain gave up after {time.monotonic() - drain_started:.0f} s: {missing} trigger "
                    f"alerts and {missing_timers} timer alerts of the load not received, backlog "
                    f"{sample.lag if sample else '?'}"
                )
                break
            time.sleep(0.2)
        run.drain_s = time.monotonic() - drain_started
        cpu2 = cpu_now()
        run.cpu["drain"] = cpu_delta(cpu1, cpu2)
        run.cpu["drain"]["_wall"] = run.drain_s
        log(f"[{label}] drained in {run.drain_s:.1f} s" if run.drained else f"[{label}] {run.notes[-1]}")
        run.peak_rss = {name: rss_mb(pid) for name, pid in pids().items()}
        run.restarts = {name: p.restarts for name, p in supervisor.processes.items()}
        for name, process in supervisor.processes.items():
            if process.restarts:
                run.notes.append(
                    f"pipeline {name} exited {process.restarts} time(s) and was restarted by the "
                    f"supervisor (exit codes {process.exit_codes}); last line of its log: "
                    f"`{_last_log_line(process.log_path)}`"
                )
    finally:
        if monitor is not None:
            monitor.stop()
        if supervisor is not None:
            supervisor.stop()
        if consumer is not None:
            consumer.stop()
            run.received = consumer.records
        broker.stop()
        run.total_s = time.monotonic() - started
        if args.keep:
            log(f"[{label}] kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return run


# --- analysis ----------------------------------------------------------------------------------------

INF = float("inf")


def cell(value: float) -> str:
    return "not received" if value == INF else fmt_ms(value)


@dataclass
class Stats:
    """Latencies of received alerts plus the count never received (infinitely late for percentiles)."""

    values: list[float]
    missing: int = 0

    def row(self) -> list[str]:
        v = self.values + [INF] * self.missing
        return [
            f"{len(self.values):,}",
            f"{self.missing:,}",
            cell(pct(v, 50)),
            cell(pct(v, 99)),
            cell(max(v) if v else float("nan")),
        ]


INV_TYPES = ("LOW_STOCK", "STOCKOUT", "RESOLVED")
COLD_TYPES = ("TEMPERATURE_BREACH", "TEMPERATURE_RECOVERED")


def analyse(run: Run) -> dict[str, Any]:
    first: dict[str, tuple[Received, dict[str, Any]]] = {}
    copies: Counter = Counter()
    probes: dict[str, list[float]] = defaultdict(list)

    def phase_at(ms: float) -> str:
        if run.load_start_ms and ms >= run.load_start_ms:
            return "load" if ms <= run.load_end_ms else "drain"
        return "quiet" if run.quiet_start_ms and ms >= run.quiet_start_ms else "warm-up"

    for rec in run.received:
        if rec.topic == PROBE_TOPIC:
            sent = float(rec.value)
            probes[phase_at(sent)].append(rec.recv_ms - sent)
            continue
        if rec.topic != run.alerts_topic:
            continue
        alert = json.loads(rec.value)
        copies[alert["alert_id"]] += 1
        if alert["alert_id"] not in first:
            first[alert["alert_id"]] = (rec, alert)

    # Trigger alerts: exactly the ids we expect; (phase, group) -> Stats.
    trig: dict[tuple[str, str], Stats] = defaultdict(lambda: Stats([]))
    cross: list[float] = []
    by_window: dict[tuple[str, int], Stats] = defaultdict(lambda: Stats([]))
    for exp in run.expected.values():
        got = first.get(exp.alert_id)
        groups = (exp.alert_type, exp.family, "all triggers")
        window = int((exp.ref_ms - run.load_start_ms) // 10_000) if exp.phase == "load" else None
        if got is None:
            for g in groups:
                trig[(exp.phase, g)].missing += 1
            if window is not None:
                by_window[(exp.family, window)].missing += 1
            continue
        rec, _ = got
        latency = rec.recv_ms - exp.ref_ms
        for g in groups:
            trig[(exp.phase, g)].values.append(latency)
        if window is not None:
            by_window[(exp.family, window)].values.append(latency)
        cross.append(abs(rec.kafka_ts - exp.ref_ms))

    # Alerts the simulated stream raised, via details.source_event_id.
    other: dict[tuple[str, str], list[float]] = defaultdict(list)
    unmatched: Counter = Counter()
    timer_alerts: dict[str, tuple[Received, dict[str, Any]]] = {}
    other_timer: Counter = Counter()
    for aid, (rec, alert) in first.items():
        details = (
            json.loads(alert["details"]) if isinstance(alert.get("details"), str) else (alert.get("details") or {})
        )
        kind = alert["alert_type"]
        if kind in ("DELIVERY_DELAYED", "NO_TRACKING_UPDATE"):
            if kind == "DELIVERY_DELAYED" and alert["entity_id"] in run.timer_deadlines:
                timer_alerts[alert["entity_id"]] = (rec, {**alert, "details": details})
            else:
                other_timer[kind] += 1
            continue
        if aid in run.expected:
            continue
        source = details.get("source_event_id")
        produced = run.produced_at.get(source) if source else None
        phase = run.phase_of_event.get(source, "?") if source else "?"
        if produced is None or phase not in ("load", "quiet"):
            unmatched[kind] += 1
            continue
        other[(phase, kind)].append(rec.recv_ms - produced)

    # Timer lateness.
    late: dict[str, Stats] = defaultdict(lambda: Stats([]))
    wait_tick: dict[str, list[float]] = defaultdict(list)
    after_tick: dict[str, list[float]] = defaultdict(list)
    wrong_deadline = 0
    for shipment, (deadline, phase) in run.timer_deadlines.items():
        got = timer_alerts.get(shipment)
        if got is None:
            late[phase].missing += 1
            continue
        rec, alert = got
        if int(alert["details"].get("deadline_ms", -1)) != int(deadline):
            wrong_deadline += 1
        late[phase].values.append(rec.recv_ms - deadline)
        wait_tick[phase].append(rec.kafka_ts - deadline)  # the firing tick's CreateTime (Quix copies it)
        after_tick[phase].append(rec.recv_ms - rec.kafka_ts)

    # Pipelines: backlog and committed records/s by 10 s window of the load.
    load_s = (run.load_end_ms - run.load_start_ms) / 1000
    lag_end = next((s for s in run.lag if s.t >= load_s), None)
    groups = list(run.lag[0].lag) if run.lag else []
    lag_max = {g: max((s.lag.get(g, 0) for s in run.lag if s.t <= load_s + 1), default=0) for g in groups}
    rates: dict[str, float] = {}
    in_load = [s for s in run.lag if 0 <= s.t <= load_s + 0.5]
    if len(in_load) >= 2:
        a, b = in_load[0], in_load[-1]
        rates = {g: (b.committed[g] - a.committed[g]) / (b.t - a.t) for g in a.committed}
    rate_windows: dict[int, dict[str, float]] = {}
    samples = [s for s in run.lag if s.t >= 0]
    for w in range(int((samples[-1].t if samples else 0) // 10) + 1):
        inside = [s for s in samples if w * 10 <= s.t < w * 10 + 10]
        before = [s for s in samples if s.t < w * 10]
        if not inside:
            continue
        a = before[-1] if before else inside[0]
        b = inside[-1]
        if b.t > a.t:
            rate_windows[w] = {g: (b.committed[g] - a.committed[g]) / (b.t - a.t) for g in b.committed}
    drain_rate = {}
    after = [s for s in run.lag if s.t >= load_s]
    if len(after) >= 2 and after[-1].t > after[0].t:
        drain_rate = {
            g: (after[-1].committed[g] - after[0].committed[g]) / (after[-1].t - after[0].t) for g in after[0].committed
        }

    achieved = run.load_produced / load_s if load_s else 0.0
    keeps_up = lag_end is not None and all(v <= 2 * run.rate for v in lag_end.lag.values())
    p50s = [
        pct(st.values + [INF] * st.missing, 50) for (fam, w), st in sorted(by_window.items(), key=lambda x: x[0][1])
    ]
    first_w = {fam: st for (fam, w), st in by_window.items() if w == 0}
    last_w = max((w for _, w in by_window), default=0)
    growing = any(
        pct(st.values + [INF] * st.missing, 50)
        > 2 * max(pct(first_w[fam].values + [INF] * first_w[fam].missing, 50), 1000)
        for (fam, w), st in by_window.items()
        if w == last_w and fam in first_w and last_w > 0
    )
    run.sustained = achieved >= 0.97 * run.rate and keeps_up and not growing and run.drained
    del p50s
    return {
        "trig": trig,
        "cross": cross,
        "by_window": by_window,
        "other": other,
        "unmatched": unmatched,
        "other_timer": other_timer,
        "late": late,
        "wait_tick": wait_tick,
        "after_tick": after_tick,
        "wrong_deadline": wrong_deadline,
        "probes": probes,
        "duplicates": sum(c - 1 for c in copies.values() if c > 1),
        "alerts": len(first),
        "records": sum(copies.values()),
        "lag_end": lag_end,
        "lag_max": lag_max,
        "rates": rates,
        "rate_windows": rate_windows,
        "drain_rate": drain_rate,
        "load_s": load_s,
        "achieved": achieved,
        "keeps_up": keeps_up,
        "growing": growing,
    }


# --- report ------------------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[str]], right_from: int = 1) -> str:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def pcts(st: Stats) -> tuple[str, str, str]:
    v = st.values + [INF] * st.missing
    return cell(pct(v, 50)), cell(pct(v, 99)), cell(max(v) if v else float("nan"))


TRIGGER_ROWS = ["all triggers", "inventory", *INV_TYPES, "cold chain", *COLD_TYPES]
PROCS = ["inventory", "shipments", "orders", "broker", "bench", "consumer"]


def run_title(run: Run) -> str:
    return f"{run.label} run: {run.rate:,.0f} events/s for {run.seconds:g} s"


def summary(runs: list[tuple[Run, dict[str, Any]]]) -> str:
    rows = []
    for run, a in runs:
        verdict = f"kept up for its {run.seconds:g} s" if run.sustained else "**fell behind**"
        t = a["trig"]
        rows.append(
            [
                f"alert latency, {run.label} run ({run.rate:,.0f}/s target, {a['achieved']:,.0f}/s produced, {verdict})",
                "inventory (LOW_STOCK/STOCKOUT/RESOLVED)",
                *pcts(t[("load", "inventory")]),
                f"{len(t[('load', 'inventory')].values):,} / {t[('load', 'inventory')].missing:,}",
            ]
        )
        rows.append(
            [
                "",
                "cold chain (TEMPERATURE_BREACH/RECOVERED)",
                *pcts(t[("load", "cold chain")]),
                f"{len(t[('load', 'cold chain')].values):,} / {t[('load', 'cold chain')].missing:,}",
            ]
        )
        if ("quiet", "all triggers") in t:
            rows.append(
                [
                    "alert latency, quiet (2 events/s)",
                    "all triggers",
                    *pcts(t[("quiet", "all triggers")]),
                    f"{len(t[('quiet', 'all triggers')].values):,} / {t[('quiet', 'all triggers')].missing:,}",
                ]
            )
        for phase, what in (("quiet", "quiet"), ("load", f"under the {run.label} load")):
            st = a["late"].get(phase)
            if st is not None and (st.values or st.missing):
                rows.append(
                    [
                        f"timer lateness, {what}",
                        f"DELIVERY_DELAYED, tick {run.tick_interval_s:g} s / hold-back {run.tick_holdback_s:g} s",
                        *pcts(st),
                        f"{len(st.values):,} / {st.missing:,}",
                    ]
                )
    return table(["figure", "alerts", "p50", "p99", "max", "received / not received"], rows, right_from=2)


def run_section(run: Run, a: dict[str, Any]) -> str:
    out: list[str] = []
    load_s = a["load_s"]
    out.append(f"### {run_title(run)}\n")
    why = []
    if a["achieved"] < 0.97 * run.rate:
        why.append("the producer fell short of the rate")
    if not a["keeps_up"]:
        why.append("a pipeline's backlog exceeded 2 s of input when production stopped")
    if a["growing"]:
        why.append("alert latency grew over the run")
    if not run.drained:
        why.append(f"the backlog had not drained {run.drain_s:.0f} s after production stopped")
    out.append(
        f"Produced {run.load_produced:,} events in {load_s:.1f} s = **{a['achieved']:,.0f} events/s** ({run.load_sim:,} "
        f"simulated, {run.load_triggers:,} triggers, {run.load_timers} timer shipments). "
        f"Kept up for the run's {run.seconds:g} s: {'**yes**' if run.sustained else '**no** — ' + '; '.join(why)}. "
        + (f"Everything drained {run.drain_s:.1f} s after production stopped." if run.drained else "")
        + "\n"
    )
    by_topic = ", ".join(f"{t} {n:,}" for t, n in sorted(run.produced_by_topic.items()))
    out.append(f"Records we produced per topic (all phases of this run): {by_topic}.\n")
    if a["lag_max"]:
        rows = []
        for g in sorted(a["lag_max"]):
            end = a["lag_end"].lag.get(g, 0) if a["lag_end"] else 0
            rate, drain = a["rates"].get(g), a["drain_rate"].get(g)
            rows.append(
                [
                    g,
                    "–" if rate is None else f"{rate:,.0f}",
                    "–" if drain is None else f"{drain:,.0f}",
                    f"{a['lag_max'][g]:,}",
                    f"{end:,}",
                ]
            )
        out.append(
            table(
                [
                    "pipeline",
                    "committed records/s during load",
                    "… after load",
                    "max backlog during load",
                    "backlog when production stopped",
                ],
                rows,
            )
        )
        out.append("")
        if a["rate_windows"]:
            groups = sorted(next(iter(a["rate_windows"].values())))
            rows = [
                [f"{w * 10}–{w * 10 + 10} s", *[f"{r.get(g, 0):,.0f}" for g in groups]]
                for w, r in sorted(a["rate_windows"].items())
            ]
            out.append(
                "Records committed per second by each pipeline's consumer group, by 10 s window from the start "
                f"of the load (production stopped at {load_s:.0f} s):\n"
            )
            out.append(table(["window", *groups], rows))
            out.append("")
    rows = []
    for kind in TRIGGER_ROWS:
        st = a["trig"].get(("load", kind))
        if st is not None:
            label = f"**{kind}**" if kind in ("all triggers", "inventory", "cold chain") else kind
            rows.append([label, *st.row()])
    out.append("Trigger alerts (produced → received):\n")
    out.append(table(["alert type", "received", "not received", "p50", "p99", "max"], rows))
    out.append("")
    fams = sorted({fam for fam, _ in a["by_window"]})
    windows = sorted({w for _, w in a["by_window"]})
    if windows:
        rows = []
        for w in windows:
            row = [f"{w * 10}–{w * 10 + 10} s"]
            for fam in fams:
                st = a["by_window"].get((fam, w), Stats([]))
                p50, p99, _ = pcts(st)
                row += [p50, p99]
            rows.append(row)
        out.append(
            "By 10 s window of the trigger's produce time (a growing p50 = the pipeline falls behind; "
            "not received counts as infinitely late):\n"
        )
        out.append(table(["produced at", *[f"{f} {q}" for f in fams for q in ("p50", "p99")]], rows))
        out.append("")
    rows = [
        [kind, f"{len(v):,}", fmt_ms(pct(v, 50)), fmt_ms(pct(v, 99)), fmt_ms(max(v))]
        for (phase, kind), v in sorted(a["other"].items())
        if phase == "load"
    ]
    if rows:
        out.append(
            "Alerts the simulated stream raised by itself during the load (matched by `details.source_event_id`; "
            "only those received):\n"
        )
        out.append(table(["alert type", "received", "p50", "p99", "max"], rows))
        out.append("")
    extra = []
    if a["other_timer"]:
        extra.append(
            "timer alerts of simulated shipments (not measured: their deadlines are not ours; see notes): "
            + ", ".join(f"{k} {n:,}" for k, n in sorted(a["other_timer"].items()))
        )
    if a["unmatched"]:
        extra.append(
            "alerts from events outside the measured phases (set-up, warm-up): "
            + ", ".join(f"{k} {n}" for k, n in sorted(a["unmatched"].items()))
        )
    extra.append(f"alert records received {a['records']:,}, distinct alert ids {a['alerts']:,}")
    if a["cross"]:
        extra.append(
            f"cross-check: |alert record's Kafka timestamp − our produce time of its trigger| p50 "
            f"{pct(a['cross'], 50):.0f} ms, max {max(a['cross']):.0f} ms (Quix copies the source record's timestamp)"
        )
    if run.notes:
        extra.extend(run.notes)
    out.append("".join(f"- {e}\n" for e in extra))
    return "\n".join(out)


def report(runs: list[tuple[Run, dict[str, Any]]], command: str, total_s: float) -> str:
    args = runs[0][0].args
    main_run = runs[0][0]
    out: list[str] = []
    out.append("# supplylake alert latency and live timer lateness (issue 4)\n")
    out.append(f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}` (whole run {total_s / 60:.1f} min).\n")
    out.append(
        "Reproduce from the repository root: `.venv/bin/python -m bench.alert_latency` "
        "(defaults: `--rate 2000 --seconds 60`, then `--fallback-rate 200 --fallback-seconds 30` "
        "if the first run does not keep up).\n"
    )
    load_avg = os.getloadavg()
    out.append(
        f"Machine: {os.cpu_count()} cores **shared with other jobs** (load average {load_avg[0]:.1f} / {load_avg[1]:.1f} / "
        f"{load_avg[2]:.1f} at the end), CPython {platform.python_version()}, {platform.machine()}. Each run: a fresh "
        "embedded Tansu broker (memory storage) and the three pipelines (inventory, shipments, orders) as child "
        "processes of supplylake's `Supervisor`, live mode, Quix settings as shipped (commit every 1 s, 2 partitions). "
        "**Absolute numbers move with whatever else runs on the two cores; compare figures within one run "
        "(quiet vs loaded, inventory vs cold chain) rather than across runs.**\n"
    )

    codes = {run.code for run, _ in runs}
    if len(codes) == 1:
        ((head, digest),) = codes
        out.append(f"Code measured: {head} (digest of `supplylake/**/*.py` {digest}).\n")
    else:
        out.append(
            "**Warning: `supplylake/` changed between the runs of this command, so they measured different "
            "code:** " + "; ".join(f"{run.label} run: {run.code[0]} (digest {run.code[1]})" for run, _ in runs) + ".\n"
        )
    out.append("## Summary\n")
    out.append(summary(runs))
    out.append("")
    out.append(
        "p50/p99/max over every expected alert; an alert not received by the end of its run counts as "
        'infinitely late ("not received"). Why the shipments pipeline falls behind (inventory alerts '
        "do not), and what that means for these figures: see the notes at the end.\n"
    )

    out.append("## Method\n")
    out.append(
        "- **Produce time** of an event: wall clock at our producer's `produce()` call (also the record's Kafka "
        "CreateTime), recorded per `eventId` for every event we produce, simulated ones included.\n"
        "- **Alert on the topic**: wall clock at which a separate consumer process (`assign()` on both partitions "
        "of `alerts` from offset 0, `fetch.wait.max.ms=10`) received the record. The alert record's own Kafka "
        "timestamp cannot serve: Quix's `to_topic` copies the input record's timestamp, so an alert carries its "
        "source event's CreateTime (a timer alert: the firing tick's). It is used as a cross-check and to split "
        "timer lateness.\n"
        "- **Alert → source event**: every event-caused alert carries `details.source_event_id` and its id is "
        "`uuid5(source event id, type)`. *Trigger* events are ours, each raising exactly one known alert at once, "
        "checked against that exact alert id (so lost alerts are counted): 20 warehouse×SKU keys cycling "
        "shipped 60 → `LOW_STOCK`, shipped 90 → `STOCKOUT`, received 150 → `RESOLVED` (reorder point 100, resolve "
        "at 110), and 20 PHARMA shipments (2–8 °C) alternating telemetry at 9.5 °C → `TEMPERATURE_BREACH` and "
        "5.0 °C → `TEMPERATURE_RECOVERED`. Alerts the simulated stream raises by itself are matched through "
        "`source_event_id` and shown separately.\n"
        f"- **Load**: `live_simulation(seed={args.seed}, rate, FaultConfig.none())` — the stream `demo` produces — "
        f"paced by count, with {args.trigger_rate:g} trigger events/s within the rate (alternating inventory and "
        f"cold chain) and one *timer shipment* every {args.timer_every:g} s: a `shipment.created` with "
        f"`expectedDelivery` = now + U({args.timer_lead_min:g}, {args.timer_lead_max:g}) s and nothing after it.\n"
        f"- **Timer lateness** = arrival of the shipment's `DELIVERY_DELAYED` − deadline (`expectedDelivery` + grace "
        f"{args.grace} s, `SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S={args.grace}`), both wall clock; split into "
        "*waiting for a tick* (the firing tick's CreateTime − deadline) and *tick → alert received*.\n"
        f"- **Quiet phase** (first run, before its load): {args.quiet_timers} timer shipments over "
        f"~{args.quiet_seconds:g} s and 2 trigger events/s, nothing else but the ticks.\n"
        "- **Measurement floor**: a probe record every 200 ms from the same producer to a 1-partition topic read "
        "by the same consumer.\n"
        "- **Kept up** = produce rate ≥ 97 % of the target, every pipeline's backlog (records produced to its "
        "source topics, not yet committed by its consumer group; Quix commits every 1 s) ≤ 2 s of input when "
        "production stops, the last 10 s window's trigger p50 not above twice the first's, and everything "
        f"drained within `--drain-timeout` ({args.drain_timeout:g} s) — for the run's length only: the shipments "
        "pipeline slows down as its state grows (see the notes), so keeping up for 30 s says nothing about the "
        "next minutes. If the first run did not keep up, a second "
        f"run on a fresh broker uses `--fallback-rate` ({args.fallback_rate:g}/s, `demo`'s default rate) for "
        f"`--fallback-seconds` ({args.fallback_seconds:g} s).\n"
    )

    out.append("## 1. Alert latency (event produced → alert received from `alerts`)\n")
    for run, a in runs:
        out.append(run_section(run, a))
    quiet = runs[0][1]["trig"]
    if ("quiet", "all triggers") in quiet:
        rows = []
        for kind in TRIGGER_ROWS:
            st = quiet.get(("quiet", kind))
            if st is not None:
                rows.append([f"**{kind}**" if kind in ("all triggers", "inventory", "cold chain") else kind, *st.row()])
        out.append("### Quiet phase (2 trigger events/s, first run before its load)\n")
        out.append(table(["alert type", "received", "not received", "p50", "p99", "max"], rows))
        out.append("")

    out.append("## 2. Timer lateness in live mode (deadline → `DELIVERY_DELAYED` received)\n")
    out.append(
        f"Tick interval **{main_run.tick_interval_s:g} s**, hold-back **{main_run.tick_holdback_s:g} s** "
        f"(`SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S` / `__TICK_HOLDBACK_S`, "
        f"{'product defaults' if args.tick_interval is None and args.tick_holdback is None else 'set by --tick-*'}), "
        f"grace {args.grace} s.\n"
    )
    rows = []
    for run, a in runs:
        for phase in ("quiet", "load"):
            st = a["late"].get(phase)
            if st is None or not (st.values or st.missing):
                continue
            wt, at = a["wait_tick"][phase], a["after_tick"][phase]
            name = "quiet (first run)" if phase == "quiet" else f"under load, {run.label} run ({run.rate:,.0f}/s)"
            rows.append(
                [
                    name,
                    *st.row(),
                    fmt_ms(min(st.values) if st.values else float("nan")),
                    fmt_ms(pct(wt, 50)),
                    fmt_ms(max(wt, default=float("nan"))),
                    fmt_ms(pct(at, 50)),
                    fmt_ms(max(at, default=float("nan"))),
                ]
            )
    out.append(
        table(
            [
                "phase",
                "received",
                "not received",
                "lateness p50",
                "p99",
                "max",
                "min",
                "waiting for a tick p50",
                "… max",
                "tick → received p50",
                "… max",
            ],
            rows,
        )
    )
    out.append("")
    wrong = sum(a["wrong_deadline"] for _, a in runs)
    if wrong:
        out.append(f"- {wrong} alerts named another deadline than the one we set.\n")
    interval, hold = main_run.tick_interval_s, main_run.tick_holdback_s
    out.append(
        f"**The floor.** The shipments pipeline's ticker writes a tick stamped *T* (wall clock) to each partition of "
        f"`shipment-events`, then waits {interval:g} s; a tick moves the partition clock to *T* − {hold:g} s and fires "
        f"every deadline due by then. A deadline *D* therefore fires at the first tick stamped at or after "
        f"*D* + {hold:g} s: the wait is {hold:g} s + U(0, {interval:g}) s — {hold + interval / 2:g} s on average, "
        f"≈ {hold + interval:g} s at most (a little more: each cycle is {interval:g} s plus the time to produce the "
        "ticks) — before any processing. On top comes the tick record's wait behind the partition's other records "
        "(the shipments pipeline's backlog: unbounded when it falls behind) and the alert's trip to the consumer. "
        "The event-time watermark does not help live: it trails the newest event by `ALLOWED_LATENESS_S` (600 s). "
        "Lowering `TICK_HOLDBACK_S` / `TICK_INTERVAL_S` lowers the floor, at the price of more tick records (one "
        "per partition per interval, read by the shipments *and* the orders pipeline) and of deadlines fired "
        "before an event produced just before them was processed (a `delivered` in flight then yields "
        "`DELIVERY_DELAYED` + `DELIVERED_LATE`).\n"
    )

    out.append("## Measurement floor and resources\n")
    rows = []
    for run, a in runs:
        for phase in ("quiet", "load", "drain"):
            v = a["probes"].get(phase, [])
            if v:
                rows.append(
                    [f"{run.label} run, {phase}", f"{len(v):,}", fmt_ms(pct(v, 50)), fmt_ms(pct(v, 99)), fmt_ms(max(v))]
                )
    out.append("Probe records (our producer → broker → our consumer, no pipeline in between):\n")
    out.append(table(["when", "probes", "p50", "p99", "max"], rows))
    out.append("")
    rows = []
    for run, _ in runs:
        for phase, cpu in run.cpu.items():
            wall = cpu.get("_wall", 0) or float("nan")
            rows.append(
                [
                    f"{run.label} run, {phase} ({wall:.0f} s)",
                    *[f"{cpu.get(n, 0) / wall:.2f}" for n in PROCS],
                    f"{sum(cpu.get(n, 0) for n in PROCS) / wall:.2f}",
                ]
            )
    out.append("CPU in cores (CPU seconds / wall seconds) per process; the machine has 2, shared:\n")
    out.append(table(["phase", *PROCS, "sum"], rows))
    out.append("")
    out.append(
        "A pipeline restarted during a phase counts only from its restart. *bench* is this process (producer, simulator, analysis; its peak RSS is over the whole command), "
        "*consumer* the alert consumer."
    )
    out.append("")
    for run, _ in runs:
        out.append(
            f"- {run.label} run: peak RSS "
            + ", ".join(f"{n} {run.peak_rss.get(n, 0):,.0f} MB" for n in PROCS)
            + "; supervisor restarts "
            + (", ".join(f"{n} {c}" for n, c in run.restarts.items()) or "none")
            + f"; startup {run.startup_s:.0f} s; its {run.load_sim:,} simulated events span "
            f"{run.sim_event_span_s:.0f} s of event time but were produced in "
            f"{(run.load_end_ms - run.load_start_ms) / 1000:.0f} s; run time "
            f"{run.total_s:.0f} s."
        )
    out.append("")
    return "\n".join(out)


def write_report(text: str) -> None:
    kept = "\n"
    if REPORT.exists():
        old = REPORT.read_text()
        if NOTES_MARKER in old:
            kept = old.split(NOTES_MARKER, 1)[1]
    REPORT.write_text(text.rstrip() + "\n\n" + NOTES_MARKER + kept)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--consume"]:
        return consume_main(argv[1], argv[2].split(","), argv[3])
    parser = argparse.ArgumentParser(
        prog="python -m bench.alert_latency",
        description="Alert latency and live timer lateness (issue 4); see the module docstring.",
    )
    parser.add_argument("--rate", type=float, default=2000.0, help="events/s in all during the load (default 2000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load (default 60)")
    parser.add_argument(
        "--fallback-rate",
        type=float,
        default=200.0,
        help="second run at this rate if the first falls behind (default 200, demo's rate; 0: none)",
    )
    parser.add_argument("--fallback-seconds", type=float, default=30.0, help="length of the fallback load (default 30)")
    parser.add_argument(
        "--trigger-rate", type=float, default=20.0, help="trigger events/s within the rate (default 20)"
    )
    parser.add_argument("--timer-every", type=float, default=1.0, help="one timer shipment every N s of a load")
    parser.add_argument(
        "--timer-lead-min", type=float, default=5.0, help="expectedDelivery at least this far ahead (s)"
    )
    parser.add_argument("--timer-lead-max", type=float, default=15.0, help="… at most this far ahead (s)")
    parser.add_argument("--grace", type=int, default=2, help="SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S (default 2)")
    parser.add_argument(
        "--tick-interval", type=float, default=None, help="override the tick interval (default: product's)"
    )
    parser.add_argument(
        "--tick-holdback", type=float, default=None, help="override the tick hold-back (default: product's)"
    )
    parser.add_argument("--quiet-timers", type=int, default=30, help="timer shipments in the quiet phase (0: none)")
    parser.add_argument("--quiet-seconds", type=float, default=15.0, help="spread of the quiet timer shipments (s)")
    parser.add_argument(
        "--quiet-grace", type=float, default=15.0, help="wait this long past the last expected tick (s)"
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="give the pipelines this long to catch up (s)"
    )
    parser.add_argument("--startup-timeout", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the data dirs (logs, lake) under /tmp")
    parser.add_argument("--no-report", action="store_true", help="print only; do not write bench/REPORT-alerts.md")
    args = parser.parse_args(argv)
    if not 0 < args.trigger_rate < min(args.rate, args.fallback_rate or args.rate):
        parser.error("--trigger-rate must be positive and below --rate and --fallback-rate")
    import warnings

    warnings.simplefilter("ignore")
    started = time.monotonic()
    runs: list[tuple[Run, dict[str, Any]]] = []
    first = run_stack(args, "first", args.rate, args.seconds, quiet=True)
    runs.append((first, analyse(first)))
    log(f"first run {'kept up' if first.sustained else 'fell behind'}")
    if not first.sustained and args.fallback_rate > 0:
        second = run_stack(args, "fallback", args.fallback_rate, args.fallback_seconds, quiet=False)
        runs.append((second, analyse(second)))
        log(f"fallback run {'kept up' if second.sustained else 'fell behind'}")
    command = ".venv/bin/python -m bench.alert_latency" + ("" if not argv else " " + " ".join(argv))
    text = report(runs, command, time.monotonic() - started)
    print("\n" + text)
    if not args.no_report:
        write_report(text)
        log(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
