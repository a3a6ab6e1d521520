"""Injected faults: exact ratios, and each kind is what it claims to be."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from supplylake.simulator import (
    ALLOWED_LATENESS_MS,
    FAULT_KINDS,
    FaultConfig,
    Simulation,
    SimulationConfig,
    SimulatorConfigError,
)
from supplylake.simulator.faults import REQUIRED_FIELDS
from tests.support.sim_streams import DEAD_LETTER, N_FAULTY, Run


def _parses(raw: bytes) -> bool:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return True


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_realised_fault_counts_match_the_ratios(faulty_run: Run, kind: str) -> None:
    asked = getattr(faulty_run.config.faults, kind) * N_FAULTY
    labelled = sum(1 for e in faulty_run.events if e.fault == kind)
    assert labelled == faulty_run.manifest.counts[kind]
    assert abs(labelled - asked) <= 0.2 * asked, f"{kind}: {labelled} vs {asked:.0f}"


def test_no_faults_when_asked_for_none() -> None:
    sim = Simulation(SimulationConfig(seed=11, faults=FaultConfig.none()))
    events = list(itertools.islice(sim.events(), 5_000))
    assert all(e.fault is None for e in events)
    assert sim.manifest.emitted == 5_000 and not sim.manifest.records
    times = [e.time_ms for e in events]
    assert times == sorted(times) and len(set(times)) == len(times), "clean stream must be strictly ordered"


def test_a_single_zero_ratio_is_honoured() -> None:
    faults = FaultConfig(duplicate=0.05, late=0.0, out_of_order=0.0)
    events = list(itertools.islice(Simulation(SimulationConfig(seed=2, faults=faults)).events(), 4_000))
    kinds = {e.fault for e in events}
    assert "late" not in kinds and "out_of_order" not in kinds
    assert 160 <= sum(e.fault == "duplicate" for e in events) <= 240


def test_duplicates_repeat_the_bytes_of_an_earlier_line(faulty_run: Run) -> None:
    seen: set[bytes] = set()
    duplicates = 0
    for event in faulty_run.events:
        if event.fault == "duplicate":
            duplicates += 1
            assert event.value in seen
        seen.add(event.value)
    assert duplicates > 0


def test_out_of_order_events_come_after_later_ones_but_within_the_allowed_lateness(faulty_run: Run) -> None:
    newest = -1
    checked = 0
    for event in faulty_run.events:
        if event.fault == "out_of_order":
            checked += 1
            assert newest > event.time_ms, "not out of order at all"
            assert newest - event.time_ms <= ALLOWED_LATENESS_MS
        newest = max(newest, event.time_ms)
    assert checked > 0


def test_late_events_are_beyond_the_allowed_lateness(faulty_run: Run) -> None:
    newest = -1
    lateness = []
    for event in faulty_run.events:
        if event.fault == "late":
            lateness.append(newest - event.time_ms)
        newest = max(newest, event.time_ms)
    assert lateness and min(lateness) > ALLOWED_LATENESS_MS
    # Spread over 15..120 minutes rather than all at the minimum.
    assert max(lateness) > 40 * 60_000


def test_out_of_order_and_late_events_are_the_same_clean_events(faulty_run: Run) -> None:
    ids = [e.event_id for e in faulty_run.events if e.fault in (None, "out_of_order", "late", "schema_drift")]
    assert len(ids) == len(set(ids)), "a moved event must not also be emitted in place"


def test_dead_letter_kinds_are_invalid_in_their_own_way(faulty_run: Run) -> None:
    clean_ids = {e.event_id for e in faulty_run.events if e.fault is None}
    for event in faulty_run.events:
        if event.fault == "malformed_json":
            assert not _parses(event.value) and event.event_id is None
        elif event.fault == "missing_field":
            payload = orjson.loads(event.value)
            assert event.event_id == payload["eventId"] and event.event_id not in clean_ids
            required = {"timestamp", *REQUIRED_FIELDS[payload["eventType"]]}
            assert not required <= payload.keys()
        elif event.fault == "unknown_type":
            payload = orjson.loads(event.value)
            assert payload["eventType"] == event.event_type
            assert event.event_type not in {e.event_type for e in faulty_run.events if e.fault is None}


def test_schema_drift_keeps_the_event_and_adds_fields(faulty_run: Run) -> None:
    drifted = [e for e in faulty_run.events if e.fault == "schema_drift"]
    assert drifted
    for event in drifted:
        payload = orjson.loads(event.value)
        assert payload["eventId"] == event.event_id and payload["eventType"] == event.event_type
        assert {
            "sourceSystem",
            "producerVersion",
            "_ingestHost",
            "extraAttributes",
            "legacyCode",
            "tenant",
        } & payload.keys()


def test_every_value_is_one_line(faulty_run: Run) -> None:
    assert all(b"\n" not in e.value and b"\r" not in e.value for e in faulty_run.events)


def test_manifest_indexes_point_at_the_faulty_lines(faulty_run: Run, tmp_path: Path) -> None:
    manifest = faulty_run.manifest
    assert manifest.emitted == N_FAULTY
    for record in manifest.records:
        assert faulty_run.events[record.index].fault == record.kind
    expected = sum(e.fault in DEAD_LETTER for e in faulty_run.events)
    assert manifest.expected_dead_letters == expected
    written = json.loads(manifest.write(tmp_path / "manifest.json").read_text())
    assert written["counts"] == manifest.counts and written["expectedDeadLetters"] == expected
    assert [f["index"] for f in written["faults"]["late"]] == manifest.indices("late")


def test_fault_config_rejects_nonsense() -> None:
    with pytest.raises(SimulatorConfigError):
        FaultConfig(duplicate=-0.1)
    with pytest.raises(SimulatorConfigError):
        FaultConfig(duplicate=0.2, out_of_order=0.2, late=0.2)


def test_faults_do_not_change_the_clean_stream() -> None:
    def clean(faults: FaultConfig) -> list[bytes]:
        config = SimulationConfig(seed=4, faults=faults)
        events = Simulation(config).events(until=config.start + timedelta(hours=3))
        return sorted(e.value for e in events if e.fault is None or e.fault in ("out_of_order", "late"))

    assert clean(FaultConfig.none()) == clean(FaultConfig(schema_drift=0.0))


def test_a_budgeted_stream_is_exact_and_loses_nothing_held_back() -> None:
    faults = FaultConfig(
        duplicate=0.02,
        out_of_order=0.02,
        late=0.005,
        malformed_json=0.005,
        missing_field=0.005,
        unknown_type=0.003,
        schema_drift=0.02,
    )
    events = list(Simulation(SimulationConfig(seed=11, faults=faults)).events(max_events=12_000))
    assert len(events) == 12_000
    kept = [e.event_id for e in events if e.fault in (None, "out_of_order", "late", "schema_drift")]
    clean = Simulation(SimulationConfig(seed=11, faults=FaultConfig.none())).events()
    # The events that went out are exactly a prefix of the clean stream: none held back and lost.
    assert sorted(kept) == sorted(e.event_id for e in itertools.islice(clean, len(kept)))
    for kind, ratio in faults.ratios().items():
        assert abs(sum(e.fault == kind for e in events) - ratio * 12_000) <= 0.2 * ratio * 12_000, kind
    assert list(Simulation(SimulationConfig(seed=11)).events(max_events=0)) == []
