"""DEMAND_SPIKE: the robust z-score, its floor, and one alert per episode of spike days."""

from __future__ import annotations

import math

import pytest

from supplylake.contracts.alerts import DEMAND_SPIKE, alert_id
from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.spikes import SpikePolicy, SpikeState, judge_day, robust_z
from supplylake.pipelines.demand.windows import DemandError

POLICY = SpikePolicy(z_threshold=3.5, min_units=10)


def judge(state: SpikeState, day: int, observed: float, *, final: bool, baseline: float = 4.0, scale: float = 2.0):
    return judge_day(
        state,
        warehouse_id="WH-1",
        sku="SKU-1",
        day=day,
        observed=observed,
        baseline=baseline,
        residual_scale=scale,
        model="holt_winters",
        final=final,
        at_ms=day * DAY_MS + 5,
        policy=POLICY,
    )


def test_robust_z_uses_the_residual_scale_floored_at_poisson_spread() -> None:
    assert robust_z(30.0, 10.0, 4.0) == ((30.0 - 10.0) / 4.0, 4.0)
    # A residual scale below sqrt(baseline) is floored there: 100 units vs 64 expected, floor 8.
    assert robust_z(100.0, 64.0, 0.5) == ((100.0 - 64.0) / 8.0, 8.0)
    # No residual history yet: the floor alone; a baseline under 1 floors at 1.
    assert robust_z(5.0, 0.2, None) == (4.8, 1.0)
    assert robust_z(16.0, 9.0, None)[1] == math.sqrt(9.0)


def test_a_spike_needs_the_threshold_and_the_minimum_volume() -> None:
    state = SpikeState()
    assert judge(state, 1, 10.0, final=False) is None  # z = (10 - 4) / 2 = 3.0
    assert judge(state, 1, 9.0, final=False, baseline=1.0, scale=1.0) is None  # z = 8 but 9 < 10 units
    alert = judge(state, 1, 18.0, final=False)  # z = (18 - 4) / 2 = 7.0
    assert alert is not None
    assert alert.alert_type == DEMAND_SPIKE
    assert alert.alert_id == alert_id(f"WH-1:SKU-1@{DAY_MS}", DEMAND_SPIKE)
    assert alert.details["z"] == 7.0
    assert alert.details["baseline"] == 4.0 and alert.details["observed"] == 18.0
    assert alert.entity_id == "WH-1:SKU-1"


def test_one_alert_per_episode_of_consecutive_spike_days() -> None:
    state = SpikeState()
    assert judge(state, 1, 20.0, final=False) is not None  # raised as the day's units arrive
    assert judge(state, 1, 25.0, final=False) is None
    assert judge(state, 1, 30.0, final=True) is None  # the close confirms it: same episode
    assert judge(state, 2, 40.0, final=True) is None  # next day still a spike: same episode
    assert judge(state, 3, 11.0, final=True) is None  # z = 3.5, not above: the episode ends
    assert state.episode_day is None
    again = judge(state, 4, 40.0, final=True)
    assert again is not None and again.details["day_start_ms"] == 4 * DAY_MS


def test_an_open_day_below_the_threshold_does_not_end_the_episode() -> None:
    state = SpikeState()
    assert judge(state, 1, 30.0, final=True) is not None
    assert judge(state, 2, 11.0, final=False) is None  # the day is not over yet
    assert state.episode_day == 1
    assert judge(state, 2, 40.0, final=False) is None


def test_policy_is_checked() -> None:
    with pytest.raises(DemandError):
        SpikePolicy(z_threshold=0)
    with pytest.raises(DemandError):
        SpikePolicy(min_units=0)
