"""Throughput of every pipeline against comparison apps, input pre-produced.

(a) the product: ``python -m supplylake.pipelines inventory`` (validation, per-key stock state,
    alerts, DLQ, exactly-once ``LakeSink`` into four Iceberg tables);
(b) the same processing feeding Quix Streams' community ``IcebergSink`` on a SqlCatalog
    (``python -m bench.apps quix-iceberg``, see bench/apps.py for the adaptations);
(c) a bare Quix stateful app, per-key sum, no sink (``python -m bench.apps bare``): the ceiling;
(a′) once, a diagnostic: (a) with a 10-minute dedupe memory (small per-key state);
(a₀) with ``--baseline-python``: (a) run by another checkout's interpreter (its virtual env), e.g.
    the commit before a change, interleaved with (a) in the same run: the change's effect as a ratio;
(ship) the shipments pipeline on a telemetry-heavy slice of a seeded simulation (its shipment-events,
    ~90 % ``shipment.telemetry``), against (c ship): the bare app of (c) on the same records;
(orders) the orders pipeline on the order-events + shipment-events of a seeded simulation (it also
    re-keys them through its internal topic, which counts as done once committed too), against
    (c orders): the bare app on the same records;
(sup) the supplier pipeline on a supplier history (``bench.harness.inputs.write_supplier_input``:
    supplier-events + the receipts of inventory-events), re-keyed through its two internal topics,
    against (c sup): the bare app on the same records. "Steady" ends once the group committed its
    sources and both internal topics (every event processed); only then does the bench write the
    end-of-replay watermark into its by-po topic, as ``supplylake run`` does, and time the deadline
    firing it sets off (every deadline of the history, then the metrics they change) on its own:
    ``deadlines_s``, not part of the rate.
(dem) the demand pipeline on the sales-events + inventory-events of a seeded simulation (it counts
    ``sale.recorded`` and ``inventory.shipped`` in hourly and daily windows and forecasts each day
    as it closes; the other inventory events it skips), against (c dem): the bare app on the same
    records.

Issue 8's second target: each pipeline's steady rate ≥ 0.5× its bare app's in the same run.
The new pipelines run with ``--mode bounded-replay`` (what the supervisor starts for a file input:
deadlines fire on event time, not on wall-clock ticks, which would be years past the simulated
input); (a) keeps its default (live) mode, as before. ``--variants`` takes keys separated by
commas (``a,c,ship,ship-c``); a run of single-letter keys (``abc``) still works.

All runs share one embedded broker; each run gets its own topics, group and data dir. Repeats
are interleaved with the order rotated, because timings on a shared 2-core machine are noisy;
a run other sessions disturbed (≥ ``DISTURBED_CORES`` of other load) is repeated. The consumer
group's commits are polled every 0.2 s: "steady" counts from the group's first commit to the
commit covering the last record, "incl. start" from process start. A pipeline with internal
topics reads its sources well ahead of them, so its steady phase counts work, not source records:
the share of every record the group reads (sources + internal topics) left after the first
commit, in source events (``ThroughputRun.steady_events``).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.console import log
from bench.harness.inputs import (
    SimulatedInput,
    write_inventory_input,
    write_simulated_input,
    write_supplier_input,
)
from bench.harness.lake import lake_catalog
from bench.harness.processes import (
    PY,
    GroupProgress,
    PipelineChild,
    RunNames,
    broker_pid,
    broker_usage,
    drop_run_topics,
    embedded_broker,
    sink_log_is_json,
)
from bench.harness.procfs import Interference
from bench.harness.quiet import QuietMachine
from bench.harness.sink_log import commit_ms_by_table, read_sink_events
from bench.harness.stats import NAN
from bench.scenarios.scenario import Figures, Scenario
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.topics import ensure_topics
from supplylake.ingest.replay import replay_file
from supplylake.orchestration.progress import log_end_offsets
from supplylake.pipelines.control import broadcast_watermark
from supplylake.settings import Settings, load_settings

DISTURBED_CORES = 0.3  # other sessions' load above which a run counts as disturbed


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    what: str
    command: list[str]
    app_name: str  # Quix app name -> consumer group "<prefix>-<name>"
    lake: str  # "supplylake", "quix" or "" (no lake)
    extra_env: dict[str, str] = field(default_factory=dict)
    # The sink logs JSON commit figures (a baseline checkout may predate SUPPLYLAKE_LOG_FORMAT).
    json_log: bool = True
    input: str = "inventory"  # which prepared input it consumes (a key of INPUTS)
    # Topics the app writes and reads back itself ("<group>-<suffix>"): done once committed too.
    internal_suffixes: tuple[str, ...] = ()
    # Internal topics that get the end-of-replay watermark once everything else is committed.
    watermark_suffixes: tuple[str, ...] = ()

    @property
    def bare(self) -> bool:
        return self.app_name == "bare"


INPUTS = {
    "inventory": ("inventory",),
    "shipments": ("shipments",),
    "orders": ("orders", "shipments"),
    "suppliers": ("suppliers", "inventory"),
    "demand": ("sales", "inventory"),
}
"""Prepared input -> the source families it holds (the simulated ones: see ``write_simulated_input``)."""

BOUNDED = ["--mode", "bounded-replay"]


VARIANTS = {
    v.key: v
    for v in (
        Variant(
            "a",
            "(a)",
            "supplylake inventory pipeline + exactly-once LakeSink",
            [PY, "-m", "supplylake.pipelines", "inventory"],
            "inventory",
            "supplylake",
        ),
        Variant(
            "b",
            "(b)",
            "same processing + Quix community IcebergSink (SqlCatalog, identity(_key))",
            [PY, "-m", "bench.apps", "quix-iceberg"],
            "quix-iceberg",
            "quix",
        ),
        Variant(
            "c",
            "(c)",
            "bare Quix stateful app (JSON + per-key sum in state, no sink)",
            [PY, "-m", "bench.apps", "bare"],
            "bare",
            "",
        ),
        # Diagnostic, not part of the ratios: (a) with a 10-minute dedupe memory, so the per-key stock
        # state stays small (the input's duplicates are all within 50 events, so the output is the same).
        Variant(
            "d",
            "(a′)",
            "diagnostic: (a) with SUPPLYLAKE_INVENTORY__DEDUPE_HORIZON_S=600",
            [PY, "-m", "supplylake.pipelines", "inventory"],
            "inventory",
            "supplylake",
            {"SUPPLYLAKE_INVENTORY__DEDUPE_HORIZON_S": "600"},
        ),
        Variant(
            "ship",
            "(ship)",
            "supplylake shipments pipeline + exactly-once LakeSink, telemetry-heavy shipment-events",
            [PY, "-m", "supplylake.pipelines", "shipments", *BOUNDED],
            "shipments",
            "supplylake",
            input="shipments",
        ),
        Variant(
            "ship-c",
            "(c ship)",
            "bare Quix stateful app (as (c)) on the shipments input",
            [PY, "-m", "bench.apps", "bare", *INPUTS["shipments"]],
            "bare",
            "",
            input="shipments",
        ),
        Variant(
            "orders",
            "(orders)",
            "supplylake orders pipeline + exactly-once LakeSink, order-events + shipment-events",
            [PY, "-m", "supplylake.pipelines", "orders", *BOUNDED],
            "orders",
            "supplylake",
            input="orders",
            internal_suffixes=("by-order",),
        ),
        Variant(
            "orders-c",
            "(c orders)",
            "bare Quix stateful app (as (c)) on the orders input",
            [PY, "-m", "bench.apps", "bare", *INPUTS["orders"]],
            "bare",
            "",
            input="orders",
        ),
        Variant(
            "sup",
            "(sup)",
            "supplylake supplier pipeline + exactly-once LakeSink, supplier-events + PO receipts",
            [PY, "-m", "supplylake.pipelines", "suppliers", *BOUNDED],
            "suppliers",
            "supplylake",
            input="suppliers",
            internal_suffixes=("by-po", "by-supplier"),
            watermark_suffixes=("by-po",),
        ),
        Variant(
            "sup-c",
            "(c sup)",
            "bare Quix stateful app (as (c)) on the suppliers input",
            [PY, "-m", "bench.apps", "bare", *INPUTS["suppliers"]],
            "bare",
            "",
            input="suppliers",
        ),
        Variant(
            "dem",
            "(dem)",
            "supplylake demand pipeline + exactly-once LakeSink, sales-events + inventory-events",
            [PY, "-m", "supplylake.pipelines", "demand", *BOUNDED],
            "demand",
            "supplylake",
            input="demand",
        ),
        Variant(
            "dem-c",
            "(c dem)",
            "bare Quix stateful app (as (c)) on the demand input",
            [PY, "-m", "bench.apps", "bare", *INPUTS["demand"]],
            "bare",
            "",
            input="demand",
        ),
    )
}

PIPELINE_PAIRS = {
    "inventory": ("a", "c"),
    "shipments": ("ship", "ship-c"),
    "orders": ("orders", "orders-c"),
    "suppliers": ("sup", "sup-c"),
    "demand": ("dem", "dem-c"),
}
"""Issue 8's target 2: pipeline -> (its variant, the bare app on the same input)."""
DEFAULT_VARIANTS = "a,b,c,ship,ship-c,orders,orders-c,sup,sup-c,dem,dem-c"


def parse_variants(text: str, known: Collection[str]) -> list[str]:
    """Variant keys from ``--variants``: comma-separated keys; a token that is not a key but a
    run of single-letter keys (``abc``) stands for those letters. Unknown keys are refused."""
    keys: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if token in known:
            keys.append(token)
        elif all(letter in known for letter in token):
            keys += list(token)
        else:
            raise ValueError(f"unknown throughput variant {token!r} (known: {', '.join(sorted(known))})")
    return list(dict.fromkeys(keys))


BASELINE = "o"


def baseline_variant(python: str) -> Variant:
    """(a) run by another checkout's interpreter; labelled by that checkout's commit, not its path."""
    checkout = Path(python).absolute().parents[2]  # <checkout>/.venv/bin/python (not resolved: a symlink)
    head = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return Variant(
        BASELINE,
        "(a₀)",
        f"(a) at the baseline commit {head or 'unknown'}",
        [python, "-m", "supplylake.pipelines", "inventory"],
        "inventory",
        "supplylake",
        # Import the baseline's code, never this checkout's (the child's working dir is this one).
        {"PYTHONSAFEPATH": "1"},
        json_log=False,
    )


@dataclass
class ThroughputRun:
    variant: str
    repeat: int
    events: int
    retry: int = 0
    first_commit_s: float = NAN  # since process start
    first_commit_events: int = 0
    # With internal topics: every record the group reads (sources + internal topics, up to the
    # end of processing, watermark excluded) and how many of those its first commit covered.
    work: int = 0
    first_commit_work: int = 0
    done_s: float = NAN
    # The end-of-replay watermark (variants with watermark_suffixes): written at done_s; the
    # deadlines it fires and what they change downstream committed deadlines_s later.
    max_event_time_ms: int | None = None
    deadlines_s: float = NAN
    cpu_s: float = 0.0
    cpu_at_first_commit_s: float = 0.0
    other_cores: float = 0.0
    peak_rss_mb: float = 0.0
    commit_ms: dict[str, list[float]] = field(default_factory=dict)
    lake: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None

    @property
    def steady_events(self) -> float:
        """Source events' worth of work done after the first commit.

        Without internal topics, the source records the first commit did not cover. With them,
        the sources are read well ahead of the internal topics (forwarding is cheap), so the first
        commit can cover most sources and little of the work: count the share of all records the
        group reads (sources + internal) left after the first commit, in source events.
        """
        if self.work > self.events:
            return self.events * (self.work - self.first_commit_work) / self.work
        return float(self.events - self.first_commit_events)

    @property
    def steady_rate(self) -> float:
        span = self.done_s - self.first_commit_s
        # Everything in the first commit (a tiny input): no steady phase to measure.
        steady = self.steady_events
        return steady / span if span > 0 and steady > 0 else NAN

    @property
    def total_rate(self) -> float:
        return self.events / self.done_s

    @property
    def steady_cpu_per_event_s(self) -> float:
        """Process CPU per event after the first commit (startup excluded)."""
        return (self.cpu_s - self.cpu_at_first_commit_s) / max(1.0, self.steady_events)

    def figures(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "steady_events": self.steady_events,
            "steady_rate": self.steady_rate,
            "total_rate": self.total_rate,
            "steady_cpu_per_event_s": self.steady_cpu_per_event_s,
        }


def lake_files(settings: Settings, lake: str) -> dict[str, dict[str, int]]:
    """Per table: snapshots, live data files, rows, and files on disk (data, metadata JSON)."""
    if lake == "supplylake":
        catalog, namespace = lake_catalog(settings), settings.catalog.namespace
    else:
        from bench.apps import NAMESPACE, sql_catalog

        catalog, namespace = sql_catalog(settings.data_dir), NAMESPACE
    out: dict[str, dict[str, int]] = {}
    for identifier in sorted(catalog.list_tables(namespace)):
        table = catalog.load_table(identifier)
        tasks = list(table.scan().plan_files())
        location = Path(table.location().removeprefix("file://"))
        out[identifier[-1]] = {
            "snapshots": len(table.metadata.snapshots),
            "data_files": len(tasks),
            "rows": sum(t.file.record_count for t in tasks),
            "parquet_on_disk": sum(1 for _ in (location / "data").rglob("*.parquet")),
            "metadata_json_on_disk": sum(1 for _ in (location / "metadata").glob("*.metadata.json")),
        }
    return out


class Bench:
    """The shared state of one scenario run: broker, work dir, input, quiet-machine budget."""

    def __init__(
        self,
        connection: BrokerConnection,
        own_pids: list[int],
        root: Path,
        input_paths: dict[str, Path],
        quiet: QuietMachine,
    ) -> None:
        self.connection = connection
        self.own_pids = own_pids
        self.root = root
        self.input_paths = input_paths
        self.records = {
            name: sum(1 for line in path.read_bytes().splitlines() if line.strip())
            for name, path in input_paths.items()
        }
        self.quiet = quiet

    def prepare(self, names: RunNames, input_path: Path, copies: int) -> tuple[dict[tuple[str, int], int], int | None]:
        """Create the run's topics and produce the input ``copies`` times; its end offsets and
        latest event time."""
        topics = names.topics
        ensure_topics(self.connection, names.own_topics(), topics)
        summary = None
        for _ in range(copies):  # the bare app is so quick that one copy leaves no steady phase to time
            summary = replay_file(input_path, self.connection, topics)
        assert summary is not None
        return dict(summary.end_offsets), summary.max_event_time_ms

    def run(self, variant: Variant, repeat: int, timeout_s: float, copies: int, retry: int = 0) -> ThroughputRun:
        tag = f"{variant.key}{repeat}" + (f"r{retry}" if retry else "")
        names = RunNames(tag, self.root / tag)
        ends, max_event_time_ms = self.prepare(names, self.input_paths[variant.input], copies)
        result = ThroughputRun(variant.key, repeat, sum(end + 1 for end in ends.values()), retry=retry)
        progress = GroupProgress(self.connection, names.group(variant.app_name), sorted(ends))
        group = names.group(variant.app_name)
        internal = [f"{group}-{suffix}" for suffix in variant.internal_suffixes]
        partitions = names.topics.partitions
        internal_progress = GroupProgress(self.connection, group, [(t, p) for t in internal for p in range(partitions)])
        self.quiet.wait()
        child = PipelineChild(
            variant.command,
            names,
            self.connection.bootstrap,
            sink_log=variant.lake == "supplylake" and variant.json_log,
            extra_env=variant.extra_env,
        )
        interference = Interference(lambda: self.own_pids)
        try:
            watch_until_committed(child, progress, ends, result, timeout_s, internal_progress if internal else None)
            # What it re-keyed there is all written by now (Quix flushes before committing): the
            # run is done once the group committed that too ("all committed" then includes it).
            internal_ends = self.drain(child, group, internal, result, timeout_s)
            if internal:
                result.work = result.events + sum(end + 1 for end in internal_ends.values())
            if variant.watermark_suffixes and result.error is None and max_event_time_ms is not None:
                processed_s = result.done_s
                result.max_event_time_ms = max_event_time_ms
                watermarked = [f"{group}-{suffix}" for suffix in variant.watermark_suffixes]
                broadcast_watermark(self.connection, watermarked, max_event_time_ms)
                self.drain(child, group, internal, result, timeout_s)
                # done_s moved on to the end of the deadline firing: put it back, keep the difference.
                result.deadlines_s, result.done_s = result.done_s - processed_s, processed_s
        finally:
            child.sample()
            result.other_cores = interference.other_cores(child.cpu_s)
            child.stop()
            progress.close()
            internal_progress.close()
            drop_run_topics(self.connection, names)
        result.cpu_s, result.peak_rss_mb = child.cpu_s, child.peak_rss_mb
        if variant.lake == "supplylake" and variant.json_log:
            result.commit_ms = commit_ms_by_table(read_sink_events(child.log_path))
        if variant.lake:
            result.lake = lake_files(names.settings(), variant.lake)
        return result

    def drain(
        self, child: PipelineChild, group: str, internal: list[str], result: ThroughputRun, timeout_s: float
    ) -> dict[tuple[str, int], int]:
        """Wait until the group committed everything in its internal topics; their end offsets.

        One internal topic can feed another (a stage writes what it derives from another's
        records), so their ends are read again after each wait until a wait finds nothing new."""
        waited: dict[tuple[str, int], int] = {}
        while internal and result.error is None:
            internal_ends = log_end_offsets(self.connection, internal)
            if internal_ends == waited:
                break
            drained = GroupProgress(self.connection, group, sorted(internal_ends))
            try:
                watch_until_committed(child, drained, internal_ends, result, timeout_s)
            finally:
                drained.close()
            waited = internal_ends
        return waited


def watch_until_committed(
    child: PipelineChild,
    progress: GroupProgress,
    ends: dict[tuple[str, int], int],
    result: ThroughputRun,
    timeout_s: float,
    internal: GroupProgress | None = None,
) -> None:
    """Poll the group's commits until they cover every record (or the child fails / time runs out).

    ``internal``: the group's internal topics, read once at the first commit (``first_commit_work``).
    """
    while True:
        committed = progress.committed()
        now = time.monotonic() - child.started
        done = sum(max(offset, 0) for offset in committed.values())
        if done and result.first_commit_events == 0:
            result.first_commit_s, result.first_commit_events = now, done
            child.sample()
            result.cpu_at_first_commit_s = child.cpu_s
            if internal is not None:
                result.first_commit_work = done + sum(max(o, 0) for o in internal.committed().values())
        if committed and all(committed.get(tp, -1) > end for tp, end in ends.items()):
            result.done_s = now
            return
        if not child.alive():
            result.error = f"exited with {child.process.returncode}:\n{child.log_tail()}"
            return
        if now > timeout_s:
            result.error = f"timed out after {timeout_s:.0f}s at {done}/{result.events} events"
            return
        child.sample()
        time.sleep(0.2)


def run_order(variants: list[str], repeats: int, diagnostic: bool) -> list[tuple[int, str]]:
    """(repeat, variant) in run order: repeats interleaved, order rotated, (a′) once after repeat 1."""
    order = list(variants)
    out = []
    for repeat in range(repeats):
        rotated = order[repeat % len(order) :] + order[: repeat % len(order)]
        if repeat == 0 and diagnostic and "a" in order:
            rotated.append("d")
        out += [(repeat, v) for v in rotated]
    return out


def measure(args: argparse.Namespace) -> Figures:
    runs: list[ThroughputRun] = []
    variants = dict(VARIANTS)
    order = parse_variants(args.variants, variants)
    if args.baseline_python:
        variants[BASELINE] = baseline_variant(args.baseline_python)
        order += [] if BASELINE in order else [BASELINE]
    needed = {variants[key].input for key in order}  # (a′) runs only with (a): on its input
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-throughput-") as tmp:
        root = Path(tmp)
        input_paths, simulated = prepare_inputs(root, needed, args)
        for name, path in input_paths.items():
            log(f"input {name}: {path.stat().st_size / 1e6:.1f} MB")
        log(f"work dir {root}")
        with embedded_broker(root / "broker") as (broker, connection):
            pid = broker_pid(broker)
            bench = Bench(connection, [pid] if pid else [], root, input_paths, QuietMachine(args.quiet_budget))
            retries_left = args.retries
            for repeat, key in run_order(order, args.repeats, args.diagnostic):
                variant = variants[key]
                log(f"throughput {variant.label} run {repeat + 1}: {variant.what}")
                copies = bare_copies(bench.records[variant.input], args.bare_copies, args.bare_min_records)
                copies = copies if variant.bare else 1
                run = bench.run(variant, repeat, args.timeout, copies)
                runs.append(run)
                retry = 0
                while run.error is None and run.other_cores >= DISTURBED_CORES and retries_left > 0:
                    retries_left -= 1
                    retry += 1
                    log(f"  disturbed ({run.other_cores:.2f} cores of other load): once more")
                    run = bench.run(variant, repeat, args.timeout, copies, retry)
                    runs.append(run)
                log_run(run)
            usage = broker_usage(broker)
    settings = load_settings()
    return {
        "events": args.events,
        "seed": args.seed,
        "retries": args.retries,
        "disturbed_cores": DISTURBED_CORES,
        "commit_interval_s": settings.lake.commit_interval_s,
        "variants": {k: {"label": v.label, "what": v.what, "input": v.input} for k, v in variants.items()},
        "inputs": {name: {**asdict(s), "telemetry_share": s.telemetry_share} for name, s in simulated.items()},
        "bare_copies": args.bare_copies,
        "bare_min_records": args.bare_min_records,
        "pairs": {pipeline: list(pair) for pipeline, pair in PIPELINE_PAIRS.items()},
        "runs": [r.figures() for r in runs],
        "broker": asdict(usage),
        "sink_log_json": sink_log_is_json(),
        "quiet_waited_s": bench.quiet.waited_s,
    }


def bare_copies(records: int, copies: int, min_records: int) -> int:
    """How many times over a bare app gets an input of ``records``: ``copies``, or more, so that it
    reads at least ``min_records`` (it takes some 16,000 records in its first commit alone)."""
    return max(copies, -(-min_records // max(1, records)))


def prepare_inputs(
    root: Path, needed: set[str], args: argparse.Namespace
) -> tuple[dict[str, Path], dict[str, SimulatedInput]]:
    """The input files the chosen variants consume, and what the simulated ones hold."""
    paths: dict[str, Path] = {}
    simulated: dict[str, SimulatedInput] = {}
    if "inventory" in needed:
        paths["inventory"] = write_inventory_input(root / "input.jsonl", args.events, args.seed)
    if "suppliers" in needed:
        path = root / "input-suppliers.jsonl"
        simulated["suppliers"] = write_supplier_input(path, args.supplier_events, args.sim_seed)
        paths["suppliers"] = path
    sizes = {"shipments": args.shipment_events, "orders": args.order_events, "demand": args.demand_events}
    for name in sorted(needed - {"inventory", "suppliers"}):
        path = root / f"input-{name}.jsonl"
        simulated[name] = write_simulated_input(path, INPUTS[name], sizes[name], args.sim_seed)
        paths[name] = path
    return paths, simulated


def log_run(run: ThroughputRun) -> None:
    if run.error:
        log(f"  FAILED: {run.error}")
    else:
        log(
            f"  steady {run.steady_rate:,.0f} ev/s, incl. start {run.total_rate:,.0f} ev/s, "
            f"done at {run.done_s:.1f}s, CPU {run.cpu_s:.0f}s, peak RSS {run.peak_rss_mb:,.0f} MB, "
            f"other load {run.other_cores:.2f} cores"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=100_000, help="input events for the throughput runs")
    parser.add_argument(
        "--shipment-events",
        type=int,
        default=40_000,
        help="records of the shipments input (shipment-events of a simulation, mostly telemetry)",
    )
    parser.add_argument(
        "--order-events",
        type=int,
        default=120_000,  # ~96 % shipment-events the orders pipeline only looks at: a quick one
        help="records of the orders input (order-events + shipment-events of a simulation)",
    )
    parser.add_argument(
        "--supplier-events",
        type=int,
        default=10_000,
        help="records of the suppliers input (supplier-events + PO receipts of a supplier history, ~21 days)",
    )
    parser.add_argument(
        "--demand-events",
        type=int,
        default=60_000,
        help="records of the demand input (sales-events + inventory-events of a simulation)",
    )
    parser.add_argument(
        "--sim-seed", type=int, default=11, help="simulation seed of the shipments, orders, suppliers and demand inputs"
    )
    parser.add_argument("--repeats", type=int, default=2, help="interleaved repeats of every variant")
    parser.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help=f"which throughput variants to run, comma-separated (keys: {', '.join(VARIANTS)}; 'abc' = a,b,c)",
    )
    parser.add_argument(
        "--no-diagnostic",
        dest="diagnostic",
        action="store_false",
        help="skip the one (a′) run (small per-key state) after the first repeat",
    )
    parser.add_argument(
        "--bare-copies",
        type=int,
        default=4,
        help="the bare apps get their input this many times over, so their steady phase lasts several commits",
    )
    parser.add_argument(
        "--bare-min-records",
        type=int,
        default=300_000,
        help="...or more times over, so that a bare app reads at least this many records",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="throughput runs disturbed by other sessions' load are repeated, this many in all",
    )
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=240, help="per throughput run")
    parser.add_argument(
        "--baseline-python",
        default=None,
        help="also run (a) with this interpreter, the .venv/bin/python of another checkout (e.g. the commit "
        "before a change), as (a₀), interleaved with (a)",
    )


SCENARIO = Scenario(
    name="throughput",
    title="throughput of every pipeline vs a bare Quix app on the same input (and (b) Quix's IcebergSink)",
    add_arguments=add_arguments,
    measure=measure,
    quick={
        "events": 2000,
        # Sizes with a steady phase after the first commit (the orders pipeline takes 8,000 records
        # and a bare app 16,000 in their first commit).
        "shipment_events": 8000,
        "order_events": 30_000,
        "supplier_events": 3000,
        "demand_events": 15_000,
        "repeats": 1,
        "diagnostic": False,
        "bare_copies": 4,
        "bare_min_records": 100_000,
        "retries": 0,
        "timeout": 60,
    },
)
