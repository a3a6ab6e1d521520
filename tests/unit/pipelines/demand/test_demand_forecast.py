"""The daily demand forecast: Holt-Winters, TSB, seasonal naive and the ADI/CV² rule that picks
one, worked by hand; gaps folded as zero days; MAE/bias/MASE on like-for-like days; the robust
residual scale; the stored state's round trip; and a noisy weekly series the model must beat
"same day last week" on."""

from __future__ import annotations

import datetime
import json
import math
import random
from collections.abc import Sequence
from typing import Any

import orjson
import pytest

from supplylake.pipelines.demand.forecast import (
    MODEL_FOR_CLASS,
    DayOutcome,
    ForecastError,
    ForecastPolicy,
    ForecastState,
    adi,
    cv2,
    demand_class,
    error_stats,
    forecast,
    model_for,
    observe_day,
    parameters,
    residual_scale,
    weekday,
)

MONDAY = 20304  # 2025-08-04, a Monday
WEEKLY = ForecastPolicy(min_days=7)  # a class (and so Holt-Winters/TSB) from the first week on
HW_WEEK = [10.0, 12.0, 14.0, 16.0, 18.0, 30.0, 5.0]  # Monday ... Sunday; sum 105, mean 15


def fold(
    units: Sequence[float], policy: ForecastPolicy = WEEKLY, start: int = MONDAY
) -> tuple[ForecastState, list[DayOutcome]]:
    state: ForecastState | None = None
    outcomes = []
    for offset, y in enumerate(units):
        state, outcome = observe_day(state, start + offset, y, policy)
        outcomes.append(outcome)
    assert state is not None
    return state, outcomes


def test_weekday_of_an_epoch_day() -> None:
    assert datetime.date(1970, 1, 1) + datetime.timedelta(days=MONDAY) == datetime.date(2025, 8, 4)
    assert weekday(MONDAY) == 0
    assert weekday(0) == 3  # 1970-01-01 was a Thursday
    assert [weekday(MONDAY + i) for i in range(8)] == [0, 1, 2, 3, 4, 5, 6, 0]


# -- Holt-Winters --------------------------------------------------------------------------------


def test_holt_winters_initialised_from_the_first_week() -> None:
    state, _ = fold(HW_WEEK)
    assert state.seasonal_ready
    assert state.level == 15.0  # 105 / 7
    assert state.seasonal == [-5.0, -3.0, -1.0, 1.0, 3.0, 15.0, -10.0]  # actual - 15, Monday first
    assert demand_class(state, WEEKLY) == "smooth"
    assert state.next_model == "holt_winters"
    assert state.next_forecast == 10.0  # Monday: 15 + (-5)


def test_holt_winters_initialisation_follows_weekdays_not_arrival_order() -> None:
    # Starting on a Thursday: the first actual is Thursday's index.
    thursday = MONDAY + 3
    state, _ = fold(HW_WEEK, start=thursday)
    # Thu 10, Fri 12, Sat 14, Sun 16, Mon 18, Tue 30, Wed 5 -> minus 15.
    assert state.seasonal == [3.0, 15.0, -10.0, -5.0, -3.0, -1.0, 1.0]


def test_holt_winters_update_and_forecast_by_weekday() -> None:
    state, outcomes = fold([*HW_WEEK, 12.0])  # day 8, a Monday, 12 units
    assert outcomes[-1].forecast == 10.0
    assert outcomes[-1].model == "holt_winters"
    assert outcomes[-1].residual == pytest.approx(2.0)
    # s = -5; level' = 0.2 * (12 - (-5)) + 0.8 * 15 = 3.4 + 12 = 15.4
    assert state.level == pytest.approx(15.4)
    # seasonal[Mon] = 0.1 * (12 - 15.4) + 0.9 * (-5) = -0.34 - 4.5 = -4.84
    assert state.seasonal[0] == pytest.approx(-4.84)
    assert state.seasonal[1:] == [-3.0, -1.0, 1.0, 3.0, 15.0, -10.0]  # the other weekdays untouched
    # Days 9..15 are Tue..Mon: 15.4 + seasonal[weekday]; day 16 is Tuesday again.
    expected = [12.4, 14.4, 16.4, 18.4, 30.4, 5.4, 10.56, 12.4]
    assert forecast(state, WEEKLY)[:8] == pytest.approx(expected)


def test_holt_winters_forecast_is_never_negative() -> None:
    state, _ = fold([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 30.0])
    # level = 36 / 7 = 5.142857; seasonal[Mon] = 1 - 5.142857 = -4.142857 -> 1.0 (> 0) ...
    assert forecast(state, WEEKLY)[0] == pytest.approx(1.0)
    state.seasonal[0] = -20.0  # ... a Monday index below -level is floored at 0
    assert forecast(state, WEEKLY)[0] == 0.0


# -- TSB -----------------------------------------------------------------------------------------


def test_tsb_initialised_then_updated_through_zero_and_demand_days() -> None:
    week = [0.0, 4.0, 0.0, 0.0, 6.0, 0.0, 2.0]
    state, _ = fold(week)
    assert state.tsb_ready
    assert state.tsb_prob == pytest.approx(3 / 7)  # 3 days with demand out of 7
    assert state.tsb_size == pytest.approx(4.0)  # (4 + 6 + 2) / 3
    # ADI = 7 / 3 = 2.33 >= 1.32; sizes 4, 6, 2: mean 4, var (0 + 4 + 4) / 2 = 4, CV² = 4 / 16 = 0.25
    assert adi(state) == pytest.approx(7 / 3)
    assert cv2(state) == pytest.approx(0.25)
    assert demand_class(state, WEEKLY) == "intermittent"
    assert state.next_model == "tsb"
    assert state.next_forecast == pytest.approx(12 / 7)  # 3/7 * 4

    state, outcome = observe_day(state, MONDAY + 7, 0.0, WEEKLY)
    # zero day: prob = 3/7 - 0.1 * 3/7 = 2.7/7; size kept
    assert state.tsb_prob == pytest.approx(2.7 / 7)
    assert state.tsb_size == pytest.approx(4.0)
    assert outcome.residual == pytest.approx(-12 / 7)

    state, _ = observe_day(state, MONDAY + 8, 9.0, WEEKLY)
    # demand day: size = 4 + 0.1 * (9 - 4) = 4.5; prob = 2.7/7 + 0.1 * (1 - 2.7/7) = 3.13/7
    assert state.tsb_size == pytest.approx(4.5)
    assert state.tsb_prob == pytest.approx(3.13 / 7)
    # ADI = 9 / 4 = 2.25; sizes 4, 6, 2, 9: mean 5.25, squared deviations 1.5625 + 0.5625 +
    # 10.5625 + 14.0625 = 26.75, var = 26.75 / 3, CV² = 8.9167 / 27.5625 = 0.3235
    assert cv2(state) == pytest.approx(26.75 / 3 / 27.5625)
    assert demand_class(state, WEEKLY) == "intermittent"
    flat = 4.5 * 3.13 / 7  # 2.012143
    assert forecast(state, WEEKLY) == pytest.approx([flat] * WEEKLY.horizon_days)
    assert state.next_forecast == pytest.approx(flat)


# -- classification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "expected_adi", "expected_cv2", "expected_class", "expected_model"),
    [
        # every day: ADI 14/14 = 1; sizes 10, 12 (mean 11, deviations ±1): var 14/13, CV² = (14/13) / 121
        ([10.0, 12.0] * 7, 1.0, 14 / 13 / 121, "smooth", "holt_winters"),
        # every day: ADI 1; sizes 1, 20 (mean 10.5, deviations ±9.5): var 14 * 90.25 / 13, CV² / 110.25 = 0.8816
        ([1.0, 20.0] * 7, 1.0, 14 * 90.25 / 13 / 110.25, "erratic", "holt_winters"),
        # every other day, always 10: ADI 14/7 = 2, CV² 0
        ([0.0, 10.0] * 7, 2.0, 0.0, "intermittent", "tsb"),
        # every other day, 1 or 20: sizes 1, 20, 1, 20, 1, 20, 1 (mean 64/7), ADI 2;
        # squared deviations 4 * (57/7)² + 3 * (76/7)² = 30324/49, var = 30324/49/6 = 5054/49,
        # CV² = (5054/49) / (64/7)² = 5054/4096 = 1.2339
        ([0.0, 1.0, 0.0, 20.0] * 3 + [0.0, 1.0], 2.0, 5054 / 4096, "lumpy", "tsb"),
    ],
)
def test_demand_classes(
    units: list[float], expected_adi: float, expected_cv2: float, expected_class: str, expected_model: str
) -> None:
    policy = ForecastPolicy()  # min_days 14
    state, _ = fold(units, policy)
    assert state.days == 14
    assert adi(state) == pytest.approx(expected_adi)
    assert cv2(state) == pytest.approx(expected_cv2)
    assert demand_class(state, policy) == expected_class
    assert model_for(state, policy) == expected_model == MODEL_FOR_CLASS[expected_class]
    assert state.next_model == expected_model


def test_new_until_min_days_then_classified() -> None:
    policy = ForecastPolicy()
    state, outcomes = fold([10.0, 12.0] * 6 + [10.0], policy)  # 13 days
    assert demand_class(state, policy) == "new"
    assert model_for(state, policy) == "seasonal_naive"
    assert adi(state) == 1.0  # known before the class is
    assert {o.model for o in outcomes[1:]} == {"seasonal_naive"}
    state, outcome = observe_day(state, MONDAY + 13, 12.0, policy)
    assert outcome.model == "seasonal_naive"  # the forecast for day 14 was made on day 13
    assert demand_class(state, policy) == "smooth"
    assert state.next_model == "holt_winters"


def test_none_without_any_demand() -> None:
    policy = ForecastPolicy()
    state, _ = fold([0.0] * 14, policy)
    assert adi(state) is None
    assert cv2(state) is None
    assert demand_class(state, policy) == "none"
    assert model_for(state, policy) == "seasonal_naive"
    assert forecast(state, policy) == [0.0] * 14


def test_cv2_with_a_single_demand_day_is_zero() -> None:
    state, _ = fold([0.0, 0.0, 5.0])
    assert adi(state) == 3.0
    assert cv2(state) == 0.0


def test_model_for_every_class() -> None:
    assert MODEL_FOR_CLASS == {
        "smooth": "holt_winters",
        "erratic": "holt_winters",
        "intermittent": "tsb",
        "lumpy": "tsb",
        "new": "seasonal_naive",
        "none": "seasonal_naive",
    }


# -- seasonal naive and the horizon --------------------------------------------------------------


def test_seasonal_naive_with_less_than_a_week_is_the_mean() -> None:
    policy = ForecastPolicy()
    state, outcomes = fold([2.0, 4.0, 9.0], policy)
    assert [o.forecast for o in outcomes] == [None, 2.0, 3.0]  # nothing; mean(2); mean(2, 4)
    assert state.next_forecast == 5.0  # (2 + 4 + 9) / 3
    assert forecast(state, policy) == [5.0] * 14


def test_seasonal_naive_repeats_the_last_week() -> None:
    policy = ForecastPolicy()
    state, _ = fold([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], policy)
    # recent = days 2..8 = [2..8]; day 9 is the weekday of day 2, and so on
    assert state.recent == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert forecast(state, policy) == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0] * 2
    assert state.next_forecast == 2.0


def test_a_state_with_no_day_forecasts_zero() -> None:
    state = ForecastState(first_day=MONDAY, last_day=MONDAY - 1)
    assert forecast(state, ForecastPolicy(horizon_days=3)) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("horizon", [1, 7, 30])
@pytest.mark.parametrize("days", [1, 5, 10, 40])
def test_horizon_length_and_first_value(horizon: int, days: int) -> None:
    policy = ForecastPolicy(horizon_days=horizon)
    rng = random.Random(days)
    state, _ = fold([float(rng.choice([0, 0, 3, 8, 15])) for _ in range(days)], policy)
    values = forecast(state, policy)
    assert len(values) == horizon
    assert values[0] == state.next_forecast
    assert all(v >= 0 for v in values)


# -- folding, gaps -------------------------------------------------------------------------------


def test_first_day_has_no_forecast() -> None:
    state, outcome = observe_day(None, MONDAY, 5, ForecastPolicy())
    assert outcome == DayOutcome(day=MONDAY, units=5.0, forecast=None, residual=None, model=None, zero_days_filled=0)
    assert (state.first_day, state.last_day, state.days) == (MONDAY, MONDAY, 1)
    assert type(state.recent[0]) is float  # ints are stored as floats
    assert state.next_forecast == 5.0
    assert state.next_model == "seasonal_naive"


def test_observe_day_mutates_and_returns_the_same_state() -> None:
    state, _ = observe_day(None, MONDAY, 5.0, ForecastPolicy())
    same, _ = observe_day(state, MONDAY + 1, 6.0, ForecastPolicy())
    assert same is state


def test_a_gap_is_folded_as_zero_days() -> None:
    policy = ForecastPolicy()
    state, _ = fold([5.0] * 5, policy)  # days 1..5
    state, outcome = observe_day(state, MONDAY + 9, 7.0, policy)  # day 10: days 6..9 missing
    assert outcome.zero_days_filled == 4
    assert (state.days, state.nonzero_days, state.last_day) == (10, 6, MONDAY + 9)
    assert state.recent == [5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 7.0]  # days 4..10
    # Seasonal naive forecasts (the class is "new"): days 2..5: 5 (mean of fives), residual 0;
    # day 6: 5, residual -5; day 7: mean(5 x5, 0) = 25/6, residual -25/6; day 8: day 1's 5,
    # residual -5; day 9: day 2's 5, residual -5; day 10: day 3's 5, residual 7 - 5 = 2.
    assert state.residuals == pytest.approx([0, 0, 0, 0, -5, -25 / 6, -5, -5, 2])
    assert outcome.forecast == 5.0
    assert outcome.residual == 2.0
    assert outcome.model == "seasonal_naive"
    # Counted: days 8, 9, 10 (the first with 7 earlier days), the gap days included.
    stats = error_stats(state)
    assert stats.n == state.errors == 3
    assert stats.mae == pytest.approx(4.0)  # (5 + 5 + 2) / 3
    assert stats.bias == pytest.approx(-8 / 3)  # (-5 - 5 + 2) / 3
    assert stats.mase == pytest.approx(1.0)  # the model *is* seasonal naive here


def test_a_gap_folds_exactly_like_reported_zeros() -> None:
    policy = ForecastPolicy()
    units = [3.0, 9.0, 4.0, 6.0, 8.0, 12.0, 7.0, 5.0, 10.0, 4.0, 6.0, 8.0, 9.0, 11.0, 6.0, 7.0]
    reported, _ = fold([*units, 0.0, 0.0, 0.0, 14.0], policy)
    gapped, _ = fold(units, policy)
    gapped, outcome = observe_day(gapped, MONDAY + len(units) + 3, 14.0, policy)
    assert outcome.zero_days_filled == 3
    assert gapped == reported


@pytest.mark.parametrize("day", [MONDAY + 2, MONDAY + 1])
def test_days_fold_once_in_order(day: int) -> None:
    state, _ = fold([1.0, 2.0, 3.0])  # last day MONDAY + 2
    with pytest.raises(ValueError, match="is not after the last day folded"):
        observe_day(state, day, 4.0, WEEKLY)
    assert state.days == 3  # untouched


@pytest.mark.parametrize("units", [-1.0, math.nan, math.inf])
def test_units_must_be_finite_and_not_negative(units: float) -> None:
    with pytest.raises(ValueError, match="finite number >= 0"):
        observe_day(None, MONDAY, units, WEEKLY)


# -- errors --------------------------------------------------------------------------------------


def test_error_measures_count_only_days_with_a_week_old_actual() -> None:
    state, outcomes = fold([*HW_WEEK, 12.0, 13.0, 14.0])  # Holt-Winters from day 8 on (min_days 7)
    # Days 2..7 (seasonal naive: the mean so far): 10, 11, 12, 13, 14, 100/6 -> residuals
    # 12 - 10, 14 - 11, 16 - 12, 18 - 13, 30 - 14, 5 - 16.667; kept, not counted (no actual 7 days before).
    # Day 8 (Mon): forecast 15 - 5 = 10, e = 2, naive |12 - 10| = 2;
    #   level 15.4, seasonal[Mon] -4.84 (see the Holt-Winters test).
    # Day 9 (Tue): forecast 15.4 - 3 = 12.4, e = 0.6, naive |13 - 12| = 1;
    #   level = 0.2 * (13 + 3) + 0.8 * 15.4 = 15.52, seasonal[Tue] = 0.1 * (13 - 15.52) + 0.9 * -3 = -2.952.
    # Day 10 (Wed): forecast 15.52 - 1 = 14.52, e = -0.52, naive |14 - 14| = 0.
    assert [o.forecast for o in outcomes[7:]] == pytest.approx([10.0, 12.4, 14.52])
    assert {o.model for o in outcomes[7:]} == {"holt_winters"}
    assert state.residuals == pytest.approx([2, 3, 4, 5, 16, 5 - 100 / 6, 2, 0.6, -0.52])
    assert state.seasonal[1] == pytest.approx(-2.952)
    stats = error_stats(state)
    assert stats.n == 3
    assert stats.mae == pytest.approx(3.12 / 3)  # (2 + 0.6 + 0.52) / 3 = 1.04
    assert stats.bias == pytest.approx(2.08 / 3)  # (2 + 0.6 - 0.52) / 3
    assert stats.mase == pytest.approx(3.12 / 3)  # 3.12 / (2 + 1 + 0)


def test_error_measures_before_any_counted_day() -> None:
    state, _ = fold(HW_WEEK)
    assert len(state.residuals) == 6
    assert error_stats(state).n == 0
    assert error_stats(state).mae is None
    assert error_stats(state).bias is None
    assert error_stats(state).mase is None


def test_mase_is_none_while_the_naive_error_is_zero() -> None:
    state, _ = fold([4.0] * 9)  # every day 4: both errors 0
    stats = error_stats(state)
    assert (stats.n, stats.mae, stats.bias, stats.mase) == (2, 0.0, 0.0, None)


def test_residuals_keep_the_last_window() -> None:
    policy = ForecastPolicy(residual_window=10)
    rng = random.Random(3)
    state, outcomes = fold([float(rng.randint(0, 20)) for _ in range(30)], policy)
    assert len(state.residuals) == 10
    assert state.residuals == [o.residual for o in outcomes[-10:]]


# -- residual scale ------------------------------------------------------------------------------


def test_residual_scale_is_the_scaled_mad() -> None:
    state = ForecastState(first_day=MONDAY, last_day=MONDAY - 1)
    state.residuals = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert residual_scale(state) is None  # fewer than 7
    state.residuals.append(100.0)
    # median 4; |r - 4| = 3, 2, 1, 0, 1, 2, 96 -> sorted 0, 1, 1, 2, 2, 3, 96: MAD 2; 1.4826 * 2
    assert residual_scale(state) == pytest.approx(2.9652)
    state.residuals = [-3.0, -1.0, 0.0, 1.0, 2.0, 5.0, 7.0, 40.0]
    # median (1 + 2) / 2 = 1.5; |r - 1.5| = 4.5, 2.5, 1.5, 0.5, 0.5, 3.5, 5.5, 38.5 -> median (2.5 + 3.5) / 2 = 3
    assert residual_scale(state) == pytest.approx(1.4826 * 3)


# -- parameters ----------------------------------------------------------------------------------


def test_parameters_explain_holt_winters() -> None:
    state, _ = fold([*HW_WEEK, 12.0])
    explained = parameters(state, WEEKLY)
    assert explained == {
        "model": "holt_winters",
        "demand_class": "smooth",
        "days": 8,
        "adi": 1.0,
        "cv2": pytest.approx(377.875 / 7 / 14.625**2, abs=1e-6),  # sizes' mean 117/8, Σ(dev²) 377.875
        "alpha": 0.2,
        "gamma": 0.1,
        "level": 15.4,
        "seasonal": [-4.84, -3.0, -1.0, 1.0, 3.0, 15.0, -10.0],
    }
    assert json.loads(json.dumps(explained)) == explained


def test_parameters_explain_tsb_and_seasonal_naive() -> None:
    state, _ = fold([0.0, 4.0, 0.0, 0.0, 6.0, 0.0, 2.0])
    assert parameters(state, WEEKLY) == {
        "model": "tsb",
        "demand_class": "intermittent",
        "days": 7,
        "adi": round(7 / 3, 6),
        "cv2": 0.25,
        "tsb_alpha": 0.1,
        "tsb_beta": 0.1,
        "size": 4.0,
        "prob": round(3 / 7, 6),
    }
    state, _ = fold([0.0, 0.0])
    assert parameters(state, WEEKLY) == {
        "model": "seasonal_naive",
        "demand_class": "new",
        "days": 2,
        "recent": [0.0, 0.0],
    }  # no ADI/CV² without demand
    orjson.dumps(parameters(state, WEEKLY))


# -- stored state --------------------------------------------------------------------------------


def _noisy_weekly(days: int, seed: int = 1) -> list[float]:
    """Poisson-like daily units around a weekly pattern: mean mu, standard deviation sqrt(mu)."""
    pattern = [10, 12, 11, 13, 20, 30, 8]
    rng = random.Random(seed)
    units = []
    for i in range(days):
        mu = pattern[i % 7]
        units.append(float(max(0, round(mu + rng.gauss(0, math.sqrt(mu))))))
    return units


def test_state_round_trips_through_json() -> None:
    state, _ = fold(_noisy_weekly(45), ForecastPolicy())
    stored = state.to_dict()
    assert stored["v"] == 1
    assert ForecastState.from_dict(stored) == state
    assert ForecastState.from_dict(orjson.loads(orjson.dumps(stored))) == state
    back = ForecastState.from_dict(json.loads(json.dumps(stored)))
    assert back == state
    assert back.to_dict() == stored
    # and it keeps folding the same way
    policy = ForecastPolicy()
    a, _ = observe_day(state, state.last_day + 2, 9.0, policy)
    b, _ = observe_day(back, back.last_day + 2, 9.0, policy)
    assert a == b


def test_a_new_state_round_trips() -> None:
    state = ForecastState(first_day=MONDAY, last_day=MONDAY - 1)
    assert ForecastState.from_dict(orjson.loads(orjson.dumps(state.to_dict()))) == state


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"v": 2}, "format version"),
        ({"level": "high"}, "malformed"),
        ({"days": 6}, "does not span"),
        ({"recent": [1.0]}, "recent days"),
        ({"seasonal": [0.0] * 6}, "seasonal indices"),
        ({"seasonal_ready": False}, "models ready"),
        ({"next_forecast": None}, "next_forecast"),
        ({"next_model": "prophet"}, "unknown model"),
    ],
)
def test_a_corrupt_state_is_refused(change: dict[str, Any], message: str) -> None:
    state, _ = fold(HW_WEEK)
    stored = {**state.to_dict(), **change}
    with pytest.raises(ForecastError, match=message) as raised:
        ForecastState.from_dict(stored)
    assert raised.value.hint


# -- policy --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"alpha": 0.0},
        {"alpha": 1.5},
        {"gamma": -0.1},
        {"tsb_alpha": 0.0},
        {"tsb_beta": 2.0},
        {"alpha": math.nan},
        {"horizon_days": 0},
        {"min_days": 6},
        {"residual_window": 6},
        {"adi_cutoff": 0.0},
        {"cv2_cutoff": math.inf},
    ],
)
def test_policy_validation(bad: dict[str, Any]) -> None:
    (name,) = bad
    with pytest.raises(ValueError, match=name):
        ForecastPolicy(**bad)


def test_policy_limits_are_allowed() -> None:
    ForecastPolicy(alpha=1.0, gamma=1.0, tsb_alpha=1.0, tsb_beta=1.0, horizon_days=1, min_days=7, residual_window=7)


# -- a noisy weekly series -----------------------------------------------------------------------


def test_noisy_weekly_series_is_smooth_and_beats_seasonal_naive() -> None:
    policy = ForecastPolicy()
    state, outcomes = fold(_noisy_weekly(120), policy)
    assert demand_class(state, policy) == "smooth"
    assert {o.model for o in outcomes[14:]} == {"holt_winters"}
    stats = error_stats(state)
    assert stats.n == 113  # days 8..120
    assert stats.mase is not None
    assert stats.mase < 1
    assert stats.bias is not None
    assert abs(stats.bias) < 1.5
    # the weekly shape is learnt: Saturday (weekday 5, pattern 30) is the peak, Sunday (8) the low
    assert max(range(7), key=state.seasonal.__getitem__) == 5
    assert min(range(7), key=state.seasonal.__getitem__) == 6
    scale = residual_scale(state)
    assert scale is not None
    assert 1 < scale < 8
