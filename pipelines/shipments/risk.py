"""Late-delivery risk of an in-transit shipment: the features of a moment in its journey and the
score of a trained model (a logistic regression; ``supplylake train`` fits it on the lake's
history, ``supplylake.training.late_delivery``).

Pure functions over plain data. The model's parameters are plain numbers (one weight per
feature name, an intercept and a threshold; the training's standardisation is folded into them),
so the score needs no ML library: ``score`` is ``1 / (1 + exp(-(b + Σ wᵢ·xᵢ)))`` over the features
:func:`features` gives; a feature the model does not know (a new carrier) counts nothing, like a
one-hot feature that is absent (0).

Features of a shipment at event time *t* (what is known then, nothing from its future):

- ``carrier=<code>``, ``lane=<origin cell>><destination cell>``, ``category=<cargo>``,
  ``status=<status>``: one-hot. The cells are the ``shipment.created`` origin and destination on
  a :data:`LANE_GRID_DEG` grid (what a shipment says about itself);
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
from supplylake.pipelines.shipments.alerts import ENTITY_SHIPMENT, SHIPMENT_AT_RISK, Alert
from supplylake.pipelines.shipments.tracking import ShipmentState, SlaState

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


def lane(origin: tuple[float, float] | None, destination: tuple[float, float] | None) -> str:
    """``<lat>,<lon>><lat>,<lon>``: the grid cells of origin and destination (``?``: unknown)."""
    return f"{_cell(origin)}>{_cell(destination)}"


def _cell(point: tuple[float, float] | None) -> str:
    if point is None:
        return "?"
    size = LANE_GRID_DEG
    return f"{round(point[0] / size) * size:g},{round(point[1] / size) * size:g}"


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


def moment_of(state: ShipmentState, at_ms: int) -> JourneyMoment | None:
    """The moment of ``state`` at event time ``at_ms``, or None when it is not one to score at:
    delivered, past (or without) its expected delivery, LATE already, or with no status yet —
    the same moments ``supplylake train`` learns from."""
    status, expected = state.status, state.expected_delivery_ms
    if status is None or status.value not in IN_TRANSIT_STATUSES or state.delivered_at_ms is not None:
        return None
    if expected is None or at_ms >= expected or state.sla is SlaState.LATE:
        return None
    cold, route = state.cold_chain, state.route
    return JourneyMoment(
        at_ms=at_ms,
        carrier=state.carrier or "?",
        lane=lane(state.origin, state.destination),
        category=state.category or "?",
        status=status.value,
        status_time_ms=state.status_time_ms if state.status_time_ms is not None else at_ms,
        expected_delivery_ms=expected,
        picked_up_ms=state.picked_up_ms,
        eta_ms=state.eta_ms,
        off_route=route is not None and route.deviating,
        temperature_breach=cold is not None and cold.in_breach,
        sla_at_risk=state.sla is SlaState.AT_RISK,
    )


def contributions(model: RiskModel, values: Mapping[str, float], top: int = 3) -> list[tuple[str, float]]:
    """The features that push the score up most (weight × value), largest first."""
    pushes = [(name, model.weights[name] * value) for name, value in values.items() if name in model.weights]
    return sorted((p for p in pushes if p[1] > 0), key=lambda p: (-p[1], p[0]))[:top]


def at_risk_alert(
    state: ShipmentState, model: RiskModel, values: Mapping[str, float], score: float, at_ms: int
) -> Alert:
    """SHIPMENT_AT_RISK for ``state`` whose features ``values`` scored ``score`` at event time
    ``at_ms`` (one per shipment: its id comes from the shipment id)."""
    top = contributions(model, values)
    return Alert.create(
        source_id=state.shipment_id,
        alert_type=SHIPMENT_AT_RISK,
        entity_type=ENTITY_SHIPMENT,
        entity_id=state.shipment_id,
        raised_at_ms=at_ms,
        details={
            "score": round(score, 4),
            "threshold": round(model.threshold, 4),
            "model_version": model.version,
            "carrier": state.carrier,
            "status": None if state.status is None else state.status.value,
            "sla_state": state.sla.value,
            "expected_delivery_ms": state.expected_delivery_ms,
            "eta_ms": state.eta_ms,
            "drivers": [name for name, _ in top],
        },
    )
