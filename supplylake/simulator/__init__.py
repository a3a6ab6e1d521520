"""Seeded supply-chain simulator: a realistic event stream in the wire format, with faults.

Quick use::

    from supplylake.simulator import Simulation, SimulationConfig, write_erp_snapshots, write_jsonl

    sim = Simulation(SimulationConfig(seed=7))
    summary = write_jsonl(sim.events(max_events=20_000), "events.jsonl", manifest_path="faults.json")
    write_erp_snapshots(sim.erp_snapshots, "erp/erp_snapshots.csv")  # + erp_snapshot_labels.csv
    sim.world.write_reference("reference")  # skus, warehouses, suppliers, carriers

A long history to score suppliers on (profiled suppliers, daily ERP snapshots, thin telemetry)::

    sim = Simulation(history_config(seed=7))
    write_jsonl(sim.events(until=DEFAULT_START + timedelta(days=30)), "history.jsonl")

See ``generator.py`` for the stream's guarantees and ``faults.py`` for the injected faults.
"""

from supplylake.simulator.erp import LABELS as ERP_LABELS
from supplylake.simulator.erp import ErpLabel, ErpRow, ErpSnapshot
from supplylake.simulator.errors import SimulatorConfigError
from supplylake.simulator.events import TOPIC_OF, SimEvent
from supplylake.simulator.faults import (
    ALLOWED_LATENESS_MS,
    DEAD_LETTER_KINDS,
    FAULT_KINDS,
    FaultConfig,
    FaultManifest,
    FaultRecord,
)
from supplylake.simulator.files import SimulationSummary, write_erp_snapshots, write_jsonl
from supplylake.simulator.generator import DEFAULT_START, Simulation, SimulationConfig, history_config
from supplylake.simulator.world import World

__all__ = [
    "ALLOWED_LATENESS_MS",
    "DEAD_LETTER_KINDS",
    "DEFAULT_START",
    "ERP_LABELS",
    "FAULT_KINDS",
    "TOPIC_OF",
    "ErpLabel",
    "ErpRow",
    "ErpSnapshot",
    "FaultConfig",
    "FaultManifest",
    "FaultRecord",
    "SimEvent",
    "Simulation",
    "SimulationConfig",
    "SimulationSummary",
    "SimulatorConfigError",
    "World",
    "history_config",
    "write_erp_snapshots",
    "write_jsonl",
]
