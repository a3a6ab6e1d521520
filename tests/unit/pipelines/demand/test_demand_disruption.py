"""Disruption impact on a small hand-built network: which lines a signal delays, the stock-out
before and after, units and value at risk, and when it alerts."""

from __future__ import annotations

import pytest

from supplylake.pipelines.demand.disruption import (
    Closure,
    LeadTimeChange,
    NetworkLine,
    StockView,
    closure_of,
    delayed_due,
    impacts,
    units_short,
    weather_delays,
)
from supplylake.pipelines.demand.replenishment import Demand, OpenLine

TODAY = 100
FLAT = Demand(daily_units=(10.0,) * 14, stddev=0.0)
PO_1 = NetworkLine(OpenLine("PO-1", 50, 102), "WH-1", "SKU-A", "SUP-1", created_day=95, unit_cost=2.0, port="P1")
PO_2 = NetworkLine(OpenLine("PO-2", 40, 105), "WH-1", "SKU-A", "SUP-2", created_day=90, has_asn=True, port="P2")
PO_3 = NetworkLine(OpenLine("PO-3", 30, 105), "WH-2", "SKU-A", "SUP-1", created_day=99, unit_cost=1.5, region="R2")
NETWORK = (PO_1, PO_2, PO_3)
STOCK = {("WH-1", "SKU-A"): StockView(30, FLAT), ("WH-2", "SKU-A"): StockView(100, FLAT)}


def test_a_longer_lead_time_moves_the_stockout_inside_the_horizon() -> None:
    # SUP-1 now takes 14 days: PO-1 (created day 95, no ASN) arrives on 109 instead of 102;
    # PO-3 (created 99) on 113 instead of 105. PO-2 (SUP-2) is not affected.
    found = impacts(TODAY, LeadTimeChange("SUP-1", 14), NETWORK, STOCK)
    assert [(i.warehouse_id, i.lines) for i in found] == [
        ("WH-1", (("PO-1", 102, 109),)),
        ("WH-2", (("PO-3", 105, 113),)),
    ]
    wh1, wh2 = found
    # WH-1 ends 20, 10, 0, -10 (day 104) with PO-1 late, where it ran out on day 113 before.
    assert (wh1.stockout_before, wh1.stockout_after) == (113, 104) and wh1.alerting
    # Lost sales: before, 10 short on days 113 and 114; after, day 104 and day 114.
    assert wh1.quantity_at_risk == 0.0
    # WH-2: 100 on hand last to day 110; out on day 111 instead of 114 (PO-3's 30 units come on 113).
    assert (wh2.stockout_before, wh2.stockout_after) == (114, 111) and wh2.alerting
    # Lost sales: 10 short on 114 before; 10 on each of 111 and 112 after.
    assert wh2.quantity_at_risk == pytest.approx(10.0)
    assert wh2.value_at_risk == pytest.approx(15.0)


def test_a_port_closed_with_no_end_holds_its_lines_past_the_horizon() -> None:
    (wh1,) = impacts(TODAY, Closure(start_day=101, end_day=None, port="P1"), NETWORK, STOCK)
    assert wh1.lines == (("PO-1", 102, None),)  # no new day: held with no end in sight
    assert [line.due_day > TODAY + 14 for line in wh1.lines_after] == [True, False]  # PO-1 held, PO-2 not
    assert wh1.stockout_after == 104
    # Without PO-1: short 10 on day 104, then PO-2's 40 last to day 108, short 10 a day 109-114.
    assert units_short(TODAY, 30, (PO_2.line,), FLAT) == 70.0
    assert wh1.quantity_at_risk == pytest.approx(70.0 - 20.0)
    assert wh1.value_at_risk == pytest.approx(50.0 * 2.0)


def test_a_short_regional_closure_that_changes_nothing_does_not_alert() -> None:
    (wh2,) = impacts(TODAY, Closure(start_day=104, end_day=107, region="R2"), NETWORK, STOCK)
    assert wh2.lines == (("PO-3", 105, 107),)
    assert wh2.stockout_before == wh2.stockout_after == 114
    assert not wh2.alerting and wh2.quantity_at_risk == 0.0


def test_what_a_signal_does_not_touch() -> None:
    never = TODAY + 10_000
    assert delayed_due(PO_2, LeadTimeChange("SUP-2", 30), never) is None  # its ASN is the supplier's word
    assert delayed_due(PO_1, LeadTimeChange("SUP-1", 7), never) is None  # 95 + 7 = 102: no change
    assert delayed_due(PO_1, Closure(103, 110, port="P1"), never) is None  # due before the closure
    assert delayed_due(PO_1, Closure(101, 110, port="P9"), never) is None  # another port
    assert impacts(TODAY, LeadTimeChange("SUP-9", 30), NETWORK, STOCK) == []
    assert impacts(TODAY, LeadTimeChange("SUP-1", 14), NETWORK, {}) == []  # no stock view: left out


def test_an_earlier_arrival_is_an_impact_that_does_not_alert() -> None:
    (wh1, _) = impacts(TODAY, LeadTimeChange("SUP-1", 5), NETWORK, STOCK)  # PO-1 on 100 -> the first day
    assert wh1.lines == (("PO-1", 102, 100),)
    assert not wh1.alerting and wh1.quantity_at_risk == 0.0


def test_a_signal_closes_from_the_day_it_starts_to_the_day_it_is_over() -> None:
    day = 86_400_000
    noon = 100 * day + day // 2
    assert closure_of(starts_at_ms=noon, ends_at_ms=noon + day, port="P1") == Closure(100, 102, port="P1")
    assert closure_of(starts_at_ms=noon, ends_at_ms=102 * day, region="R1") == Closure(100, 102, region="R1")
    assert closure_of(starts_at_ms=noon, ends_at_ms=None, port="P1").end_day is None


@pytest.mark.parametrize(
    ("severity", "delays"), [("low", False), ("Minor", False), ("medium", True), ("Extreme", True)]
)
def test_weather_closes_its_region_unless_its_severity_says_it_does_not(severity: str, delays: bool) -> None:
    assert weather_delays(severity) is delays
