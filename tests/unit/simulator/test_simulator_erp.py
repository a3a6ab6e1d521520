"""ERP snapshots agree with the stream except where a labelled difference was planted."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

from supplylake.simulator import ERP_LABELS, ErpSnapshot, FaultConfig, Simulation, SimulationConfig
from supplylake.simulator.events import to_ms
from tests.support.sim_streams import Run, Valid, state_bearing

Pair = tuple[str, str]


def _levels_at(valid: list[Valid], snapshots: list[ErpSnapshot]) -> dict[int, dict[Pair, int]]:
    """On-hand per pair implied by the events up to each snapshot's cut-off (inclusive)."""
    on_hand: dict[Pair, int] = {}
    levels: dict[int, dict[Pair, int]] = {}
    cutoffs = sorted(s.time_ms for s in snapshots)
    events = iter(v for v in valid if v.event.family == "inventory")
    pending = next(events, None)
    for cutoff in cutoffs:
        while pending is not None and pending.time_ms <= cutoff:
            p = pending.payload
            pair = (p["warehouseId"], p["sku"])
            kind = p["eventType"]
            if kind == "inventory.counted":
                on_hand[pair] = p["quantity"]
            elif kind in ("inventory.received", "inventory.adjusted"):
                on_hand[pair] += p["quantity"]
            elif kind == "inventory.shipped":
                on_hand[pair] -= p["quantity"]
            pending = next(events, None)
        levels[cutoff] = dict(on_hand)
    return levels


def test_snapshots_come_every_six_hours(long_run: Run) -> None:
    start = to_ms(long_run.config.start)
    times = [s.time_ms for s in long_run.snapshots]
    assert len(times) == 24
    for k, t in enumerate(times, start=1):
        assert 0 <= t - (start + k * 6 * 3_600_000) < 1000


def test_rows_agree_with_the_stream_unless_labelled(long_run: Run, long_valid: list[Valid]) -> None:
    levels = _levels_at(long_valid, long_run.snapshots)
    seen = Counter()
    for snapshot in long_run.snapshots:
        stream = levels[snapshot.time_ms]
        rows = {(r.warehouse_id, r.sku): r for r in snapshot.rows}
        assert len(rows) == len(snapshot.rows), "one row per warehouse x SKU"
        labels = {(lab.warehouse_id, lab.sku): lab for lab in snapshot.labels}
        for pair, level in stream.items():
            label = labels.get(pair)
            if label is None:
                assert rows[pair].on_hand == level, f"{snapshot.snapshot_time} {pair}"
                continue
            seen[label.label] += 1
            assert label.stream_on_hand == level
            if label.label == "missing_in_erp":
                assert pair not in rows and label.erp_on_hand is None
            else:
                assert label.label in ("timing", "unexplained")
                assert rows[pair].on_hand == label.erp_on_hand != level
        for pair, label in labels.items():
            if label.label == "missing_in_stream":
                seen[label.label] += 1
                assert pair not in stream and label.stream_on_hand is None
                assert rows[pair].on_hand == label.erp_on_hand
        assert set(rows) <= set(stream) | set(labels)
        assert all(r.unit_cost > 0 for r in snapshot.rows)
    assert set(seen) == set(ERP_LABELS)
    total_rows = sum(len(s.rows) for s in long_run.snapshots)
    assert 0.02 <= sum(seen.values()) / total_rows <= 0.045


def test_timing_differences_are_movements_around_the_cutoff(long_run: Run, long_valid: list[Valid]) -> None:
    window = 2 * 3_600_000
    moves: dict[Pair, list[tuple[int, int]]] = {}
    for v in long_valid:
        kind = v.payload["eventType"]
        if kind in ("inventory.received", "inventory.shipped"):
            sign = 1 if kind == "inventory.received" else -1
            moves.setdefault((v.payload["warehouseId"], v.payload["sku"]), []).append(
                (v.time_ms, sign * v.payload["quantity"])
            )
    timing = 0
    for snapshot in long_run.snapshots:
        t = snapshot.time_ms
        for label in snapshot.labels:
            if label.label != "timing":
                continue
            timing += 1
            pair = (label.warehouse_id, label.sku)
            diff = label.erp_on_hand - label.stream_on_hand
            before = [d for ms, d in moves[pair] if t - window <= ms <= t]
            after = [d for ms, d in moves[pair] if t < ms <= t + window]
            assert (before and diff == -before[-1]) or (after and diff == after[0]), (snapshot.snapshot_time, label)
    assert timing >= 5


def test_missing_in_stream_pairs_are_never_mentioned(long_run: Run) -> None:
    ghosts = {
        (lab.warehouse_id, lab.sku) for s in long_run.snapshots for lab in s.labels if lab.label == "missing_in_stream"
    }
    assert ghosts
    world = Simulation(long_run.config).world
    assert ghosts <= set(world.unstocked)
    for event in long_run.events:
        for wh, sku in ghosts:
            assert f"{wh}:{sku}".encode() not in event.value
            assert not (wh.encode() in event.value and f'"sku":"{sku}"'.encode() in event.value)


def test_no_disagreement_when_asked_for_none() -> None:
    config = SimulationConfig(
        seed=5,
        events_per_hour=300,
        faults=FaultConfig.none(),
        erp_disagreement_rate=0.0,
        erp_snapshot_every=timedelta(hours=4),
    )
    sim = Simulation(config)
    run = Run(config, list(sim.events(until=config.start + timedelta(days=1))), sim.manifest, sim.erp_snapshots)
    assert len(run.snapshots) == 6
    levels = _levels_at(state_bearing(run), run.snapshots)
    stocked = {(p.warehouse_id, p.sku) for p in sim.world.pairs}
    for snapshot in run.snapshots:
        assert not snapshot.labels
        assert {(r.warehouse_id, r.sku): r.on_hand for r in snapshot.rows} == levels[snapshot.time_ms]
        assert {(r.warehouse_id, r.sku) for r in snapshot.rows} == stocked


def test_a_snapshot_is_published_only_once_its_events_are_all_out() -> None:
    # Many late and out-of-order events, so that some straddle each cut-off.
    config = SimulationConfig(seed=8, events_per_hour=1200, faults=FaultConfig(late=0.05, out_of_order=0.05))
    full = list(Simulation(config).events(until=config.start + timedelta(days=2)))
    sim = Simulation(config)
    emitted: set[str | None] = set()
    published = 0
    for event in itertools.islice(sim.events(), 50_000):
        # The consumer may stop right here: whatever it holds must be complete.
        for snapshot in sim.erp_snapshots[published:]:
            needed = {
                e.event_id
                for e in full
                if e.family == "inventory"
                and e.time_ms <= snapshot.time_ms
                and e.fault in (None, "late", "out_of_order", "schema_drift")
            }
            assert needed <= emitted, snapshot.snapshot_time
        published = len(sim.erp_snapshots)
        emitted.add(event.event_id)
    assert published >= 6
