"""Simulated supply chains into files or live onto the topics (`simulate` and `demo`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from confluent_kafka import Producer

from supplylake.broker.connection import BrokerConnection, connect
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.errors import FatalError
from supplylake.settings import Settings, TopicSettings
from supplylake.simulator import (
    DEFAULT_START,
    FAULT_KINDS,
    FaultConfig,
    SimEvent,
    Simulation,
    SimulationConfig,
    history_config,
    write_erp_snapshots,
    write_jsonl,
)


class FaultSpecError(FatalError):
    """A --faults value cannot be understood."""


class NoSimulationTarget(FatalError):
    """Neither a file to write nor a rate to produce at was given."""


def parse_faults(text: str | None) -> FaultConfig:
    """'duplicate=0.02,late=0.01' -> FaultConfig (unnamed kinds keep their defaults); 'none' -> no faults."""
    if text is None:
        return FaultConfig()
    if text.strip().lower() == "none":
        return FaultConfig.none()
    ratios: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        kind = kind.strip()
        if kind not in FAULT_KINDS:
            raise FaultSpecError(f"unknown fault kind {kind!r} in --faults", hint=f"kinds are {', '.join(FAULT_KINDS)}")
        try:
            ratios[kind] = float(value)
        except ValueError:
            raise FaultSpecError(
                f"--faults {kind}={value!r} is not a number", hint="write ratios like duplicate=0.02"
            ) from None
    return FaultConfig(**ratios)


@dataclass(frozen=True)
class LiveResult:
    produced: int
    end_offsets: dict[tuple[str, int], int]


def live_simulation(
    seed: int,
    rate: float,
    faults: FaultConfig,
    telemetry_density: float = 1.0,
    *,
    start: datetime | None = None,
) -> Simulation:
    """A simulation whose event time tracks the wall clock at `rate` events per second.

    It starts now, or at ``start`` (a demo after its history: never before the history's end).
    Its identifiers are those of the run starting that second (``SimulationConfig.run``): a live
    stream started again on the same lake gets new eventIds instead of the last one's, which
    the lake would keep out as duplicates. Below 1, ``telemetry_density`` thins the tracker
    readings, so fewer than `rate` events a second are produced (the rest of the stream keeps
    its pace).
    """
    begin = (start or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return Simulation(
        SimulationConfig(
            seed=seed,
            start=begin,
            events_per_hour=rate * 3600,
            faults=faults,
            seasonality=0.0,
            telemetry_density=telemetry_density,
            run=int(begin.timestamp()),
        )
    )


# The paced producer, once ahead of schedule, sleeps this much longer and then sends everything
# due in one go (never before its time, at most this late): at demo rates a wake-up per event
# cost more CPU than making the events. The producer lingers as long, so the broker gets about
# ten requests per second instead of one per event.
PACE_STEP_S = 0.1


def produce_paced(
    events: Iterable[SimEvent],
    connection: BrokerConnection,
    topics: TopicSettings,
    *,
    rate: float,
    stop: threading.Event | None = None,
) -> LiveResult:
    """Produce events to their family topics at `rate` per second until exhausted or stopped."""
    end_offsets: dict[tuple[str, int], int] = {}

    def delivered(err: object, msg: object) -> None:
        if err is None:
            tp = (msg.topic(), msg.partition())  # type: ignore[attr-defined]
            end_offsets[tp] = max(end_offsets.get(tp, -1), msg.offset())  # type: ignore[attr-defined]

    producer = Producer(connection.config(**{"linger.ms": int(PACE_STEP_S * 1000), "acks": "all", "log_level": 3}))
    started = time.monotonic()
    produced = 0
    for produced, event in enumerate(events, start=1):
        if stop is not None and stop.is_set():
            produced -= 1
            break
        ahead = started + produced / rate - time.monotonic()
        if ahead > 0:
            ahead += PACE_STEP_S
            producer.poll(0)
            if stop is not None:
                if stop.wait(ahead):
                    produced -= 1
                    break
            else:
                time.sleep(ahead)
        while True:
            try:
                producer.produce(
                    topics.for_family(event.family), value=event.value, key=event.key.encode(), on_delivery=delivered
                )
                break
            except BufferError:
                producer.poll(0.05)
        if produced % 500 == 0:
            producer.poll(0)
    producer.flush(30)
    return LiveResult(produced, end_offsets)


def write_side_files(sim: Simulation, directory: Path) -> None:
    """Reference master data and ERP snapshots, for the pipelines and the reconciliation."""
    sim.world.write_reference(directory / "reference")
    write_erp_snapshots(sim.erp_snapshots, directory / "erp" / "erp_snapshots.csv")


def file_config(
    seed: int, faults: FaultConfig, *, days: int | None, telemetry_density: float | None
) -> SimulationConfig:
    """The configuration of a file run: a history when ``days`` is given, else the default stream."""
    if days is not None:
        if telemetry_density is None:
            return history_config(seed, faults=faults)
        return history_config(seed, faults=faults, telemetry_density=telemetry_density)
    density = 1.0 if telemetry_density is None else telemetry_density
    return SimulationConfig(seed=seed, faults=faults, telemetry_density=density)


def stream_end(*, duration: float | None, days: int | None) -> datetime | None:
    """The event time a file run stops at: ``days`` or ``duration`` seconds after the start."""
    if days is not None:
        return DEFAULT_START + timedelta(days=days)
    if duration is not None:
        return DEFAULT_START + timedelta(seconds=duration)
    return None


def run_simulation(
    settings: Settings,
    *,
    events: int | None,
    duration: float | None,
    seed: int,
    out: Path | None,
    rate: float | None,
    faults: str | None,
    days: int | None = None,
    telemetry_density: float | None = None,
) -> None:
    """Write a bounded stream to ``out`` (with side files), or produce live at ``rate``.

    ``days`` makes a history (:func:`history_config`) of that many days of event time;
    ``telemetry_density`` defaults to the history's density for ``days`` and to 1 otherwise.
    """
    fault_config = parse_faults(faults)
    if out is not None:
        sim = Simulation(file_config(seed, fault_config, days=days, telemetry_density=telemetry_density))
        until = stream_end(duration=duration, days=days)
        summary = write_jsonl(
            sim.events(until=until, max_events=events), out, manifest_path=out.with_name(out.name + ".faults.json")
        )
        write_side_files(sim, out.parent)
        faults_line = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_fault.items())) or "none"
        typer.echo(
            f"wrote {summary.events} events to {out}; faults: {faults_line} "
            f"(manifest {out.name}.faults.json; reference/ and erp/ beside it)"
        )
        return
    if rate is None:
        raise NoSimulationTarget("a simulation needs a file or a rate", hint="pass --out FILE.jsonl or --rate N")
    with connect(settings, start_embedded=False) as connection:
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        sim = live_simulation(seed, rate, fault_config, 1.0 if telemetry_density is None else telemetry_density)
        stop = threading.Event()
        if duration is not None:
            timer = threading.Timer(duration, stop.set)
            timer.daemon = True
            timer.start()
        try:
            result = produce_paced(sim.events(max_events=events), connection, settings.topics, rate=rate, stop=stop)
        finally:
            stop.set()
        write_side_files(sim, settings.data_dir)
    typer.echo(f"produced {result.produced} events to {connection.bootstrap}")
