"""The simulation: configuration, wiring of the processes, and the endless event stream.

``Simulation(config).events()`` yields :class:`SimEvent` in emission order: the clean stream
is strictly ordered by event time; injected faults (see ``faults.py``) disturb that order on
purpose. While iterating, ``sim.manifest`` records every injected fault and
``sim.erp_snapshots`` receives each ERP snapshot as soon as every event up to its cut-off has
been yielded (so a consumer that stops at any point holds complete snapshots only).

Same config, same bytes: all randomness comes from ``random.Random`` instances seeded from
``config.seed`` (one per concern, so changing the fault ratios leaves the clean stream alone),
and nothing reads the wall clock.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from supplylake.simulator import params
from supplylake.simulator.calibration import Calibration, calibrate
from supplylake.simulator.demand import Demand
from supplylake.simulator.disruptions import Disruptions
from supplylake.simulator.engine import Engine
from supplylake.simulator.erp import ErpClerk, ErpSnapshot
from supplylake.simulator.errors import SimulatorConfigError
from supplylake.simulator.events import SimEvent, to_ms
from supplylake.simulator.faults import EXTRA_KINDS, FaultConfig, FaultInjector, FaultManifest
from supplylake.simulator.noise import InventoryNoise
from supplylake.simulator.opening import open_books
from supplylake.simulator.orders import Orders
from supplylake.simulator.replenishment import Replenisher
from supplylake.simulator.shipments import Shipments
from supplylake.simulator.stock import StockBook
from supplylake.simulator.supplier_profiles import with_reliability_profiles
from supplylake.simulator.world import World

DEFAULT_START = datetime(2025, 1, 15, tzinfo=UTC)


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that decides the stream.

    ``events_per_hour`` is the mean rate of the clean stream in event time; injected extra
    messages (duplicates and dead-letter kinds: ``faults.extra_ratio``, 1.5 % by default) come on
    top, so that the clean stream of a seed is the same whatever the fault ratios.

    ``telemetry_density`` (0 < d <= 1) emits that share of the tracker readings (see
    ``shipments.py``); the rest of the stream does not change, so below 1 the clean stream is
    ``events_per_hour`` minus the thinned readings. ``supplier_profiles`` gives the suppliers
    seeded reliability profiles spread from worst to best (``supplier_profiles.py``) instead of
    the default world's narrow band. :func:`history_config` sets both for a long history.

    ``run`` tells two runs of one seed apart: 0 gives the seed's own stream; another number gives
    the same world and the same clean story with other identifiers (eventIds, the tag in order,
    shipment and PO ids, and so the faults drawn with them), so several runs can go into one
    lake without their events being taken for duplicates of each other (``demo`` loads a
    history and then goes live on one seed).

    For a live stream pass ``start=now`` and ``events_per_hour = 3600 * produce rate per second``;
    the rate follows daily/weekly demand profiles, so either pace on ``event_time`` or set
    ``seasonality=0`` to keep event time in step with a constant produce rate.
    """

    seed: int = 0
    start: datetime = DEFAULT_START
    events_per_hour: float = 3600.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    warehouses: int = 4
    skus: int = 40
    suppliers: int = 8
    carriers: int = 4
    customers: int = 200
    regions: tuple[str, ...] | None = None
    erp_snapshot_every: timedelta = timedelta(hours=6)
    erp_disagreement_rate: float = 0.03
    seasonality: float = 1.0
    telemetry_density: float = 1.0
    supplier_profiles: bool = False
    run: int = 0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise SimulatorConfigError("start has no time zone", hint="pass an aware datetime, e.g. tzinfo=UTC")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        if self.regions is not None:
            object.__setattr__(self, "regions", tuple(self.regions))
        if self.run < 0:
            raise SimulatorConfigError(f"run must not be negative, got {self.run}")
        if not self.events_per_hour > 0:
            raise SimulatorConfigError(f"events_per_hour must be positive, got {self.events_per_hour}")
        if self.erp_snapshot_every <= timedelta(0):
            raise SimulatorConfigError("erp_snapshot_every must be positive")
        if not 0.0 <= self.erp_disagreement_rate <= 0.5:
            raise SimulatorConfigError(f"erp_disagreement_rate must be within 0..0.5, got {self.erp_disagreement_rate}")
        if not 0.0 <= self.seasonality <= 1.0:
            raise SimulatorConfigError(f"seasonality must be within 0..1, got {self.seasonality}")
        if not 0.0 < self.telemetry_density <= 1.0:
            raise SimulatorConfigError(
                f"telemetry_density must be within 0..1 (above 0), got {self.telemetry_density}",
                hint="1 emits every tracker reading, 0.05 one in twenty",
            )

    @property
    def mean_seconds_between_events(self) -> float:
        return 3600.0 / self.events_per_hour


def history_config(
    seed: int,
    *,
    faults: FaultConfig | None = None,
    telemetry_density: float = params.HISTORY_TELEMETRY_DENSITY,
) -> SimulationConfig:
    """The configuration of a long history to score suppliers on (``simulate --days N``).

    Suppliers get reliability profiles spread from worst to best, the ERP snapshots once a day
    (``HISTORY_ERP_SNAPSHOT_EVERY_H``) and telemetry is thinned to ``telemetry_density``
    (``HISTORY_TELEMETRY_DENSITY`` by default). Demand, and so the reorder-driven POs, runs at
    the default rate: every supplier gets tens of PO lines a month.
    """
    return SimulationConfig(
        seed=seed,
        faults=faults if faults is not None else FaultConfig(),
        erp_snapshot_every=timedelta(hours=params.HISTORY_ERP_SNAPSHOT_EVERY_H),
        telemetry_density=telemetry_density,
        supplier_profiles=True,
    )


class Simulation:
    """A seeded supply chain. Each call of :meth:`events` starts the same stream from the top."""

    def __init__(self, config: SimulationConfig | None = None) -> None:
        self.config = cfg = config or SimulationConfig()
        sizes: dict[str, Any] = {
            "warehouses": cfg.warehouses,
            "skus": cfg.skus,
            "suppliers": cfg.suppliers,
            "carriers": cfg.carriers,
            "customers": cfg.customers,
            "regions": cfg.regions,
        }
        # Geometry does not depend on the demand scale, so calibrate on a first build, then
        # build the world whose stock levels fit the calibrated order rate.
        self.calibration: Calibration = calibrate(World.build(cfg.seed, **sizes), cfg.events_per_hour)
        world = World.build(cfg.seed, **sizes, orders_per_day=self.calibration.orders_per_hour * 24)
        self.world = with_reliability_profiles(world, cfg.seed) if cfg.supplier_profiles else world
        self.tag = _run_tag(_identity(cfg))
        self.manifest = FaultManifest()
        self.erp_snapshots: list[ErpSnapshot] = []

    def events(self, *, until: datetime | None = None, max_events: int | None = None) -> Iterator[SimEvent]:
        """The event stream; endless unless bounded.

        ``until`` stops at that event time, ``max_events`` after that many events. Prefer them to
        cutting the endless stream (``itertools.islice``): they release the events held back as
        late or out of order before stopping, so the stream ends complete (no reservation
        without its earlier receipt...) and the last ERP snapshots are published.
        """
        cfg = self.config
        until_ms = to_ms(until.astimezone(UTC)) if until is not None else None
        self.manifest = FaultManifest()
        self.erp_snapshots = []
        ready: deque[ErpSnapshot] = deque()
        engine, clerk = self._wire(ready)
        injector = FaultInjector(
            cfg.faults,
            Random(f"supplylake-faults:{_identity(cfg)}"),
            events_per_hour=cfg.events_per_hour,
            until_ms=until_ms,
        )
        manifest, published = self.manifest, self.erp_snapshots
        if max_events is not None and max_events < 0:
            raise SimulatorConfigError(f"max_events must not be negative, got {max_events}")
        for event in injector.apply(engine.run(until_ms), max_events=max_events):
            if ready:
                floor = injector.held_floor_ms()
                if event.fault not in EXTRA_KINDS and event.time_ms < floor:
                    floor = event.time_ms
                while ready and ready[0].time_ms < floor:
                    published.append(ready.popleft())
            manifest.record(event)
            yield event
        clerk.finish()
        published.extend(ready)
        ready.clear()

    def _wire(self, ready: deque[ErpSnapshot]) -> tuple[Engine, ErpClerk]:
        cfg, world, cal = self.config, self.world, self.calibration
        seed = cfg.seed
        start_ms = to_ms(cfg.start)
        engine = Engine(start_ms, Random(f"supplylake-ids:{_identity(cfg)}"))
        rng = Random(f"supplylake-sim:{seed}")
        book = StockBook(world.pairs, world.skus)
        clerk = ErpClerk(
            engine,
            Random(f"supplylake-erp:{seed}"),
            world,
            book,
            int(cfg.erp_snapshot_every.total_seconds() * 1000),
            cfg.erp_disagreement_rate,
            ready,
        )
        disruptions = Disruptions(engine, rng, world)
        shipments = Shipments(engine, rng, world, disruptions, self.tag, cfg.telemetry_density)
        replenisher = Replenisher(engine, rng, world, book, clerk, disruptions, self.tag)
        disruptions.lead_times = replenisher
        orders = Orders(engine, rng, world, book, shipments, replenisher, clerk, self.tag)
        noise = InventoryNoise(engine, rng, book, replenisher, cal.adjustments_per_hour)
        demand = Demand(engine, rng, world, orders, cal.demand, cfg.seasonality)

        def opening(_: object = None) -> None:
            open_books(engine, rng, world, book, cal, replenisher, orders, shipments, demand)
            for process in (clerk, disruptions, replenisher, noise, demand):
                process.start()

        engine.at(start_ms, opening)
        return engine, clerk


def _identity(cfg: SimulationConfig) -> str:
    """What the identifiers are drawn from: the seed, and the run unless it is the seed's own (0)."""
    return str(cfg.seed) if cfg.run == 0 else f"{cfg.seed}:run-{cfg.run}"


def _run_tag(identity: str) -> str:
    """Four letters/digits from the seed (and run), so ids of different runs do not collide."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    digest = hashlib.sha256(f"supplylake-run:{identity}".encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:4])
