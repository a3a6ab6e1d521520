"""Replenishment: the formulas against a hand-computed example, the projection's identity, the
stock-out and order-by dates, and one suggestion per episode below the reorder point."""

from __future__ import annotations

import itertools
import math

import pytest

from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.replenishment import (
    Demand,
    LeadTime,
    OpenLine,
    Plan,
    ReplenishmentEpisode,
    ReplenishmentError,
    ReplenishmentPolicy,
    demand_stddev,
    judge,
    plan,
    project,
    safety_stock,
    stockout_day,
)

TODAY = 20_000
POLICY = ReplenishmentPolicy(service_level=0.95, review_period_days=1.0, horizon_days=14)
LEAD = LeadTime("SUP-1", mean_days=4.0, stddev_days=1.0)
FLAT = Demand(daily_units=(20.0,) * 14, stddev=5.0)
LINES = (OpenLine("PO-1", 15, TODAY + 3), OpenLine("PO-2", 50, TODAY + 9))


def evaluate(on_hand: int, reserved: int = 10, lines: tuple[OpenLine, ...] = LINES, day: int = TODAY) -> Plan:
    return plan(
        warehouse_id="WH-1",
        sku="SKU-1",
        today=day,
        on_hand=on_hand,
        reserved=reserved,
        lines=lines,
        lead_time=LEAD,
        demand=FLAT,
        policy=POLICY,
    )


def test_the_hand_computed_example() -> None:
    # μ_D = 20/day, σ_D = 5, μ_L = 4 d, σ_L = 1 d, R = 1 d, 95 %: z = 1.644854
    # SS = 1.644854 × √(4 × 25 + 400 × 1) = 1.644854 × 22.36068 = 36.7801
    # ROP = 20 × 4 + SS = 116.7801; S = 20 × 5 + SS = 136.7801
    # position = 100 on hand + 15 (PO-1, due in 3 d ≤ 5 d; PO-2 in 9 d is not) - 10 reserved = 105
    # suggested = ⌈136.7801 - 105⌉ = 32
    result = evaluate(on_hand=100)
    assert result.z == pytest.approx(1.644854, abs=1e-6)
    assert result.safety_stock == pytest.approx(36.7801, abs=1e-4)
    assert result.reorder_point == pytest.approx(116.7801, abs=1e-4)
    assert result.order_up_to == pytest.approx(136.7801, abs=1e-4)
    assert (result.open_quantity_in_lead_time, result.open_quantity_total) == (15, 65)
    assert result.position == 105 and result.below_reorder_point
    assert result.suggested_quantity == 32
    # Available 90, 20 a day out, PO-1's 15 in on day 3: ends 70, 50, 45, 25, 5, -15 -> day 6.
    assert result.stockout_day == TODAY + 6
    assert result.order_by_day == TODAY + 6 - 4
    assert (result.supplier_id, result.key) == ("SUP-1", "WH-1:SKU-1")


def test_above_the_reorder_point_nothing_is_suggested() -> None:
    result = evaluate(on_hand=130)  # position 135 >= ROP 116.78
    assert not result.below_reorder_point
    assert (result.suggested_quantity, result.order_by_day) == (0, None)


def test_a_stockout_beyond_the_horizon_orders_on_the_first_day() -> None:
    # Below the reorder point only through the safety stock: no stock-out within 14 days.
    lines = (OpenLine("PO-1", 190, TODAY + 1),)  # position 290 < ROP 302.06; day 14 ends at 10
    result = plan(
        warehouse_id="WH-1",
        sku="SKU-1",
        today=TODAY,
        on_hand=100,
        reserved=0,
        lines=lines,
        lead_time=LeadTime("SUP-1", mean_days=10.0, stddev_days=3.0),
        demand=FLAT,
        policy=POLICY,
    )
    assert result.below_reorder_point and result.stockout_day is None
    assert result.order_by_day == TODAY + 1


def test_the_order_by_date_is_never_before_the_first_projected_day() -> None:
    result = evaluate(on_hand=20, reserved=0, lines=())  # out on day 2, lead time 4 days
    assert result.stockout_day == TODAY + 2
    assert result.order_by_day == TODAY + 1


def test_the_safety_stock_formula_and_its_terms() -> None:
    assert safety_stock(2.0, 10.0, 0.0, 4.0, 0.0) == 0.0
    assert safety_stock(2.0, 10.0, 3.0, 4.0, 0.0) == pytest.approx(2 * math.sqrt(4 * 9))  # demand spread only
    assert safety_stock(2.0, 10.0, 0.0, 4.0, 1.5) == pytest.approx(2 * 10 * 1.5)  # lead-time spread only
    assert ReplenishmentPolicy(service_level=0.99).z == pytest.approx(2.326348, abs=1e-6)


def test_the_projection_adds_up_day_by_day() -> None:
    demand = Demand(daily_units=(5.0, 0.0, 12.5, 7.0, 30.0), stddev=1.0)
    lines = (OpenLine("PO-old", 8, TODAY - 2), OpenLine("PO-a", 20, TODAY + 3), OpenLine("PO-b", 4, TODAY + 3))
    days = project(TODAY, 10, lines, demand)
    assert [d.day for d in days] == [TODAY + i for i in range(1, 6)]
    for before, after in itertools.pairwise(days):
        assert after.start == before.end
    for d in days:
        assert d.end == d.start + d.inbound - d.outbound
    assert [d.inbound for d in days] == [8.0, 0.0, 24.0, 0.0, 0.0]  # the overdue line arrives first
    assert [d.end for d in days] == [13.0, 13.0, 24.5, 17.5, -12.5]
    assert stockout_day(days) == TODAY + 5


def test_one_suggestion_per_episode() -> None:
    episode = ReplenishmentEpisode()
    first = judge(episode, evaluate(on_hand=100))
    assert first is not None and first.suggestion_id == f"WH-1:SKU-1@{TODAY * DAY_MS}"
    assert first.plan.suggested_quantity == 32
    assert judge(episode, evaluate(on_hand=95, day=TODAY + 1)) is None  # still below: same episode
    # The suggested PO is placed: the position is back above the reorder point, the episode ends.
    placed = (*LINES, OpenLine("PO-3", 32, TODAY + 4))
    assert judge(episode, evaluate(on_hand=95, lines=placed, day=TODAY + 1)) is None
    assert episode.opened_day is None
    again = judge(episode, evaluate(on_hand=60, day=TODAY + 3))
    assert again is not None and again.suggestion_id == f"WH-1:SKU-1@{(TODAY + 3) * DAY_MS}"


def test_the_episode_survives_its_stored_form() -> None:
    episode = ReplenishmentEpisode()
    judge(episode, evaluate(on_hand=100))
    stored = ReplenishmentEpisode.from_dict(episode.to_dict())
    assert stored == episode and judge(stored, evaluate(on_hand=90)) is None


def test_demand_spread_from_the_forecast_error() -> None:
    assert demand_stddev(3.0, 10.0) == 3.0
    assert demand_stddev(None, 4.0) == pytest.approx(5.0)
    assert demand_stddev(None, None) == 0.0


@pytest.mark.parametrize(
    "build",
    [
        lambda: ReplenishmentPolicy(service_level=1.0),
        lambda: ReplenishmentPolicy(service_level=0.3),
        lambda: ReplenishmentPolicy(review_period_days=-1),
        lambda: ReplenishmentPolicy(horizon_days=0),
        lambda: LeadTime("S", mean_days=-1.0),
        lambda: LeadTime("S", mean_days=2.0, stddev_days=math.nan),
        lambda: Demand(daily_units=(), stddev=1.0),
        lambda: Demand(daily_units=(1.0, -2.0), stddev=1.0),
        lambda: Demand(daily_units=(1.0,), stddev=-1.0),
    ],
)
def test_impossible_inputs_say_what_is_wrong(build) -> None:
    with pytest.raises(ReplenishmentError):
        build()
