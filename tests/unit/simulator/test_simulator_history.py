"""A history to score suppliers on (`simulate --days N`): POs, ASNs, receipts and rejections that
tell a reliable supplier from an unreliable one, daily ERP snapshots, thinned telemetry.

The histories run at a low demand rate: reorder points scale with demand, so the PO cadence per
supplier hardly changes while the stream (and the test) gets small.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from random import Random
from typing import Any

import orjson
import pytest

from pipelines.suppliers.metrics import PERIOD_ALL, supplier_metrics
from pipelines.suppliers.po_lines import PoEvent, PoState, apply_po_event, fire_deadlines, line_facts
from supplylake.contracts.parse import parse_event
from supplylake.simulator import (
    DEFAULT_START,
    FaultConfig,
    SimEvent,
    Simulation,
    SimulationConfig,
    SimulatorConfigError,
    history_config,
)
from supplylake.simulator.shipments import reading_is_kept
from supplylake.simulator.supplier_profiles import supplier_grades
from tests.support.cli_runs import supplylake

DAYS = 28
RATE = 400.0  # events per hour before thinning
PO_EVENT_TYPES = ("po.created", "asn.sent", "inventory.received", "quality.rejected")


def _history(seed: int, days: int = DAYS, **overrides: Any) -> tuple[Simulation, list[SimEvent]]:
    config = dataclasses.replace(history_config(seed, faults=FaultConfig.none()), events_per_hour=RATE, **overrides)
    sim = Simulation(config)
    return sim, list(sim.events(until=DEFAULT_START + timedelta(days=days)))


@pytest.fixture(scope="module")
def history() -> tuple[Simulation, list[SimEvent]]:
    return _history(7)


def _payloads(events: list[SimEvent], event_type: str) -> list[dict[str, Any]]:
    return [orjson.loads(e.value) for e in events if e.event_type == event_type]


def _receipt_outcomes(events: list[SimEvent]) -> dict[str, Counter[str]]:
    """Per supplier, receipt lines that came on time and in full ("good") or not ("bad")."""
    promised: dict[str, str] = {}
    ordered: dict[tuple[str, str], int] = {}
    for po in _payloads(events, "po.created"):
        promised[po["poId"]] = po["promisedDate"]
        ordered.update({(po["poId"], line["sku"]): line["quantity"] for line in po["lines"]})
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for receipt in _payloads(events, "inventory.received"):
        on_time = receipt["timestamp"][:19] <= promised[receipt["poId"]][:19]
        in_full = receipt["quantity"] >= ordered[(receipt["poId"], receipt["sku"])]
        outcomes[receipt["supplierId"]]["good" if on_time and in_full else "bad"] += 1
    return outcomes


def test_history_has_pos_asns_receipts_and_rejections(history: tuple[Simulation, list[SimEvent]]) -> None:
    _, events = history
    counts = Counter(e.event_type for e in events)
    assert counts["po.created"] >= 100
    assert counts["asn.sent"] >= 50
    assert counts["inventory.received"] >= 50
    assert counts["quality.rejected"] >= 3


def test_receipts_and_rejections_name_their_po_and_supplier(history: tuple[Simulation, list[SimEvent]]) -> None:
    _, events = history
    supplier_of = {po["poId"]: po["supplierId"] for po in _payloads(events, "po.created")}
    receipts = [r for r in _payloads(events, "inventory.received") if "poId" in r]
    assert receipts
    for receipt in receipts:
        assert receipt["supplierId"] == supplier_of[receipt["poId"]]
    for rejection in _payloads(events, "quality.rejected"):
        assert rejection["supplierId"] == supplier_of[rejection["poId"]]
        assert rejection["quantity"] > 0 and rejection["reason"]
    for event in events:
        if event.event_type in PO_EVENT_TYPES:
            parse_event(event.value)  # the wire contract holds


def test_every_supplier_gets_po_lines_to_be_scored(history: tuple[Simulation, list[SimEvent]]) -> None:
    sim, events = history
    lines: Counter[str] = Counter()
    for po in _payloads(events, "po.created"):
        lines[po["supplierId"]] += len(po["lines"])
    assert {s.supplier_id for s in sim.world.suppliers} == set(lines)
    assert min(lines.values()) >= 10  # in 28 days: at least ~10 lines a month each


@pytest.mark.parametrize("seed", [7, 3])
def test_less_reliable_suppliers_deliver_late_or_short_more_often(seed: int) -> None:
    sim, events = _history(seed)
    outcomes = _receipt_outcomes(events)
    by_reliability = sorted(sim.world.suppliers, key=lambda s: s.reliability)
    half = len(by_reliability) // 2

    def good_share(suppliers: list[Any]) -> float:
        good = sum(outcomes[s.supplier_id]["good"] for s in suppliers)
        return good / (good + sum(outcomes[s.supplier_id]["bad"] for s in suppliers))

    assert good_share(by_reliability[:half]) + 0.15 < good_share(by_reliability[half:])


def test_supplier_otif_differs_in_the_supplier_domain(history: tuple[Simulation, list[SimEvent]]) -> None:
    """The pure supplier domain scores the history: OTIF spreads between the suppliers."""
    sim, events = history
    states: dict[str, PoState] = {}
    for event in events:
        if event.event_type not in PO_EVENT_TYPES:
            continue
        po_event = PoEvent.from_contract(parse_event(event.value))
        if po_event is None:
            continue
        states[po_event.po_id], _ = apply_po_event(states.get(po_event.po_id), po_event)
    end_ms = events[-1].time_ms
    facts = [fact for state in states.values() for fact in line_facts(fire_deadlines(state, end_ms)[0])]
    rows = supplier_metrics(facts, as_of_ms=end_ms)
    otif = {m.supplier_id: m.otif_rate for m in rows if m.sku is None and m.period == PERIOD_ALL}
    scored = [rate for rate in otif.values() if rate is not None]
    assert len(scored) == len(sim.world.suppliers)
    assert max(scored) - min(scored) >= 0.3
    worst = min(sim.world.suppliers, key=lambda s: s.reliability).supplier_id
    best = max(sim.world.suppliers, key=lambda s: s.reliability).supplier_id
    assert otif[best] is not None and otif[worst] is not None
    assert otif[best] > otif[worst]


def test_history_has_one_erp_snapshot_per_day(history: tuple[Simulation, list[SimEvent]]) -> None:
    sim, _ = history
    times = [s.snapshot_time for s in sim.erp_snapshots]
    assert times == [DEFAULT_START + timedelta(days=d) for d in range(1, DAYS + 1)]


def test_supplier_profiles_spread_from_worst_to_best(history: tuple[Simulation, list[SimEvent]]) -> None:
    sim, _ = history
    worst = min(sim.world.suppliers, key=lambda s: s.reliability)
    best = max(sim.world.suppliers, key=lambda s: s.reliability)
    assert best.reliability - worst.reliability > 0.3
    assert worst.short_ship_rate > best.short_ship_rate
    assert worst.rejection_rate > best.rejection_rate
    assert worst.late_hours[0] > best.late_hours[0]
    grades = supplier_grades(5, Random(1))
    assert sorted(grades) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_telemetry_thinning_keeps_an_even_share_and_leaves_other_events_alone() -> None:
    assert [i for i in range(12) if reading_is_kept(i, 0.25)] == [0, 4, 8]
    assert all(reading_is_kept(i, 1.0) for i in range(100))
    _, full = _history(5, days=2, telemetry_density=1.0)
    _, thin = _history(5, days=2, telemetry_density=0.1)

    def others(events: list[SimEvent]) -> list[tuple[str, str, bytes]]:
        kept = []
        for e in events:
            if e.event_type != "shipment.telemetry":
                payload = orjson.loads(e.value)
                del payload["eventId"], payload["timestamp"]
                kept.append((e.event_type, e.key, orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)))
        return kept

    assert others(thin) == others(full)
    telemetry_full = sum(e.event_type == "shipment.telemetry" for e in full)
    telemetry_thin = sum(e.event_type == "shipment.telemetry" for e in thin)
    assert 0.08 * telemetry_full < telemetry_thin < 0.2 * telemetry_full


def test_history_same_seed_same_bytes() -> None:
    def digest() -> str:
        _, events = _history(9, days=3)
        return hashlib.sha256(b"".join(e.value for e in events)).hexdigest()

    assert digest() == digest()


@pytest.mark.parametrize("density", [0.0, -0.5, 1.5])
def test_telemetry_density_must_be_a_share(density: float) -> None:
    with pytest.raises(SimulatorConfigError, match="telemetry_density"):
        SimulationConfig(telemetry_density=density)


def test_cli_refuses_days_with_events_in_one_line(tmp_path: Path) -> None:
    result = supplylake("simulate", "--days", "7", "--events", "100", "--out", str(tmp_path / "h.jsonl"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "drop --events / --duration, or drop --days" in lines[0]
    assert not (tmp_path / "h.jsonl").exists()


def test_cli_writes_a_history_file(tmp_path: Path) -> None:
    out = tmp_path / "h.jsonl"
    result = supplylake("simulate", "--days", "1", "--telemetry-density", "0.05", "--faults", "none", "--out", str(out))
    assert result.returncode == 0, result.stderr
    first_day = DEFAULT_START + timedelta(days=1)
    assert (tmp_path / "erp" / "erp_snapshots.csv").read_text().count(first_day.strftime("%Y-%m-%dT%H")) > 0
    assert out.stat().st_size > 0
