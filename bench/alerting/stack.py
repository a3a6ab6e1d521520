"""One life of the live stack: fresh broker, all pipelines under supplylake's ``Supervisor``.

Live mode (wall-clock ticks on; the product's tick interval and hold-back unless overridden),
``SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S`` = ``--grace`` so a deadline can fall a few seconds
ahead, reorder points from the simulator's ``skus.csv`` as ``demo`` passes them. Phases, each
optional: warm-up (until one inventory and one cold-chain alert arrived and every pipeline
committed), **quiet** (timer shipments and 2 trigger events/s), **load** (the live simulation
at a rate, with trigger events and timer shipments mixed in; optionally followed by a **burst**
at ``--burst-factor`` × the rate for ``--burst-seconds`` and ``--after-burst-seconds`` back at the
rate), **drain** (until every expected alert arrived and every pipeline committed all input, or
``--drain-timeout``). During a load a :class:`LakeWatcher` samples what a DuckDB reader of the
lake sees of the event tables (freshness); at the end every produced event id is looked up in
the lake (completeness).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.alerting.consumer import ConsumerProcess, Received
from bench.alerting.fullload import completeness
from bench.alerting.monitor import LagMonitor, LagSample
from bench.alerting.triggers import BY_ID_TABLES, EVENT_TABLES, PROBE_TOPIC, Produced, Producing, Triggers, event_table
from bench.harness.console import log
from bench.harness.errors import PipelineNotReady
from bench.harness.lake import lake_catalog
from bench.harness.procfs import cpu_delta, cpu_seconds, peak_rss_mb
from bench.harness.results import code_state
from bench.harness.visibility import LakeWatcher, Series
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.ingest.simulated import live_simulation
from supplylake.orchestration.supervisor import Supervisor
from supplylake.pipelines.catalog import PIPELINES
from supplylake.settings import ShipmentSettings, load_settings
from supplylake.simulator import FaultConfig

PROCS = ["inventory", "shipments", "orders", "broker", "bench", "consumer"]


def load_segments(
    rate: float, seconds: float, burst_factor: float, burst_seconds: float, after_s: float
) -> list[tuple[str, float, float]]:
    """(label, events/s, seconds) of a load: steady, then optionally a burst and the rate again."""
    segments = [("steady", rate, seconds)]
    if burst_factor > 1 and burst_seconds > 0:
        segments.append(("burst", rate * burst_factor, burst_seconds))
        if after_s > 0:
            segments.append(("after burst", rate, after_s))
    return segments


@dataclass
class LiveRun:
    """What one stack life measured (raw: the analysis turns it into figures)."""

    label: str
    rate: float
    seconds: float
    tick_interval_s: float
    tick_holdback_s: float
    produced: Produced = field(default_factory=Produced)
    received: list[Received] = field(default_factory=list)
    lag: list[LagSample] = field(default_factory=list)
    alerts_topic: str = "alerts"
    load_start_ms: float = 0.0
    load_end_ms: float = 0.0
    quiet_start_ms: float = 0.0
    load_produced: int = 0
    load_sim: int = 0
    load_triggers: int = 0
    load_timers: int = 0
    drain_s: float = float("nan")
    drained: bool = False
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # phase -> process -> cpu s ("_wall": s)
    peak_rss: dict[str, float] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    startup_s: float = 0.0
    sim_generate_s: float = 0.0
    sim_event_span_s: float = 0.0
    total_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    code: tuple[str, str] = ("", "")  # code_state() when this run's pipelines started
    segments: list[dict[str, Any]] = field(default_factory=list)  # label, rate, seconds, start/end ms, produced
    plan: list[tuple[str, float, float]] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    lake_seen: dict[str, dict[int, Series]] = field(default_factory=dict)  # table -> partition -> samples
    lake_first_seen: dict[str, dict[str, float]] = field(default_factory=dict)  # by-id table -> id -> wall ms
    lake_polls: int = 0
    lake_poll_ms: list[float] = field(default_factory=list)
    lake_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> completeness counts


class LiveStack:
    """The processes of one run and the phases that drive them."""

    def __init__(self, args: argparse.Namespace, run: LiveRun, root: Path) -> None:
        self.args = args
        self.run = run
        self.data_dir = root / "data"
        self.settings = load_settings(data_dir=self.data_dir)
        self.topics = self.settings.topics
        run.alerts_topic = self.topics.alerts
        self.rng = random.Random(args.seed)
        self.sim = live_simulation(args.seed, max(run.rate, 1.0), FaultConfig.none())
        self.sim.world.write_reference(self.data_dir / "reference")
        self.broker = EmbeddedBroker(self.data_dir).start()
        self.connection = BrokerConnection(self.broker.bootstrap, self.broker.cluster_id, True)
        ensure_topics(self.connection, [*all_topics(self.topics), PROBE_TOPIC], self.topics)
        self.consumer = ConsumerProcess(self.broker.bootstrap, [self.topics.alerts, PROBE_TOPIC], root / "received.tsv")
        run.code = code_state()
        self.supervisor = Supervisor(
            PIPELINES,
            bootstrap=self.broker.bootstrap,
            data_dir=self.data_dir,
            extra_env={**self.pipeline_env(), **run.extra_env},
        ).start()
        by_offset = tuple(t for t in EVENT_TABLES if t not in BY_ID_TABLES)
        self.watcher = LakeWatcher(self.settings, args.fresh_poll, by_offset, BY_ID_TABLES)
        self.producing = Producing(self.connection, run.produced)
        self.triggers = Triggers(self.topics, self.producing)
        self.monitor = LagMonitor(self.connection, self.settings, run.produced)
        self.alerts_seen: set[str] = set()
        self.timers_seen: set[str] = set()
        self.crash_loop: list[str] = []
        self.next_probe = time.time()
        log(f"[{run.label}] broker {self.broker.bootstrap}; pipelines {', '.join(PIPELINES)} starting")

    def pipeline_env(self) -> dict[str, str]:
        args = self.args
        env = {
            "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
            "SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S": str(args.grace),
            "SUPPLYLAKE_INVENTORY__REORDER_POINTS_FILE": str(self.data_dir / "reference" / "skus.csv"),
        }
        if args.tick_interval is not None:
            env["SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S"] = str(args.tick_interval)
        if args.tick_holdback is not None:
            env["SUPPLYLAKE_SHIPMENTS__TICK_HOLDBACK_S"] = str(args.tick_holdback)
        return env

    # --- watching -------------------------------------------------------------------------------

    def pipelines_ok(self) -> bool:
        """False once the supervisor gave up on a pipeline (crash loop); noted once, the run goes on."""
        try:
            self.supervisor.check()
        except Exception as exc:  # PipelineCrashLoop
            if not self.crash_loop:
                self.crash_loop.append(str(exc))
                self.run.notes.append(f"the supervisor gave up: {exc}")
                log(f"[{self.run.label}] {self.run.notes[-1]}")
            return False
        return True

    def pids(self) -> dict[str, int | None]:
        return {
            **{name: p.process.pid if p.process else None for name, p in self.supervisor.processes.items()},
            "broker": self.broker.process.pid if self.broker.process else None,
            "bench": os.getpid(),
            "consumer": self.consumer.process.pid,
        }

    def cpu_now(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids().items()}

    def probe_if_due(self) -> None:
        if time.time() >= self.next_probe:
            self.producing.probe()
            self.producing.poll()
            self.next_probe = time.time() + 0.2

    def outstanding(self, phase: str) -> tuple[int, int]:
        """(trigger alerts, timer alerts) of ``phase`` not received yet."""
        for rec in self.consumer.read_new():
            if rec.topic == self.topics.alerts:
                alert = json.loads(rec.value)
                self.alerts_seen.add(alert["alert_id"])
                if alert["alert_type"] == "DELIVERY_DELAYED":
                    self.timers_seen.add(alert["entity_id"])
        produced = self.run.produced
        missing = sum(1 for e in produced.expected.values() if e.phase == phase and e.alert_id not in self.alerts_seen)
        missing_timers = sum(
            1 for s, (_, p) in produced.timer_deadlines.items() if p == phase and s not in self.timers_seen
        )
        return missing, missing_timers

    def timed(self, phase: str, body: Callable[[], None], wall: Callable[[], float]) -> None:
        """Run a phase and record each process's CPU over it (``wall``: the phase's seconds)."""
        before = self.cpu_now()
        body()
        self.run.cpu[phase] = cpu_delta(before, self.cpu_now())
        self.run.cpu[phase]["_wall"] = wall()

    # --- phases ---------------------------------------------------------------------------------

    def generate(self) -> Iterator[Any]:
        """The simulated stream of the load: made while the pipelines start (beyond ``--pregenerate``: lazily,
        while producing — the simulator makes ~8k events/s on one core, so that costs the producer)."""
        run = self.run
        n_sim = int(sum(max(0.0, r - self.args.trigger_rate) * s for _, r, s in run.plan))
        t = time.monotonic()
        stream = self.sim.events(max_events=n_sim) if n_sim else iter(())
        ahead = n_sim if self.args.pregenerate is None else self.args.pregenerate
        events = [e for _, e in zip(range(ahead), stream, strict=False)]
        run.sim_generate_s = time.monotonic() - t
        if events:
            run.sim_event_span_s = (events[-1].time_ms - events[0].time_ms) / 1000
        log(
            f"[{run.label}] generated {len(events):,} of {n_sim:,} simulated events in {run.sim_generate_s:.1f} s "
            f"(event time spans {run.sim_event_span_s:.0f} s)"
        )
        return itertools.chain(events, stream)

    def warm_up(self, started: float) -> None:
        self.triggers.setup()
        warm_ids = self.triggers.warmup()
        self.producing.flush()
        self.monitor.start()
        deadline = time.monotonic() + self.args.startup_timeout
        seen: set[str] = set()
        while True:
            self.supervisor.check()
            for rec in self.consumer.read_new():
                if rec.topic == self.topics.alerts:
                    seen.add(json.loads(rec.value)["alert_id"])
            sample = self.monitor.latest
            if warm_ids <= seen and sample is not None and all(v > 0 for v in sample.committed.values()):
                break
            if time.monotonic() > deadline:
                raise PipelineNotReady(
                    f"pipelines not ready after {self.args.startup_timeout:.0f} s "
                    f"(alerts seen {len(seen)}, lag sample {sample}); see the logs under {self.data_dir}"
                )
            time.sleep(0.25)
        self.run.startup_s = time.monotonic() - started
        log(f"[{self.run.label}] pipelines ready after {self.run.startup_s:.0f} s")
        time.sleep(1.0)

    def quiet(self) -> None:
        """Timer shipments over ~``--quiet-seconds`` with 2 trigger events/s, then wait for their alerts."""
        args, run = self.args, self.run
        log(f"[{run.label}] quiet phase: {args.quiet_timers} timer shipments over ~{args.quiet_seconds:g} s")
        run.quiet_start_ms = time.time() * 1000

        def body() -> None:
            spacing = args.quiet_seconds / args.quiet_timers
            t_start = time.monotonic()
            created = 0
            next_trigger = time.monotonic()
            while created < args.quiet_timers:
                now = time.monotonic()
                if now >= t_start + created * spacing:
                    self.triggers.timer_shipment("quiet", self.lead(), args.grace)
                    created += 1
                if now >= next_trigger:
                    self.triggers.next("quiet")
                    next_trigger += 0.5
                self.probe_if_due()
                self.producing.poll()
                time.sleep(0.02)
            self.producing.flush()
            self.await_quiet_alerts()

        self.timed("quiet", body, lambda: time.time() - run.quiet_start_ms / 1000)
        log(f"[{run.label}] quiet phase done")

    def await_quiet_alerts(self) -> None:
        args, run = self.args, self.run
        last_deadline = max(d for d, p in run.produced.timer_deadlines.values() if p == "quiet")
        wait_until = last_deadline / 1000 + run.tick_holdback_s + run.tick_interval_s + args.quiet_grace
        while time.time() < wait_until:
            if not self.pipelines_ok():
                break
            self.probe_if_due()
            if self.outstanding("quiet") == (0, 0):
                break
            time.sleep(0.2)
        missing, missing_timers = self.outstanding("quiet")
        if missing or missing_timers:
            run.notes.append(
                f"quiet phase: {missing} trigger alerts and {missing_timers} timer alerts not "
                f"received {args.quiet_grace:.0f} s after the last expected tick"
            )

    def lead(self) -> float:
        return self.rng.uniform(self.args.timer_lead_min, self.args.timer_lead_max)

    def load(self, sim_events: Iterator[Any]) -> None:
        """The plan's segments (steady [, burst, after burst]): the simulation with triggers, timers and probes.

        Events of the steady segment are of phase "load", those of the burst and after it "burst".
        """
        args, run = self.args, self.run
        plan = ", ".join(f"{label} {rate:g}/s for {seconds:g} s" for label, rate, seconds in run.plan)
        log(f"[{run.label}] load phase: {plan}")
        run.load_start_ms = time.time() * 1000
        self.monitor.load_start_ms = run.load_start_ms

        def segment(label: str, rate: float, seconds: float, next_timer: float, load_end_at: float) -> float:
            phase = "load" if label == "steady" else "burst"
            trigger_every = max(1, round(rate / args.trigger_rate)) if args.trigger_rate > 0 else 0
            start = time.monotonic()
            started_ms = time.time() * 1000
            before = run.load_sim + run.load_triggers + run.load_timers
            for i in range(int(rate * seconds)):
                ahead = start + i / rate - time.monotonic()
                if ahead > 0:
                    self.producing.poll()
                    time.sleep(ahead)
                event = None if trigger_every and i % trigger_every == trigger_every // 2 else next(sim_events, None)
                if event is None:
                    self.triggers.next(phase)
                    run.load_triggers += 1
                else:
                    topic = self.topics.for_family(event.family)
                    table = event_table(event.family, event.event_type)
                    self.producing.send(topic, event.key, event.value, event.event_id, phase, table)
                    run.load_sim += 1
                wall = time.time()
                if next_timer <= wall < load_end_at - args.timer_lead_max - args.grace:
                    self.triggers.timer_shipment(phase, self.lead(), args.grace)
                    run.load_timers += 1
                    next_timer += args.timer_every
                self.probe_if_due()
                if i % 500 == 0:
                    self.producing.poll()
                    if i % 10_000 == 0:
                        self.pipelines_ok()
            self.producing.poll()
            run.segments.append(
                {
                    "label": label,
                    "rate": rate,
                    "seconds": seconds,
                    "start_ms": started_ms,
                    "end_ms": time.time() * 1000,
                    "produced": run.load_sim + run.load_triggers + run.load_timers - before,
                }
            )
            return next_timer

        def body() -> None:
            next_timer = time.time() + 1.0
            load_end_at = time.time() + sum(s for _, _, s in run.plan)
            for label, rate, seconds in run.plan:
                next_timer = segment(label, rate, seconds, next_timer, load_end_at)
            self.producing.flush()
            run.load_end_ms = time.time() * 1000

        self.timed("load", body, lambda: (run.load_end_ms - run.load_start_ms) / 1000)
        run.load_produced = run.load_sim + run.load_triggers + run.load_timers
        wall = run.cpu["load"]["_wall"]
        latest = self.monitor.latest
        log(
            f"[{run.label}] load done: {run.load_produced:,} events in {wall:.1f} s "
            f"({run.load_produced / wall:,.0f}/s); backlog {latest.lag if latest else '?'}"
        )

    def drain(self) -> None:
        """Until every expected load alert arrived and every pipeline committed all input."""
        run = self.run
        drain_started = time.monotonic()

        def body() -> None:
            while True:
                stopped = not self.pipelines_ok()
                self.probe_if_due()
                missing, missing_timers = map(
                    sum, zip(self.outstanding("load"), self.outstanding("burst"), strict=True)
                )
                sample = self.monitor.latest
                caught_up = (
                    sample is not None
                    and sample.t * 1000 > run.load_end_ms - run.load_start_ms
                    and all(v <= 0 for v in sample.lag.values())
                )
                if not missing and not missing_timers and caught_up:
                    run.drained = True
                    return
                if stopped or time.monotonic() - drain_started > self.args.drain_timeout:
                    run.notes.append(
                        f"drain gave up after {time.monotonic() - drain_started:.0f} s: {missing} trigger "
                        f"alerts and {missing_timers} timer alerts of the load not received, backlog "
                        f"{sample.lag if sample else '?'}"
                    )
                    return
                time.sleep(0.2)

        self.timed("drain", body, lambda: time.monotonic() - drain_started)
        run.drain_s = time.monotonic() - drain_started
        log(f"[{run.label}] drained in {run.drain_s:.1f} s" if run.drained else f"[{run.label}] {run.notes[-1]}")

    def watch_lake(self) -> None:
        self.watcher.start()

    def settle_lake(self, timeout_s: float = 15.0) -> None:
        """Wait until the reader saw every event table's last delivered offset (or ``timeout_s``), then stop it."""
        produced = self.run.produced
        ends = {
            (table, p): offsets[-1]
            for table, parts in produced.delivered.items()
            if table in self.watcher.tables
            for p, (offsets, _) in parts.items()
            if offsets
        }
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.watcher.is_alive():
            seen = {(t, p): o for t in self.watcher.tables for p, o in self.watcher.max_offsets(t).items()}
            ids_seen = all(
                len(self.watcher.first_seen[t]) >= len(produced.ids_by_table.get(t, [])) for t in self.watcher.by_id
            )
            if ids_seen and all(seen.get(k, -1) >= o for k, o in ends.items()):
                break
            time.sleep(0.25)
        self.watcher.stop()
        run = self.run
        run.lake_seen = {t: dict(parts) for t, parts in self.watcher.seen.items()}
        run.lake_first_seen = self.watcher.first_seen
        run.lake_polls, run.lake_poll_ms = len(self.watcher.poll_ms), self.watcher.poll_ms
        if self.watcher.error is not None:
            run.notes.append(f"lake watcher failed: {self.watcher.error!r}")

    def check_lake(self) -> None:
        """Every event id we produced to an event table, looked up in that table (after the drain)."""
        from supplylake.query import LakeReader

        try:
            reader = LakeReader(lake_catalog(self.settings), namespace=self.settings.catalog.namespace)
            con = reader.connect()
            try:
                for table in EVENT_TABLES:
                    lake_ids = con.execute(f"SELECT event_id FROM {table}").fetch_arrow_table().column(0).to_pylist()
                    self.run.lake_counts[table] = completeness(self.run.produced.ids_by_table.get(table, []), lake_ids)
            finally:
                con.close()
        except Exception as exc:
            self.run.notes.append(f"lake completeness check failed: {exc!r}")

    def finish(self) -> None:
        """Peak RSS and restarts (before stopping: /proc is gone afterwards)."""
        run = self.run
        run.peak_rss = {name: peak_rss_mb(pid) for name, pid in self.pids().items()}
        run.restarts = {name: p.restarts for name, p in self.supervisor.processes.items()}
        for name, process in self.supervisor.processes.items():
            if process.restarts:
                run.notes.append(
                    f"pipeline {name} exited {process.restarts} time(s) and was restarted by the "
                    f"supervisor (exit codes {process.exit_codes}); last line of its log: "
                    f"`{last_log_line(process.log_path)}`"
                )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.watcher.stop()
        with contextlib.suppress(Exception):
            self.monitor.stop()
        self.supervisor.stop()
        self.consumer.stop()
        self.run.received = self.consumer.records
        self.run.lag = self.monitor.samples
        self.broker.stop()


def last_log_line(path: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1][:300].replace("`", "'")
    return "(no log)"


def run_stack(
    args: argparse.Namespace,
    label: str,
    rate: float,
    seconds: float,
    *,
    quiet: bool,
    load: bool,
    burst: bool = False,
    extra_env: dict[str, str] | None = None,
) -> LiveRun:
    """A fresh broker and pipelines: warm-up, [quiet phase], [load phase [with burst], drain]; then stop everything."""
    defaults = ShipmentSettings()
    run = LiveRun(
        label,
        rate,
        seconds,
        tick_interval_s=defaults.tick_interval_s if args.tick_interval is None else args.tick_interval,
        tick_holdback_s=defaults.tick_holdback_s if args.tick_holdback is None else args.tick_holdback,
        extra_env=dict(extra_env or {}),
    )
    if burst:
        run.plan = load_segments(rate, seconds, args.burst_factor, args.burst_seconds, args.after_burst_seconds)
    else:
        run.plan = load_segments(rate, seconds, 0, 0, 0)
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix=f"bench-alerts-{label}-"))
    stack: LiveStack | None = None
    try:
        stack = LiveStack(args, run, root)
        sim_events = stack.generate() if load else iter(())
        stack.warm_up(started)
        if quiet and args.quiet_timers > 0:
            stack.quiet()
        if load:
            stack.watch_lake()
            stack.load(sim_events)
            stack.drain()
            stack.settle_lake()
            stack.check_lake()
        stack.finish()
    finally:
        if stack is not None:
            stack.stop()
        run.total_s = time.monotonic() - started
        if args.keep:
            log(f"[{label}] kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return run


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every live-stack scenario shares."""
    parser.add_argument("--grace", type=int, default=2, help="SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S (default 2)")
    parser.add_argument(
        "--tick-interval", type=float, default=None, help="override the tick interval (default: product's)"
    )
    parser.add_argument(
        "--tick-holdback", type=float, default=None, help="override the tick hold-back (default: product's)"
    )
    parser.add_argument(
        "--timer-lead-min", type=float, default=5.0, help="expectedDelivery at least this far ahead (s)"
    )
    parser.add_argument("--timer-lead-max", type=float, default=15.0, help="… at most this far ahead (s)")
    parser.add_argument("--startup-timeout", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the data dirs (logs, lake) under /tmp")
    parser.add_argument(
        "--pregenerate",
        type=int,
        default=None,
        help="simulated events made before the load (default: all of them; the rest while producing)",
    )
    parser.add_argument(
        "--fresh-poll", type=float, default=0.5, help="lake reader pause between freshness queries (s, default 0.5)"
    )
