"""Online daily demand forecast per warehouse × SKU: pure, explainable, a few numbers per key.

Pure functions over plain data (no Kafka, no I/O). A key's :class:`ForecastState` is updated
one closed day at a time by :func:`observe_day`, which mutates and returns the same state
object. Days are *epoch day numbers* (days since 1970-01-01 UTC, ``epoch_ms // 86_400_000``);
the weekday of day ``d`` is ``(d + 3) % 7`` (0 = Monday). A day's value is its final outbound
units (a float ≥ 0). The rules, in the order they apply:

1. **Demand class** (:func:`demand_class`). ``new`` while fewer than ``min_days`` days were
   observed; ``none`` if none of them had demand. Otherwise, by the Syntetos-Boylan-Croston
   cut-offs on ADI = days / days with demand (:func:`adi`) and CV² = sample variance of the
   non-zero daily units / their mean² (:func:`cv2`; 0 with fewer than two non-zero days):
   ``smooth`` (ADI < 1.32, CV² < 0.49), ``erratic`` (ADI < 1.32, CV² ≥ 0.49),
   ``intermittent`` (ADI ≥ 1.32, CV² < 0.49) and ``lumpy`` (both at or above their cut-off).
   Zero days count in ADI; only the non-zero days count in CV².
2. **Model per class** (:data:`MODEL_FOR_CLASS`, :func:`model_for`). ``smooth`` and ``erratic``
   demand is forecast by Holt-Winters, ``intermittent`` and ``lumpy`` by TSB, ``new`` and
   ``none`` by the seasonal naive forecast. The model is chosen again after every day, so a key
   changes model as soon as its class changes; every model is kept up to date all along.
3. **Seasonal naive.** A day's forecast is the actual of the same weekday one week earlier;
   while fewer than 7 days are known, the mean of the days known (0 with none).
4. **Holt-Winters**, additive, weekly season, no trend. Initialised when the first 7 days are
   folded: ``level`` = their mean, ``seasonal[w]`` = that day's actual − ``level`` for each
   weekday ``w`` (Monday first). Then, for each day with units ``y`` and weekday ``w``:
   ``s = seasonal[w]``, ``level ← alpha·(y − s) + (1 − alpha)·level``, ``seasonal[w] ←
   gamma·(y − level) + (1 − gamma)·s`` (with the new level). The forecast of a day with
   weekday ``w`` is ``max(0, level + seasonal[w])``.
5. **TSB** (Teunter-Syntetos-Babai). Initialised when the first 7 days are folded: ``prob`` =
   share of those days with demand, ``size`` = their mean non-zero units (0 with none). Then,
   each day with demand ``y > 0``: ``size ← size + tsb_alpha·(y − size)`` and ``prob ← prob +
   tsb_beta·(1 − prob)``; each day without: ``prob ← prob − tsb_beta·prob`` (the size is kept).
   The forecast is flat: ``prob × size`` for every day ahead. (Before the first 7 days neither
   Holt-Winters nor TSB is used: the class is ``new``, since ``min_days`` ≥ 7.)
6. **Errors** (:func:`error_stats`). Each folded day is compared with the one-day-ahead
   forecast made for it (by the model in force the evening before): the residual ``e = y −
   forecast``. Every residual is kept for the spike scale (rule 9, the last ``residual_window``
   of them). MAE, bias and MASE compare like with like: a day counts in them only when both the
   model's forecast and the actual of 7 days earlier exist (the first day has no forecast, the
   first 7 have no week-old actual). Over the counted days, MAE = mean |e|, bias = mean e
   (positive: the model under-forecasts), MASE = Σ|e| / Σ|y − y₋₇| (the seasonal naive error;
   MASE is None while that sum is 0). MASE < 1: the model beats "same day last week".
7. **Folding** (:func:`observe_day`). Days are folded in order, once each: a day at or before
   the last folded day is refused (``ValueError``). Missing days in between are folded first as
   zero-demand days, exactly as a reported 0 would be (they count in the class, the models and
   the errors). After each day the next day's forecast (``next_forecast``, ``next_model``) is
   made with the model the class then chooses.
8. **Horizon** (:func:`forecast`). ``horizon_days`` values for the days after the last folded
   one, by the model in force: Holt-Winters by weekday, TSB flat, seasonal naive the actual of
   the same weekday in the last known week (the mean while fewer than 7 days are known). The
   first value is ``next_forecast``.
9. **Spike scale** (:func:`residual_scale`). 1.4826 × the median absolute deviation of the
   kept residuals around their median (a robust standard deviation); None with fewer than 7.
10. **Explanation** (:func:`parameters`). The model, the class, ADI, CV², the days observed
    and the numbers the forecast is made of: ``alpha``, ``gamma``, ``level`` and the weekday
    ``seasonal`` indices for Holt-Winters; ``tsb_alpha``, ``tsb_beta``, ``size`` and ``prob``
    for TSB; the ``recent`` days for the seasonal naive forecast.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final

from supplylake.errors import FatalError
from supplylake.pipelines.state_codec import StoredState

WEEK: Final = 7
ROBUST_SCALE: Final = 1.4826  # MAD -> standard deviation for normal data
MIN_RESIDUALS: Final = 7  # residuals needed before residual_scale answers

HOLT_WINTERS: Final = "holt_winters"
TSB: Final = "tsb"
SEASONAL_NAIVE: Final = "seasonal_naive"
MODELS: Final = (HOLT_WINTERS, TSB, SEASONAL_NAIVE)

NEW: Final = "new"
NONE: Final = "none"
SMOOTH: Final = "smooth"
ERRATIC: Final = "erratic"
INTERMITTENT: Final = "intermittent"
LUMPY: Final = "lumpy"

MODEL_FOR_CLASS: Final[Mapping[str, str]] = {
    SMOOTH: HOLT_WINTERS,
    ERRATIC: HOLT_WINTERS,
    INTERMITTENT: TSB,
    LUMPY: TSB,
    NEW: SEASONAL_NAIVE,
    NONE: SEASONAL_NAIVE,
}
"""The model each demand class is forecast with (rule 2)."""

_CORRUPT = "the state is corrupt; re-seed it"


class ForecastError(FatalError):
    """A stored forecast state cannot be read back."""


def weekday(day: int) -> int:
    """0 = Monday … 6 = Sunday of an epoch day number (1970-01-01 was a Thursday)."""
    return (day + 3) % WEEK


@dataclass(frozen=True)
class ForecastPolicy:
    """The forecast's constants (``SUPPLYLAKE_DEMAND__*`` sets the smoothing, horizon and min_days)."""

    alpha: float = 0.2
    """Holt-Winters level smoothing."""
    gamma: float = 0.1
    """Holt-Winters weekly seasonal smoothing."""
    tsb_alpha: float = 0.1
    """TSB demand-size smoothing."""
    tsb_beta: float = 0.1
    """TSB demand-probability smoothing."""
    horizon_days: int = 14
    min_days: int = 14
    """Days observed before a demand class (and its model) is chosen."""
    adi_cutoff: float = 1.32
    """Syntetos-Boylan-Croston cut-off of the average inter-demand interval."""
    cv2_cutoff: float = 0.49
    """Syntetos-Boylan-Croston cut-off of the squared coefficient of variation."""
    residual_window: int = 28
    """Residuals kept for the robust spike scale."""

    def __post_init__(self) -> None:
        for name in ("alpha", "gamma", "tsb_alpha", "tsb_beta"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"forecast {name} must be in (0, 1], got {value!r}")
        if self.horizon_days < 1:
            raise ValueError(f"forecast horizon_days must be at least 1, got {self.horizon_days!r}")
        if self.min_days < WEEK:
            raise ValueError(f"forecast min_days must be at least {WEEK} (one week), got {self.min_days!r}")
        if self.residual_window < MIN_RESIDUALS:
            raise ValueError(f"forecast residual_window must be at least {MIN_RESIDUALS}, got {self.residual_window!r}")
        for name in ("adi_cutoff", "cv2_cutoff"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"forecast {name} must be a positive number, got {value!r}")


@dataclass
class ForecastState(StoredState):
    """What the forecast keeps per warehouse × SKU (see the module docstring for the rules)."""

    first_day: int
    """The first day folded (epoch day number)."""
    last_day: int
    """The last day folded (``first_day - 1`` before any)."""
    days: int = 0
    """Days folded, zero days included (always ``last_day - first_day + 1``)."""
    nonzero_days: int = 0
    size_mean: float = 0.0
    """Mean units of the days with demand (Welford)."""
    size_m2: float = 0.0
    """Sum of squared deviations of the days with demand from ``size_mean`` (Welford)."""
    level: float = 0.0
    """Holt-Winters level."""
    seasonal: list[float] = field(default_factory=lambda: [0.0] * WEEK)
    """Holt-Winters additive indices by weekday, Monday first."""
    seasonal_ready: bool = False
    tsb_size: float = 0.0
    tsb_prob: float = 0.0
    tsb_ready: bool = False
    recent: list[float] = field(default_factory=list)
    """The last 7 days' units, oldest first."""
    errors: int = 0
    """Days counted in the error sums (rule 6)."""
    abs_error_sum: float = 0.0
    error_sum: float = 0.0
    naive_abs_error_sum: float = 0.0
    residuals: list[float] = field(default_factory=list)
    """The last ``residual_window`` residuals (units − forecast), oldest first."""
    next_forecast: float | None = None
    """The forecast for day ``last_day + 1`` (None before the first day is folded)."""
    next_model: str | None = None
    """The model that made ``next_forecast``."""

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[ForecastError]] = ForecastError

    def check_stored(self) -> None:
        problem = _inconsistency(self)
        if problem is not None:
            raise ForecastError(f"stored ForecastState is inconsistent: {problem}", hint=_CORRUPT)


def _inconsistency(state: ForecastState) -> str | None:
    if state.days != state.last_day - state.first_day + 1 or state.days < 0:
        return f"days={state.days} does not span first_day={state.first_day}..last_day={state.last_day}"
    if not 0 <= state.nonzero_days <= state.days:
        return f"nonzero_days={state.nonzero_days} with days={state.days}"
    if len(state.seasonal) != WEEK:
        return f"{len(state.seasonal)} seasonal indices, not {WEEK}"
    if len(state.recent) != min(state.days, WEEK):
        return f"{len(state.recent)} recent days with days={state.days}"
    if state.seasonal_ready != (state.days >= WEEK) or state.tsb_ready != (state.days >= WEEK):
        return f"models ready={state.seasonal_ready}/{state.tsb_ready} with days={state.days}"
    if not 0 <= state.errors <= state.days:
        return f"errors={state.errors} with days={state.days}"
    if (state.next_forecast is None) != (state.days == 0) or (state.next_model is None) != (state.days == 0):
        return f"next_forecast={state.next_forecast!r}, next_model={state.next_model!r} with days={state.days}"
    if state.next_model is not None and state.next_model not in MODELS:
        return f"unknown model {state.next_model!r}"
    return None


@dataclass(frozen=True)
class DayOutcome:
    """What folding one reported day did."""

    day: int
    units: float
    forecast: float | None
    """The one-day-ahead forecast made for this day (None for a key's first day)."""
    residual: float | None
    """``units - forecast``."""
    model: str | None
    """The model that made ``forecast``."""
    zero_days_filled: int
    """Missing days folded as zero-demand days before this one."""


@dataclass(frozen=True)
class ErrorStats:
    """Error measures over the days counted (rule 6)."""

    n: int
    mae: float | None
    bias: float | None
    mase: float | None


# -- classification (rules 1, 2) ----------------------------------------------------------------


def adi(state: ForecastState) -> float | None:
    """Average inter-demand interval: days / days with demand (None without demand)."""
    if state.nonzero_days == 0:
        return None
    return state.days / state.nonzero_days


def cv2(state: ForecastState) -> float | None:
    """Squared coefficient of variation of the non-zero days (0 with one, None with none)."""
    n = state.nonzero_days
    if n == 0:
        return None
    if n < 2 or state.size_mean <= 0:
        return 0.0
    variance = max(state.size_m2, 0.0) / (n - 1)
    return variance / (state.size_mean * state.size_mean)


def demand_class(state: ForecastState, policy: ForecastPolicy) -> str:
    """``new``, ``none``, ``smooth``, ``erratic``, ``intermittent`` or ``lumpy`` (rule 1)."""
    if state.days < policy.min_days:
        return NEW
    interval, variation = adi(state), cv2(state)
    if interval is None or variation is None:
        return NONE
    if interval < policy.adi_cutoff:
        return SMOOTH if variation < policy.cv2_cutoff else ERRATIC
    return INTERMITTENT if variation < policy.cv2_cutoff else LUMPY


def model_for(state: ForecastState, policy: ForecastPolicy) -> str:
    """The model the key's demand class chooses (rule 2)."""
    return MODEL_FOR_CLASS[demand_class(state, policy)]


# -- folding (rules 3-7) -------------------------------------------------------------------------


def observe_day(
    state: ForecastState | None, day: int, units: float, policy: ForecastPolicy
) -> tuple[ForecastState, DayOutcome]:
    """Fold ``day``'s final ``units`` (missing days before it as zero days); mutates ``state``.

    Returns the same state object (a new one when ``state`` is None) and what the day did.
    """
    y = float(units)
    if not (math.isfinite(y) and y >= 0):
        raise ValueError(f"day {day}: units must be a finite number >= 0, got {units!r}")
    if state is None:
        state = ForecastState(first_day=day, last_day=day - 1)
    elif day <= state.last_day:
        raise ValueError(f"day {day} is not after the last day folded ({state.last_day}): days fold once, in order")
    filled = day - state.last_day - 1
    for _ in range(filled):
        _fold(state, 0.0, policy)
    made, model = state.next_forecast, state.next_model
    residual = _fold(state, y, policy)
    return state, DayOutcome(day=day, units=y, forecast=made, residual=residual, model=model, zero_days_filled=filled)


def _fold(state: ForecastState, y: float, policy: ForecastPolicy) -> float | None:
    """Fold the day after ``last_day`` with units ``y``; the residual against its forecast."""
    recent = state.recent
    made = state.next_forecast
    residual = None
    if made is not None:  # rule 6
        residual = y - made
        residuals = state.residuals
        residuals.append(residual)
        excess = len(residuals) - policy.residual_window
        if excess > 0:
            del residuals[:excess]
        if len(recent) == WEEK:
            state.errors += 1
            state.abs_error_sum += abs(residual)
            state.error_sum += residual
            state.naive_abs_error_sum += abs(y - recent[0])
    day = state.last_day + 1
    if y > 0:  # Welford over the days with demand (rule 1)
        state.nonzero_days += 1
        delta = y - state.size_mean
        state.size_mean += delta / state.nonzero_days
        state.size_m2 += delta * (y - state.size_mean)
    if state.seasonal_ready:  # rule 4
        w = weekday(day)
        s = state.seasonal[w]
        level = policy.alpha * (y - s) + (1 - policy.alpha) * state.level
        state.level = level
        state.seasonal[w] = policy.gamma * (y - level) + (1 - policy.gamma) * s
    if state.tsb_ready:  # rule 5
        if y > 0:
            state.tsb_size += policy.tsb_alpha * (y - state.tsb_size)
            state.tsb_prob += policy.tsb_beta * (1 - state.tsb_prob)
        else:
            state.tsb_prob -= policy.tsb_beta * state.tsb_prob
    recent.append(y)
    if len(recent) > WEEK:
        del recent[0]
    state.days += 1
    state.last_day = day
    if state.days == WEEK:
        _initialise(state)
    model = model_for(state, policy)
    state.next_model = model
    state.next_forecast = _ahead(state, model, 1)
    return residual


def _initialise(state: ForecastState) -> None:
    """Holt-Winters and TSB from the first 7 days (rules 4, 5); ``recent`` holds exactly them."""
    recent = state.recent
    level = sum(recent) / WEEK
    state.level = level
    for offset, units in enumerate(recent):
        state.seasonal[weekday(state.first_day + offset)] = units - level
    state.seasonal_ready = True
    demand = [units for units in recent if units > 0]
    state.tsb_prob = len(demand) / WEEK
    state.tsb_size = sum(demand) / len(demand) if demand else 0.0
    state.tsb_ready = True


def _ahead(state: ForecastState, model: str, h: int) -> float:
    """The forecast of day ``last_day + h`` by ``model`` (rule 8)."""
    if model == HOLT_WINTERS and state.seasonal_ready:
        return max(0.0, state.level + state.seasonal[weekday(state.last_day + h)])
    if model == TSB and state.tsb_ready:
        return state.tsb_prob * state.tsb_size
    recent = state.recent
    if len(recent) == WEEK:
        return recent[(h - 1) % WEEK]
    return sum(recent) / len(recent) if recent else 0.0


# -- reading a state (rules 6, 8-10) --------------------------------------------------------------


def forecast(state: ForecastState, policy: ForecastPolicy) -> list[float]:
    """Units of days ``last_day + 1`` … ``last_day + horizon_days`` (rule 8)."""
    model = model_for(state, policy)
    return [_ahead(state, model, h) for h in range(1, policy.horizon_days + 1)]


def error_stats(state: ForecastState) -> ErrorStats:
    """MAE, bias and MASE over the days counted (rule 6)."""
    n = state.errors
    if n == 0:
        return ErrorStats(n=0, mae=None, bias=None, mase=None)
    naive = state.naive_abs_error_sum
    return ErrorStats(
        n=n,
        mae=state.abs_error_sum / n,
        bias=state.error_sum / n,
        mase=state.abs_error_sum / naive if naive > 0 else None,
    )


def residual_scale(state: ForecastState) -> float | None:
    """1.4826 × the median absolute deviation of the kept residuals (rule 9)."""
    residuals = state.residuals
    if len(residuals) < MIN_RESIDUALS:
        return None
    centre = statistics.median(residuals)
    return ROBUST_SCALE * statistics.median([abs(r - centre) for r in residuals])


def parameters(state: ForecastState, policy: ForecastPolicy) -> dict[str, float | list[float] | str]:
    """What explains the current forecast (rule 10); JSON-serialisable, floats to 6 decimals."""
    model = model_for(state, policy)
    explained: dict[str, float | list[float] | str] = {
        "model": model,
        "demand_class": demand_class(state, policy),
        "days": state.days,
    }
    interval, variation = adi(state), cv2(state)
    if interval is not None:
        explained["adi"] = round(interval, 6)
    if variation is not None:
        explained["cv2"] = round(variation, 6)
    if model == HOLT_WINTERS:
        explained["alpha"] = policy.alpha
        explained["gamma"] = policy.gamma
        explained["level"] = round(state.level, 6)
        explained["seasonal"] = [round(index, 6) for index in state.seasonal]
    elif model == TSB:
        explained["tsb_alpha"] = policy.tsb_alpha
        explained["tsb_beta"] = policy.tsb_beta
        explained["size"] = round(state.tsb_size, 6)
        explained["prob"] = round(state.tsb_prob, 6)
    else:
        explained["recent"] = [round(units, 6) for units in state.recent]
    return explained
