"""Supplier metrics over PO line facts (a hand-computed example, DuckDB as the reference for the
lead-time statistics), 'no data' for an empty period, and the SUPPLIER_SLIPPING hysteresis."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import duckdb
import pytest

from supplylake.contracts.alerts import alert_id
from supplylake.event_time import DAY_MS, HOUR_MS
from supplylake.pipelines.suppliers.alerts import SUPPLIER_SLIPPING
from supplylake.pipelines.suppliers.app import FIGURES
from supplylake.pipelines.suppliers.metrics import (
    DEFAULT_METRICS_POLICY,
    MetricsPolicy,
    SlippingState,
    SupplierMetrics,
    changed_metrics,
    quantile_cont,
    slipping,
    stddev_samp,
    supplier_metrics,
)
from supplylake.pipelines.suppliers.po_lines import LINE_FACT_COLUMNS, line_facts
from tests.support.purchase_orders import DEFINITIONS, LATE_AT, T0, Fold, po_created, receipt

AS_OF = T0 + 60 * DAY_MS


def fact(po_id: str, sku: str, *, supplier: str = "S1", due_in_days: float, **values: Any) -> dict[str, Any]:
    """A line fact due ``due_in_days`` after AS_OF (negative: before), created 30 days before due."""
    due = AS_OF + round(due_in_days * DAY_MS)
    row: dict[str, Any] = dict.fromkeys(LINE_FACT_COLUMNS)
    row.update(
        po_id=po_id,
        sku=sku,
        supplier_id=supplier,
        po_created_at=due - 30 * DAY_MS,
        promised_at=due,
        due_at=due,
        received_qty=0,
        rejected_qty=0,
        accepted_qty=0,
        status="OPEN",
    )
    row.update(values)
    assert set(row) == set(LINE_FACT_COLUMNS)
    return row


def line(po_id: str, sku: str, due_in_days: float, ordered: int, received: int, rejected: int, **values: Any):
    return fact(
        po_id,
        sku,
        due_in_days=due_in_days,
        ordered_qty=ordered,
        received_qty=received,
        rejected_qty=rejected,
        accepted_qty=received - rejected,
        **values,
    )


FACTS = [
    line("P1", "X", -10, 100, 100, 0, unit_cost=2.0, otif=1, on_time=True, in_full=True, lead_time_days=2.0,
         status="RECEIVED"),
    line("P2", "X", -20, 100, 80, 10, unit_cost=2.0, otif=0, on_time=True, in_full=False, lead_time_days=3.0,
         status="SHORT_CLOSED"),
    line("P3", "Y", -5, 50, 60, 0, unit_cost=1.0, otif=1, on_time=True, in_full=True, lead_time_days=4.5,
         status="OVER"),
    line("P4", "Y", -40, 50, 50, 5, unit_cost=1.0, otif=0, on_time=False, in_full=False, lead_time_days=10.0,
         status="SHORT_CLOSED"),
    line("P5", "X", 5, 10, 0, 0, unit_cost=2.0),  # not due yet, open
    # P6 was created after the cut-off.
    {**line("P6", "X", 40, 10, 10, 0, unit_cost=2.0, status="RECEIVED"), "po_created_at": AS_OF + 1},
    line("P7", "Z", -45, 20, 20, 0, supplier="S2", unit_cost=3.0, otif=1, on_time=True, in_full=True,
         lead_time_days=1.0, status="RECEIVED"),
]  # fmt: skip


def rows() -> dict[tuple[str, str | None, str], SupplierMetrics]:
    return {(m.supplier_id, m.sku, m.period): m for m in supplier_metrics(FACTS, AS_OF)}


def test_one_row_per_supplier_and_supplier_sku_and_period_in_order() -> None:
    keys = [(m.supplier_id, m.sku, m.period) for m in supplier_metrics(FACTS, AS_OF)]
    assert keys == [
        ("S1", None, "30d"),
        ("S1", None, "all"),
        ("S1", "X", "30d"),
        ("S1", "X", "all"),
        ("S1", "Y", "30d"),
        ("S1", "Y", "all"),
        ("S2", None, "30d"),
        ("S2", None, "all"),
        ("S2", "Z", "30d"),
        ("S2", "Z", "all"),
    ]


def test_a_supplier_over_the_trailing_window_by_hand() -> None:
    m = rows()[("S1", None, "30d")]
    # Due in the window: P1, P2, P3 (P4 is older, P5 not due yet, P6 created after the cut-off).
    assert (m.lines_due, m.window_start_ms, m.as_of_ms) == (3, AS_OF - 30 * DAY_MS, AS_OF)
    assert m.otif_rate == pytest.approx(2 / 3)
    assert m.on_time_rate == 1.0
    assert m.in_full_rate == pytest.approx(2 / 3)
    assert m.fill_rate == pytest.approx((100 + 70 + 50) / 250)  # min(accepted, ordered): P3's 60 counts 50
    assert m.defect_rate == pytest.approx(10 / 240)
    assert m.lead_time_mean_days == pytest.approx(19 / 6)
    assert m.lead_time_p90_days == pytest.approx(4.2)  # position 1.8: 3.0 + 0.8 × (4.5 − 3.0)
    assert m.lead_time_stddev_days == pytest.approx((19 / 12) ** 0.5)  # Σ(x − mean)² = 19/6, over n − 1 = 2
    assert (m.open_lines, m.late_open_lines) == (2, 1)  # P2 closed short (late), P5 not due yet
    assert m.spend == 100 * 2.0 + 70 * 2.0 + 60 * 1.0


def test_a_supplier_over_all_time_by_hand() -> None:
    m = rows()[("S1", None, "all")]
    assert (m.lines_due, m.window_start_ms) == (4, None)
    assert (m.otif_rate, m.on_time_rate, m.in_full_rate) == (0.5, 0.75, 0.5)
    assert m.fill_rate == pytest.approx(265 / 300)
    assert m.defect_rate == pytest.approx(15 / 290)
    assert m.lead_time_p90_days == pytest.approx(8.35)  # position 2.7: 4.5 + 0.7 × (10 − 4.5)
    assert (m.open_lines, m.late_open_lines) == (3, 2)
    assert m.spend == 445.0


def test_supplier_sku_rows() -> None:
    x = rows()[("S1", "X", "30d")]
    assert (x.lines_due, x.otif_rate, x.fill_rate, x.open_lines, x.late_open_lines) == (2, 0.5, 0.85, 2, 1)
    assert x.lead_time_stddev_days == pytest.approx(0.5**0.5)
    y = rows()[("S1", "Y", "30d")]
    assert (y.lines_due, y.otif_rate, y.fill_rate, y.defect_rate, y.lead_time_stddev_days) == (1, 1.0, 1.0, 0.0, None)
    assert y.lead_time_p90_days == 4.5


def test_an_empty_period_is_no_data_never_a_perfect_score() -> None:
    empty = rows()[("S2", None, "30d")]
    assert empty.lines_due == 0
    for name in (
        "otif_rate",
        "on_time_rate",
        "in_full_rate",
        "fill_rate",
        "defect_rate",
        "lead_time_mean_days",
        "lead_time_p90_days",
        "lead_time_stddev_days",
    ):
        assert getattr(empty, name) is None, name
    assert (empty.open_lines, empty.late_open_lines, empty.spend) == (0, 0, 0.0)
    assert rows()[("S2", None, "all")].otif_rate == 1.0
    assert supplier_metrics([], AS_OF) == []


def test_nothing_received_is_no_defect_rate() -> None:
    (window, _) = supplier_metrics(
        [line("P1", "X", -1, 10, 0, 0, unit_cost=1.0, otif=0, status="SHORT_CLOSED")], AS_OF
    )[:2]
    assert (window.lines_due, window.fill_rate, window.defect_rate, window.otif_rate) == (1, 0.0, None, 0.0)


@pytest.mark.parametrize(
    "values",
    [[2.0, 3.0, 4.5], [2.0, 3.0, 4.5, 10.0], [1.25], [0.5, 7.0], [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.5]],
)
def test_lead_time_statistics_match_duckdb(values: list[float]) -> None:
    facts = [
        line(f"P{n}", "X", -1, 10, 10, 0, unit_cost=1.0, otif=1, lead_time_days=value, status="RECEIVED")
        for n, value in enumerate(values)
    ]
    m = supplier_metrics(facts, AS_OF)[0]
    listed = ", ".join(f"({value})" for value in values)
    p90, stddev, mean = duckdb.sql(
        f"select quantile_cont(x, 0.9), stddev_samp(x), avg(x) from (select x::double as x from (values {listed}) t(x))"
    ).fetchone()
    assert m.lead_time_p90_days == pytest.approx(p90)
    assert m.lead_time_mean_days == pytest.approx(mean)
    if len(values) < 2:
        assert m.lead_time_stddev_days is None and stddev is None
    else:
        assert m.lead_time_stddev_days == pytest.approx(stddev)
    assert quantile_cont(values, 0.5) == pytest.approx(
        duckdb.sql(f"select median(x::double) from (values {listed}) t(x)").fetchone()[0]
    )


def test_metrics_over_the_facts_of_po_states() -> None:
    single = (("SKU-A", 100, 2.5),)
    on_time = Fold().apply(po_created(lines=single), receipt("r1", T0 + 36 * HOUR_MS, 100)).fire(LATE_AT)
    never_came = Fold().apply(po_created(lines=single, po_id="PO-2", event_id="po-2")).fire(LATE_AT)
    facts = line_facts(on_time.po, DEFINITIONS) + line_facts(never_came.po, DEFINITIONS)
    window, every = supplier_metrics(facts, LATE_AT)[:2]
    assert (window.supplier_id, window.lines_due, window.otif_rate, window.fill_rate) == ("SUPP-1", 2, 0.5, 0.5)
    assert (window.lead_time_mean_days, window.lead_time_stddev_days) == (1.5, None)
    assert (window.open_lines, window.late_open_lines, window.spend) == (1, 1, 250.0)
    assert every.lines_due == 2


# -- SUPPLIER_SLIPPING ------------------------------------------------------------------------

BASE = SupplierMetrics(
    supplier_id="S1",
    sku=None,
    period="30d",
    as_of_ms=AS_OF,
    window_start_ms=AS_OF - 30 * DAY_MS,
    lines_due=20,
    otif_rate=1.0,
    on_time_rate=1.0,
    in_full_rate=1.0,
    fill_rate=1.0,
    defect_rate=0.0,
    lead_time_mean_days=None,
    lead_time_p90_days=None,
    lead_time_stddev_days=None,
    open_lines=0,
    late_open_lines=0,
    spend=0.0,
)


def test_slipping_enters_stays_leaves_and_reenters_as_two_episodes() -> None:
    state: SlippingState | None = None
    raised = []
    trace = []
    # (otif, due lines): below the threshold but too few lines; exactly the threshold; below
    # (enters); between threshold and threshold + hysteresis (stays); at 0.9 (leaves); at
    # the threshold (not slipping); below again (second episode).
    for day, (otif, lines_due) in enumerate(
        [(0.5, 9), (0.85, 20), (0.8, 20), (0.87, 20), (0.89, 20), (0.9, 20), (0.86, 20), (0.84, 10), (0.7, 10)]
    ):
        row = dataclasses.replace(BASE, otif_rate=otif, lines_due=lines_due, as_of_ms=AS_OF + day * DAY_MS)
        state, alert = slipping(state, row)
        trace.append(state.slipping)
        if alert is not None:
            raised.append(alert)
    assert trace == [False, False, True, True, True, False, False, True, True]
    assert [a.raised_at_ms for a in raised] == [AS_OF + 2 * DAY_MS, AS_OF + 7 * DAY_MS]
    assert state is not None and state.episodes == 2
    first = raised[0]
    assert (first.alert_type, first.entity_type, first.entity_id, first.severity) == (
        SUPPLIER_SLIPPING,
        "supplier",
        "S1",
        "critical",
    )
    assert first.alert_id == alert_id(f"supplier:S1@{AS_OF + 2 * DAY_MS}", SUPPLIER_SLIPPING)
    assert (first.details["otif_rate"], first.details["lines_due"], first.details["resolves_at"]) == (0.8, 20, 0.9)
    assert raised[0].alert_id != raised[1].alert_id


def test_no_data_neither_enters_nor_leaves() -> None:
    state, alert = slipping(None, dataclasses.replace(BASE, otif_rate=0.1))
    assert alert is not None
    state, alert = slipping(state, dataclasses.replace(BASE, otif_rate=None, lines_due=0))
    assert state.slipping and alert is None


def test_slipping_state_round_trips() -> None:
    state, _ = slipping(None, dataclasses.replace(BASE, otif_rate=0.1))
    assert SlippingState.from_dict(state.to_dict()) == state


def test_slipping_is_judged_on_the_suppliers_window_row_only() -> None:
    with pytest.raises(ValueError, match="30d"):
        slipping(None, dataclasses.replace(BASE, sku="X"))
    with pytest.raises(ValueError, match="30d"):
        slipping(None, dataclasses.replace(BASE, period="all"))
    weekly = MetricsPolicy(7, 0.85, 10, 0.05)
    _, alert = slipping(None, dataclasses.replace(BASE, period="7d", otif_rate=0.1), weekly)
    assert alert is not None and alert.details["window_days"] == 7


def test_the_default_policy_is_the_settings() -> None:
    assert (
        MetricsPolicy(window_days=30, slipping_otif_threshold=0.85, slipping_min_lines=10, slipping_hysteresis=0.05)
        == DEFAULT_METRICS_POLICY
    )
    assert DEFAULT_METRICS_POLICY.window_ms == 30 * DAY_MS


# -- only the groups that can have changed ----------------------------------------------------


def _random_updates(seed: int, count: int) -> list[tuple[dict[str, Any], int]]:
    """A stream of (line fact, cut-off) as stage 4 sees it: lines of one supplier created over
    ~90 days, each updated a few times (received, decided, closed), cut-offs moving forward in
    uneven steps (so some steps cross due dates and window edges, others none)."""
    rng = random.Random(seed)
    updates: list[tuple[dict[str, Any], int]] = []
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    at = T0
    for n in range(count):
        at += rng.choice((0, 1, HOUR_MS, DAY_MS, 7 * DAY_MS))
        key = rng.choice(list(latest)) if latest and rng.random() < 0.6 else (f"P{n}", rng.choice("ABCD"))
        ordered = rng.randint(1, 50)
        base = latest.get(key) or fact(
            key[0], key[1], due_in_days=0, ordered_qty=ordered, unit_cost=rng.choice((1.0, 2.5)), lead_time_days=None
        )
        base = (
            {**base, "po_created_at": base["po_created_at"]}
            if key in latest
            else {
                **base,
                "po_created_at": at + rng.choice((-DAY_MS, 0, 2 * HOUR_MS)),
                "due_at": at + rng.randint(1, 20) * DAY_MS,
            }
        )
        received = rng.randint(0, base["ordered_qty"] + 5)
        rejected = rng.randint(0, received)
        new = {
            **base,
            "received_qty": received,
            "rejected_qty": rejected,
            "accepted_qty": received - rejected,
            "status": rng.choice(("OPEN", "PARTIAL", "RECEIVED", "OVER", "SHORT_CLOSED")),
            "otif": rng.choice((None, 0, 1)),
            "on_time": rng.choice((None, True, False)),
            "in_full": rng.choice((None, True, False)),
            "lead_time_days": rng.choice((None, rng.uniform(0.5, 20.0))),
        }
        latest[key] = new
        updates.append((new, at))
    return updates


@pytest.mark.parametrize("seed", range(6))
def test_changed_metrics_publish_what_all_of_supplier_metrics_would(seed: int) -> None:
    """Stage 4 computes only the groups that can have changed; comparing those rows to the last
    published figures must give exactly the rows a full recomputation at every step gives."""
    policy = dataclasses.replace(DEFAULT_METRICS_POLICY, window_days=10)
    facts: dict[str, dict[str, Any]] = {}
    full_published: dict[tuple[str | None, str], list[Any]] = {}
    fast_published: dict[tuple[str | None, str], list[Any]] = {}
    next_change: dict[str, int | None] = {}
    skipped = 0

    def publish(rows: list[SupplierMetrics], published: dict[tuple[str | None, str], list[Any]]) -> list[Any]:
        out = []
        for m in rows:
            figures = [getattr(m, name) for name in FIGURES]
            if published.get((m.sku, m.period)) != figures:
                published[(m.sku, m.period)] = figures
                out.append((m.sku, m.period, m.as_of_ms, figures))
        return out

    for new, at in _random_updates(seed, 300):
        facts[f"{new['po_id']}|{new['sku']}"] = new
        full = publish(supplier_metrics(facts.values(), at, policy), full_published)
        changed = changed_metrics("S1", facts.values(), at, (new["sku"],), next_change, policy)
        skipped += 2 * (1 + len({f["sku"] for f in facts.values()})) - len(changed)
        assert publish(changed, fast_published) == full
    assert fast_published == full_published
    assert skipped > 0  # groups were left out, so the comparison above tested something


def test_stddev_samp_is_duckdb_stddev_samp() -> None:
    values = [1.0, 2.5, 2.5, 9.75, 1e-3]
    (want,) = duckdb.sql(f"select stddev_samp(x) from (values {', '.join(f'({v})' for v in values)}) t(x)").fetchone()
    assert stddev_samp(values) == pytest.approx(want, rel=1e-12)
    assert stddev_samp([3.0]) is None
