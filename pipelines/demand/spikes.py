"""DEMAND_SPIKE: a day's outbound units far above its forecast, once per episode.

A day is judged against the one-day-ahead forecast made for it (``baseline``) with a robust
z-score: ``z = (observed - baseline) / scale``, where ``scale`` is 1.4826 × the median absolute
deviation of the key's recent forecast residuals (``forecast.residual_scale``), floored at
``sqrt(max(baseline, 1))`` — the spread Poisson demand would have — so a key whose residuals
happen to be nearly constant does not alert on a unit or two. A day is a spike when
``z > spike_z`` and ``observed >= spike_min_units``.

The open day is judged as its units arrive (only once the model has seen the day before, so
the baseline is the forecast for this very day), which raises the alert within seconds of the
event that crossed the threshold; the day is judged again when it closes. An *episode* is a run
of consecutive spike days: its first spike raises one alert, id ``<warehouseId>:<sku>@<first
day>``; the first closed day that is not a spike ends it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from supplylake.contracts.alerts import DEMAND_SPIKE, ENTITY_STOCK, alert_id
from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.windows import DemandError, DemandStateError
from supplylake.pipelines.state_codec import StoredState

DEMAND_ALERT_TYPES: tuple[str, ...] = (DEMAND_SPIKE,)
"""Every alert type the demand pipeline raises."""


@dataclass(frozen=True)
class SpikePolicy:
    z_threshold: float = 3.5
    min_units: int = 10

    def __post_init__(self) -> None:
        if self.z_threshold <= 0 or self.min_units < 1:
            raise DemandError("spike_z must be positive and spike_min_units at least 1")


@dataclass
class SpikeState(StoredState):
    """The key's current episode: the day it started (None: no episode open)."""

    episode_day: int | None = None

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[DemandError]] = DemandStateError


@dataclass(frozen=True)
class SpikeAlert:
    """One DEMAND_SPIKE (the fields ``outputs.alert_row`` reads)."""

    alert_id: str
    entity_id: str
    warehouse_id: str
    sku: str
    raised_at_ms: int
    details: dict[str, Any]
    alert_type: str = DEMAND_SPIKE
    entity_type: str = ENTITY_STOCK
    severity: str = "warning"


def robust_z(observed: float, baseline: float, residual_scale: float | None) -> tuple[float, float]:
    """``(z, scale)`` of ``observed`` against ``baseline`` (see the module docstring)."""
    floor = math.sqrt(max(baseline, 1.0))
    scale = floor if residual_scale is None else max(residual_scale, floor)
    return (observed - baseline) / scale, scale


def is_spike(observed: float, z: float, policy: SpikePolicy) -> bool:
    return z > policy.z_threshold and observed >= policy.min_units


def judge_day(
    state: SpikeState,
    *,
    warehouse_id: str,
    sku: str,
    day: int,
    observed: float,
    baseline: float,
    residual_scale: float | None,
    model: str | None,
    final: bool,
    at_ms: int,
    policy: SpikePolicy,
) -> SpikeAlert | None:
    """Judge ``day`` (epoch day number) as it stands (``final``: it just closed); mutates ``state``.

    Returns the alert when this judgement opens an episode."""
    z, scale = robust_z(observed, baseline, residual_scale)
    spike = is_spike(observed, z, policy)
    if not spike:
        if final:
            state.episode_day = None
        return None
    if state.episode_day is not None:
        return None  # the episode is already alerted
    state.episode_day = day
    key = f"{warehouse_id}:{sku}"
    return SpikeAlert(
        alert_id=alert_id(f"{key}@{day * DAY_MS}", DEMAND_SPIKE),
        entity_id=key,
        warehouse_id=warehouse_id,
        sku=sku,
        raised_at_ms=at_ms,
        details={
            "day_start_ms": day * DAY_MS,
            "observed": observed,
            "baseline": round(baseline, 6),
            "z": round(z, 6),
            "scale": round(scale, 6),
            "z_threshold": policy.z_threshold,
            "min_units": policy.min_units,
            "model": model,
            "day_final": final,
        },
    )
