"""Late-delivery risk of an in-transit shipment: the features of a moment in its journey and the
score of a trained model (a logistic regression; ``supplylake train`` fits it on the lake's
history, ``supplylake.training.late_delivery``).

Pure functions over plain data. The model's parameters are plain numbers (one weight per
feature name, an intercept and a threshold; the training's standardisation is folded into them),
so the score needs no ML library: ``score`` is ``1 / (1 + exp(-(b + Σ wᵢ·xᵢ)))`` over the features
:func:`features` gives; a feature the model does not know (a new carrier) counts nothing, like a
one-hot feature that is absent (0).

Features of a shipment at event time *t* (what is known then, nothing from its future):

- ``carrier=<code>``, ``lane=<origin warehouse>><destination cell>``, ``category=<cargo>``,
  ``status=<status>``: one-hot. The destination cell is the ``shipment.created`` destination on
  a :data:`LANE_GRID_DEG` grid (what a shipment says about itself, no order needed);
- ``hours_to_expected``: expected delivery - *t*;
- ``eta_delay_hours``: the ETA from progress along the planned route - expected delivery
  (0 without an ETA);
- ``elapsed_share``: (*t* - pickup) / (expected delivery - pickup), 0 before pickup;
- ``status_dwell_hours``: *t* - the current status's time (the stage dwell so far);
- ``hour_sin``/``hour_cos``, ``weekday_sin``/``weekday_cos``: the time of day and of the week of *t*
  (UTC), on circles;
- ``off_route``, ``temperature_breach``: 1 while true;
- ``sla_at_risk``: 1 while the stream's own rule says AT_RISK (the model learns what to add to it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from supplylake.event_time import DAY_MS, HOUR_MS

FEATURE_VERSION = 1
"""Bumped whenever :func:`features` changes: a model trained on other features is not applied."""

IN_TRANSIT_STATUSES = ("created", "picked_up", "in_transit", "out_for_delivery", "delivery_attempted")
"""The statuses a shipment is scored in (not yet delivered)."""

_WEEK_MS = 7 * DAY_MS


@dataclass(frozen=True, slots=True)
class JourneyMoment:
    """What is known of a shipment at event time ``at_ms``."""

    at_ms: int
    carrier: str
    lane: str
    """:func:`lane`."""
    category: str
    status: str
    status_time_ms: int
    expected_delivery_ms: int
    picked_up_ms: int | None = None
    eta_ms: int | None = None
    off_route: bool = False
    temperature_breach: bool = False
    sla_at_risk: bool = False


LANE_GRID_DEG = 5.0
"""Destinations within the same cell of this many degrees of latitude and longitude share a lane."""


def lane(warehouse_id: str | None, dest_lat: float | None, dest_lon: float | None) -> str:
    """``<warehouse>><lat>,<lon>`` of the destination's grid cell (``?`` for what is unknown)."""
    if dest_lat is None or dest_lon is None:
        return f"{warehouse_id or '?'}>?"
    cell = LANE_GRID_DEG
    return f"{warehouse_id or '?'}>{round(dest_lat / cell) * cell:g},{round(dest_lon / cell) * cell:g}"


def features(moment: JourneyMoment) -> dict[str, float]:
    """The named features of ``moment`` (module docstring)."""
    at, expected = moment.at_ms, moment.expected_delivery_ms
    picked = moment.picked_up_ms
    span = expected - picked if picked is not None else 0
    elapsed = (at - picked) / span if picked is not None and span > 0 else 0.0
    hour = 2 * math.pi * (at % DAY_MS) / DAY_MS
    # Epoch day 0 was a Thursday: shift so the circle starts on Monday (any fixed origin would do).
    weekday = 2 * math.pi * ((at + 3 * DAY_MS) % _WEEK_MS) / _WEEK_MS
    return {
        f"carrier={moment.carrier}": 1.0,
        f"lane={moment.lane}": 1.0,
        f"category={moment.category}": 1.0,
        f"status={moment.status}": 1.0,
        "hours_to_expected": (expected - at) / HOUR_MS,
        "eta_delay_hours": 0.0 if moment.eta_ms is None else (moment.eta_ms - expected) / HOUR_MS,
        "elapsed_share": elapsed,
        "status_dwell_hours": max(at - moment.status_time_ms, 0) / HOUR_MS,
        "hour_sin": math.sin(hour),
        "hour_cos": math.cos(hour),
        "weekday_sin": math.sin(weekday),
        "weekday_cos": math.cos(weekday),
        "off_route": 1.0 if moment.off_route else 0.0,
        "temperature_breach": 1.0 if moment.temperature_breach else 0.0,
        "sla_at_risk": 1.0 if moment.sla_at_risk else 0.0,
    }


@dataclass(frozen=True)
class RiskModel:
    """A trained logistic regression over :func:`features`, as plain numbers."""

    version: str
    intercept: float
    weights: Mapping[str, float]
    threshold: float
    """A score at or above it is at risk."""
    feature_version: int = FEATURE_VERSION

    def score(self, values: Mapping[str, float]) -> float:
        """The probability of a late delivery the model gives these features."""
        z = self.intercept
        for name, value in values.items():
            weight = self.weights.get(name)
            if weight is not None:
                z += weight * value
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def at_risk(self, values: Mapping[str, float]) -> bool:
        return self.score(values) >= self.threshold

    def to_parameters(self) -> dict[str, object]:
        """JSON-ready parameters (what the lake stores; :meth:`from_parameters` reads them back)."""
        return {
            "feature_version": self.feature_version,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_parameters(cls, version: str, parameters: Mapping[str, object]) -> RiskModel:
        weights = parameters.get("weights")
        if not isinstance(weights, Mapping):
            raise TypeError("weights must be an object of numbers")
        intercept, threshold, feature_version = (
            parameters["intercept"],
            parameters["threshold"],
            parameters["feature_version"],
        )
        if not isinstance(intercept, int | float) or not isinstance(threshold, int | float):
            raise TypeError("intercept and threshold must be numbers")
        if not isinstance(feature_version, int):
            raise TypeError("feature_version must be an integer")
        return cls(
            version=version,
            intercept=float(intercept),
            weights={str(k): float(v) for k, v in weights.items()},
            threshold=float(threshold),
            feature_version=feature_version,
        )


@dataclass(frozen=True)
class Confusion:
    """Predictions against outcomes: true/false positives and negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @classmethod
    def of(cls, predicted: list[bool], actual: list[bool]) -> Confusion:
        tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
        fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
        fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
        return cls(tp, fp, fn, len(actual) - tp - fp - fn)

    @property
    def precision(self) -> float | None:
        flagged = self.tp + self.fp
        return self.tp / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        late = self.tp + self.fn
        return self.tp / late if late else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)
