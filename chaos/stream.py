"""A simulated stream through every pipeline (two instances each) with a fault on the side, and
its measurement against a batch recomputation from the input file.

The scenarios that fault the running stack (pipeline_sigkill, maintenance_race, catalog_outage)
share this: :func:`simulate` writes the stream and recomputes what the lake must end with from the
file alone (tests/support's independent models of the pipelines); :func:`drive` runs the stack
as ``supplylake run --input`` does (embedded broker, pipelines supervised, the file replayed, the
end-of-replay watermark) while a :class:`Fault` acts on it; :func:`measure_stream` reads the lake.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.input_file import cut_lines
from chaos.lake import Lake
from chaos.pipelines import CHECKED_PIPELINES
from chaos.result import ROOT, LakeCounts, ScenarioResult
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.ingest.intake import record_rejects
from supplylake.ingest.replay import ReplaySummary, replay_file
from supplylake.orchestration.launch import running_pipelines
from supplylake.orchestration.progress import committed_offsets, wait_until_pipelines_committed
from supplylake.orchestration.supervisor import PipelineCrashLoop, Supervisor
from supplylake.orchestration.topology import control_topics
from supplylake.pipelines.catalog import PIPELINES, enabled_pipelines
from supplylake.pipelines.control import broadcast_watermark
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import Settings, load_settings
from supplylake.simulator import FaultConfig, Simulation, SimulationConfig, write_jsonl

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support is not part of the installed package
from tests.support import inventory_model, shipments_model

MAX_PROBLEMS = 12
# No `late` fault: a shipment event later than the allowed lateness meets whatever deadlines its
# partition's other keys moved past, so its outcome is not a function of the file alone (the
# shipments model's premise). Every other fault kind is in.
FAULTS = FaultConfig(
    duplicate=0.02,
    out_of_order=0.02,
    late=0.0,
    malformed_json=0.005,
    missing_field=0.005,
    unknown_type=0.003,
    schema_drift=0.02,
)
OWNED = ("inventory", "orders", "shipments")  # families with a pipeline (their missing fields are dead letters)


@dataclass
class Stream:
    path: Path
    lines: int
    expected_ids: dict[str, set[str]]  # event table -> the event ids it must hold, once each
    dead_letters: int  # the malformed input lines: what `dead_letters` must hold
    levels: dict[str, tuple[int, int]]  # warehouse:sku -> (on_hand, reserved)
    shipment_status: dict[str, str | None]
    order_stage: dict[str, str]

    @property
    def events_in(self) -> int:
        return sum(len(ids) for ids in self.expected_ids.values()) + self.dead_letters


def simulate(work_dir: Path, seed: int, events: int) -> Stream:
    path = work_dir / "stream.jsonl"
    manifest = work_dir / "manifest.json"
    simulation = Simulation(SimulationConfig(seed=seed, faults=FAULTS))
    write_jsonl(simulation.events(max_events=events), path, manifest_path=manifest)
    import orjson

    faults = orjson.loads(manifest.read_bytes())["faults"]
    inventory = inventory_model.expected_from_file(path, reorder_points={})
    shipments = shipments_model.expected_from_file(path)
    with path.open("rb") as handle:
        lines = sum(1 for _ in handle)
    return Stream(
        path=path,
        lines=lines,
        expected_ids={
            "inventory_events": inventory.accepted_ids,
            "shipment_events": shipments.status_event_ids,
            "shipment_telemetry": shipments.telemetry_ids,
            "order_events": shipments.order_event_ids,
        },
        dead_letters=len(faults["malformed_json"])
        + len(faults["unknown_type"])
        + sum(1 for f in faults["missing_field"] if f["family"] in OWNED),
        levels=inventory.levels,
        shipment_status=shipments.shipment_status,
        order_stage=shipments.order_stage,
    )


def group_of(settings: Settings, pipeline: str) -> tuple[str, list[tuple[str, int]]]:
    """A pipeline's consumer group and its source partitions."""
    spec = PIPELINES[pipeline]
    partitions = settings.topics.partitions
    return spec.consumer_group(settings), [(t, p) for t in spec.source_topics(settings) for p in range(partitions)]


def committed_total(connection: BrokerConnection, group: str, partitions: list[tuple[str, int]]) -> int:
    return sum(max(o, 0) for o in committed_offsets(connection, group, partitions).values())


@dataclass
class Run:
    """What happened while the stack ran: the context a :class:`Fault` acts through."""

    settings: Settings
    connection: BrokerConnection
    supervisor: Supervisor
    started: float
    done: int = 0
    total: int = 1
    progress_at: float = 0.0  # monotonic time the committed total last moved
    events: list[str] = field(default_factory=list)  # what the fault did, for the report
    end_offsets: dict[tuple[str, int], int] = field(default_factory=dict)  # last offset replayed

    def group_done(self, group: str, partitions: list[tuple[str, int]]) -> bool:
        """The group committed past everything replayed onto its source partitions."""
        ends = {tp: self.end_offsets[tp] for tp in partitions if tp in self.end_offsets}
        committed = committed_offsets(self.connection, group, list(ends))
        return all(committed.get(tp, -1) > end for tp, end in ends.items())

    def fraction(self) -> float:
        return self.done / max(self.total, 1)

    def note(self, what: str) -> None:
        self.events.append(f"{time.monotonic() - self.started:6.1f} s: {what}")
        print(f"  chaos: {what}", file=sys.stderr, flush=True)


class Fault:
    """Acts on the running stack: ``tick`` is called a few times a second while it works.

    ``gates`` (ascending fractions of the input lines) hold the replay back: the input is cut
    there, and each next part is replayed only once :meth:`released` says so, so a fault that
    must act before some of the input is in has that input still to come.
    """

    gates: Sequence[float] = ()

    def released(self, run: Run, gate: int) -> bool:
        """May the part after ``gate`` (0-based) be replayed now?"""
        return True

    def tick(self, run: Run) -> None:  # pragma: no cover - overridden
        pass

    def finish(self, run: Run) -> None:
        """The input is all committed: undo anything still in force."""

    def recovery_s(self) -> float | None:
        return None


@dataclass
class Driven:
    settings: Settings
    restarts: int
    crash_loop: str | None
    duration_s: float
    events: list[str]


def drive(
    stream: Stream,
    data_dir: Path,
    fault: Fault,
    *,
    instances: int,
    timeout_s: float,
    after: Callable[[Run], None] = lambda run: None,
) -> Driven:
    """Every pipeline (``instances`` each) over the stream while ``fault`` acts; until all is committed."""
    settings = load_settings(data_dir=data_dir, pipelines=CHECKED_PIPELINES)
    started = time.monotonic()
    crash: str | None = None
    parts = cut_lines(stream.path, fault.gates) if fault.gates else [stream.path]
    with EmbeddedBroker(data_dir) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        with running_pipelines(settings, connection, RunMode.BOUNDED_REPLAY, instances=instances) as supervisor:
            run = Run(settings, connection, supervisor, started, progress_at=started)

            def progressed(done: int, total: int) -> None:
                if done != run.done:
                    run.progress_at = time.monotonic()
                run.done, run.total = done, total

            def check() -> None:
                supervisor.check()
                fault.tick(run)

            try:
                summary = ReplaySummary()
                for gate, part in enumerate(parts):
                    replayed = replay_file(part, connection, settings.topics)
                    record_rejects(settings, connection, replayed.rejected)
                    summary.extend(replayed)
                    run.end_offsets = dict(summary.end_offsets)
                    if gate < len(fault.gates):
                        run.note(f"replayed {summary.lines:,} lines, held at gate {gate + 1}")
                        _hold(run, fault, gate, summary.lines / stream.lines, check, progressed, timeout_s)
                if summary.max_event_time_ms is None:
                    raise RuntimeError("the simulated stream has no event time")
                summary.include(broadcast_watermark(connection, control_topics(settings), summary.max_event_time_ms))
                run.end_offsets = dict(summary.end_offsets)
                run.note(f"replayed {summary.lines:,} lines")
                wait_until_pipelines_committed(
                    connection,
                    settings,
                    summary.end_offsets,
                    timeout_s=timeout_s,
                    check=check,
                    on_progress=progressed,
                    watermark_ms=summary.max_event_time_ms,
                )
                after(run)
            except PipelineCrashLoop as exc:
                crash = str(exc)
            finally:
                fault.finish(run)
            restarts = sum(p.restarts for p in supervisor.processes.values())
    return Driven(settings, restarts, crash, round(time.monotonic() - started, 1), run.events)


def _hold(
    run: Run,
    fault: Fault,
    gate: int,
    share: float,
    check: Callable[[], None],
    progressed: Callable[[int, int], None],
    timeout_s: float,
) -> None:
    """Until ``fault`` releases ``gate``; the progress meanwhile is the committed share of what is
    replayed, scaled by the ``share`` of the input that is (so fractions stay of the whole input)."""
    deadline = time.monotonic() + timeout_s
    groups = [group_of(run.settings, name) for name in enabled_pipelines(run.settings)]
    while not fault.released(run, gate):
        check()
        done = total = 0
        for group, partitions in groups:
            ends = {tp: end for tp, end in run.end_offsets.items() if tp in partitions}
            total += sum(end + 1 for end in ends.values())
            done += committed_total(run.connection, group, list(ends))
        progressed(done, max(1, round(total / share)))
        if time.monotonic() > deadline:
            raise RuntimeError(f"the fault did not release gate {gate + 1} within {timeout_s:.0f}s")
        time.sleep(0.25)


@dataclass
class Measured(LakeCounts):
    events_in: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)

    def problem(self, what: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(what)

    def mismatch(self, what: str) -> None:
        self.mismatches += 1
        self.problem(what)


def measure_stream(lake: Lake, stream: Stream) -> Measured:
    """Every valid event once in its table (by event id and by source offset), alert ids unique,
    dead letters = the malformed lines, and each entity's end state = the recomputation's."""
    m = Measured(events_in=stream.events_in)
    present = set(lake.tables())
    source_tables = [*stream.expected_ids, "alerts", "dead_letters"]
    for table in source_tables:
        if table not in present:
            if table != "alerts":
                m.mismatch(f"{table}: no such table in the lake")
            continue
        ident = {"alerts": "alert_id", "dead_letters": "dead_letter_id"}.get(table, "event_id")
        rows = lake.sql(f"SELECT {ident} AS id, _src_topic AS t, _src_partition AS p, _src_offset AS o FROM {table}")
        m.tables[table] = len(rows)
        m.rows_out += len(rows)
        ids = Counter(str(r["id"]) for r in rows)
        extra = sum(n - 1 for n in ids.values())
        m.duplicated_by_event_id += extra
        if extra:
            m.problem(f"{table}: {extra:,} extra rows by id, e.g. {[i for i, n in ids.items() if n > 1][:3]}")
        if table != "alerts":  # an alert's source is the record that raised it: one may raise several
            offsets = Counter((r["t"], r["p"], r["o"]) for r in rows)
            again = sum(n - 1 for n in offsets.values())
            m.duplicated_by_source_offset += again
            if again:
                m.problem(f"{table}: {again:,} extra rows by source offset")
        if table in stream.expected_ids:
            expected = stream.expected_ids[table]
            missing = expected - ids.keys()
            m.lost += len(missing)
            if missing:
                m.problem(f"{table}: {len(missing):,} events not in the lake, e.g. {sorted(missing)[:3]}")
            unexplained = ids.keys() - expected
            for event_id in sorted(unexplained)[:MAX_PROBLEMS]:
                m.mismatch(f"{table}: row {event_id} is no valid event of the input")
            m.mismatches += max(0, len(unexplained) - MAX_PROBLEMS)
        if table == "dead_letters":
            m.dead_letters = len(rows)
            if len(ids) != stream.dead_letters:
                m.mismatch(
                    f"dead_letters: {len(ids):,} distinct, the input has {stream.dead_letters:,} malformed lines"
                )
                m.lost += max(0, stream.dead_letters - len(ids))
    _compare(m, "inventory_current", stream.levels, _rows(lake, present, "inventory_current", _LEVELS))
    _compare(m, "shipment_current", stream.shipment_status, _rows(lake, present, "shipment_current", _SHIPMENTS))
    _compare(m, "order_current", stream.order_stage, _rows(lake, present, "order_current", _ORDERS))
    schema = lake.schema_changes()
    for table in schema:
        m.mismatch(f"{table}: Iceberg schema differs from its definition")
    return m


_LEVELS = "SELECT warehouse_id || ':' || sku AS k, on_hand, reserved FROM inventory_current"
_SHIPMENTS = "SELECT shipment_id AS k, status FROM shipment_current"
_ORDERS = "SELECT order_id AS k, stage FROM order_current"


def _rows(lake: Lake, present: set[str], view: str, query: str) -> dict[str, Any]:
    base = {"inventory_current": "inventory_levels", "shipment_current": "shipment_status"}.get(view, "order_status")
    if base not in present:
        return {}
    out: dict[str, Any] = {}
    for row in lake.sql(query):
        values = [v for k, v in row.items() if k != "k"]
        out[str(row["k"])] = tuple(values) if len(values) > 1 else values[0]
    return out


def _compare(m: Measured, view: str, expected: dict[str, Any], actual: dict[str, Any]) -> None:
    """One mismatch per entity whose end state differs from the recomputation (or is missing/extra)."""
    m.entities[view] = len(expected)
    for key in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(key, "<absent>"), actual.get(key, "<absent>")
        if want != got:
            m.mismatch(f"{view}: {key} is {got}, the recomputation says {want}")


def result(
    scenario: str,
    variant: str,
    m: Measured,
    driven: Driven,
    *,
    crashes: int,
    recovery_s: float | None,
    started: float,
    details: dict[str, Any],
) -> ScenarioResult:
    problems = list(m.problems)
    if driven.crash_loop:
        problems.insert(0, f"crash loop ended the run: {driven.crash_loop}")
    return ScenarioResult(
        scenario=scenario,
        variant=variant,
        events_in=m.events_in,
        **m.counts(),
        crashes=crashes + (driven.crash_loop is not None),
        recovery_s=recovery_s,
        duration_s=round(time.monotonic() - started, 1),
        details={
            "tables": m.tables,
            "entities_checked": m.entities,
            "restarts": driven.restarts,
            "stack_s": driven.duration_s,
            "timeline": driven.events[:60],
            **details,
        },
        problems=problems,
    )
