"""`supplylake train`: fit the late-delivery risk model on the lake's shipment history, judge it
on held-out history next to the rule, and store it in ``shipment_risk_models``.

Moments. Every ``shipment_status`` row of a shipment not yet delivered, before its expected
delivery and not already LATE, is a moment to predict at: its features are what was known then
(``pipelines.shipments.risk.features``; the lane joins the grid cells of the ``shipment.created``
origin and destination, as the stream sees them). Its label is the shipment's outcome: delivered after the expected
delivery, or still not delivered a day after it by the end of the history, is late; delivered
by then is on time; otherwise (still on the road) the moment is left out.

Split. Shipments are ordered by creation; the latest ``HOLDOUT_SHARE`` of them are held out.
The model — a scikit-learn logistic regression on standardised features — is fitted on the
others, and its threshold is the score with the best F1 on them. Precision and
recall are then counted over the held-out moments for the model and for the rule (the moment's
SLA state is AT_RISK), so the report says whether, and by how much, the model beats the rule.

Exactly once. The row goes through the exactly-once writer under the pseudo topic
``train:late_delivery`` (partition 0, offset = the training time in ms, cluster of the lake's
batch jobs): a rerun is a new model version, never a duplicate row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from supplylake.errors import SupplylakeError
from supplylake.event_time import DAY_MS
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import SHIPMENT_RISK_MODELS
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.pipelines.shipments.risk import (
    FEATURE_VERSION,
    IN_TRANSIT_STATUSES,
    Confusion,
    JourneyMoment,
    RiskModel,
    features,
    lane,
)
from supplylake.planning.outputs import PLANNING_CLUSTER, source
from supplylake.query import LakeReader
from supplylake.settings import Settings

TRAIN_TOPIC = "train:late_delivery"
HOLDOUT_SHARE = 0.25
MIN_MOMENTS = 200
"""Fewer labelled moments than this (or no late and on-time ones in both parts) is too little history."""
REQUIRED_TABLES = ("shipment_status", "shipment_events")

_STATUSES = ", ".join(f"'{s}'" for s in IN_TRANSIT_STATUSES)
_MOMENTS = f"""
WITH status AS (
    SELECT * FROM shipment_status
    QUALIFY row_number() OVER (PARTITION BY shipment_id, cause_id ORDER BY ingested_at DESC) = 1
),
created AS (
    SELECT shipment_id, arg_min(lat, event_time) AS origin_lat, arg_min(lon, event_time) AS origin_lon,
        arg_min(TRY_CAST(json_extract(payload, '$.destination.lat') AS DOUBLE), event_time) AS dest_lat,
        arg_min(TRY_CAST(json_extract(payload, '$.destination.lon') AS DOUBLE), event_time) AS dest_lon,
        epoch_ms(min(event_time)) AS created_ms
    FROM shipment_events WHERE event_type = 'shipment.created' GROUP BY shipment_id
),
outcome AS (
    SELECT shipment_id, epoch_ms(min(delivered_at)) AS delivered_ms FROM status GROUP BY shipment_id
),
moments AS (
    SELECT s.shipment_id, epoch_ms(s.event_time) AS at_ms, s.carrier, s.category, s.status,
        epoch_ms(s.status_time) AS status_time_ms, epoch_ms(s.expected_delivery) AS expected_ms,
        epoch_ms(s.eta) AS eta_ms,
        coalesce(s.off_route, false) AS off_route, coalesce(s.temperature_breach, false) AS breach, s.sla_state,
        min(CASE WHEN s.status = 'picked_up' THEN epoch_ms(s.status_time) END) OVER (
            PARTITION BY s.shipment_id ORDER BY s.event_time, s.revision ROWS UNBOUNDED PRECEDING
        ) AS picked_up_ms
    FROM status s
)
SELECT m.*, c.origin_lat, c.origin_lon, c.dest_lat, c.dest_lon, c.created_ms, o.delivered_ms,
    (SELECT epoch_ms(max(event_time)) FROM status) AS data_until_ms
FROM moments m
JOIN created c USING (shipment_id)
LEFT JOIN outcome o USING (shipment_id)
WHERE m.status IN ({_STATUSES}) AND m.expected_ms IS NOT NULL AND m.at_ms < m.expected_ms
    AND m.sla_state IS DISTINCT FROM 'LATE' AND (o.delivered_ms IS NULL OR m.at_ms < o.delivered_ms)
ORDER BY c.created_ms, m.shipment_id, m.at_ms
"""  # noqa: S608 (constant pieces)
REGULARISATION_C = 0.1
"""Inverse L2 strength: stronger than scikit-learn's default, as one-hot lanes overfit a few weeks of history."""


class TrainingError(SupplylakeError):
    """The late-delivery model could not be trained."""


class NotEnoughHistory(TrainingError):
    """The lake holds too few finished shipments to fit and judge a model."""


@dataclass(frozen=True)
class Moment:
    """One labelled moment of the history."""

    shipment_id: str
    created_ms: int
    journey: JourneyMoment
    late: bool

    @property
    def rule_at_risk(self) -> bool:
        """The rule's prediction at this moment: the SLA state was AT_RISK."""
        return self.journey.sla_at_risk


@dataclass(frozen=True)
class TrainingReport:
    model: RiskModel
    trained_at_ms: int
    data_until_ms: int
    holdout_from_ms: int
    train_moments: int
    holdout_moments: int
    holdout_late_share: float
    model_holdout: Confusion
    rule_holdout: Confusion


def moments(rows: list[dict[str, Any]]) -> list[Moment]:
    """The labelled moments of the query's rows (the module docstring's label rule)."""
    found = []
    for row in rows:
        expected = int(row["expected_ms"])
        delivered = row["delivered_ms"]
        if delivered is not None:
            late = int(delivered) > expected
        elif int(row["data_until_ms"]) > expected + DAY_MS:
            late = True  # never delivered, a day past due
        else:
            continue  # still on the road: no outcome yet
        journey = JourneyMoment(
            at_ms=int(row["at_ms"]),
            carrier=str(row["carrier"] or "?"),
            lane=lane(_point(row["origin_lat"], row["origin_lon"]), _point(row["dest_lat"], row["dest_lon"])),
            category=str(row["category"] or "?"),
            status=str(row["status"]),
            status_time_ms=int(row["status_time_ms"] or row["at_ms"]),
            expected_delivery_ms=expected,
            picked_up_ms=None if row["picked_up_ms"] is None else int(row["picked_up_ms"]),
            eta_ms=None if row["eta_ms"] is None else int(row["eta_ms"]),
            off_route=bool(row["off_route"]),
            temperature_breach=bool(row["breach"]),
            sla_at_risk=row["sla_state"] == "AT_RISK",
        )
        found.append(
            Moment(
                shipment_id=str(row["shipment_id"]),
                created_ms=int(row["created_ms"]),
                journey=journey,
                late=late,
            )
        )
    return found


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return None if lat is None or lon is None else (float(lat), float(lon))


def split(found: list[Moment], holdout_share: float = HOLDOUT_SHARE) -> tuple[list[Moment], list[Moment], int]:
    """(fit part, held-out part, creation time the held-out part starts at): the latest
    ``holdout_share`` of the shipments by creation are held out, all their moments together."""
    shipments = sorted({(m.created_ms, m.shipment_id) for m in found})
    if not shipments:
        raise NotEnoughHistory(
            "no finished shipment in the lake to train on",
            hint="run the shipments pipeline over a history first (`supplylake simulate --days 30`, "
            "then `supplylake run --input FILE`)",
        )
    first_held = shipments[min(len(shipments) - 1, int(len(shipments) * (1 - holdout_share)))]
    held = [m for m in found if (m.created_ms, m.shipment_id) >= first_held]
    fit = [m for m in found if (m.created_ms, m.shipment_id) < first_held]
    return fit, held, first_held[0]


def fit(part: list[Moment], version: str) -> RiskModel:
    """A logistic regression (L2, ``C`` = :data:`REGULARISATION_C`) on standardised features,
    folded back to plain weights on the raw features, with the threshold of the best F1 on
    ``part``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_curve
    from sklearn.preprocessing import StandardScaler

    vectorizer = DictVectorizer(sparse=False)
    x = vectorizer.fit_transform([features(m.journey) for m in part])
    y = [m.late for m in part]
    scaler = StandardScaler()
    estimator = LogisticRegression(max_iter=2000, C=REGULARISATION_C)
    estimator.fit(scaler.fit_transform(x), y)
    coef = estimator.coef_[0] / scaler.scale_
    intercept = float(estimator.intercept_[0] - (coef * scaler.mean_).sum())
    weights = {name: float(w) for name, w in zip(vectorizer.feature_names_, coef, strict=True) if w != 0.0}
    scores = estimator.predict_proba(scaler.transform(x))[:, 1]
    precision, recall, thresholds = precision_recall_curve(y, scores)
    f1 = 2 * precision * recall / (precision + recall + 1e-12)
    best = int(f1[:-1].argmax()) if len(thresholds) else 0
    threshold = float(thresholds[best]) if len(thresholds) else 0.5
    return RiskModel(version=version, intercept=intercept, weights=weights, threshold=threshold)


def train(settings: Settings, *, now_ms: int | None = None) -> TrainingReport:
    """Fit, judge and store a model (module docstring)."""
    catalog = catalog_for(settings)
    namespace = settings.catalog.namespace
    missing = [t for t in REQUIRED_TABLES if not catalog.table_exists((namespace, t))]
    if missing:
        raise NotEnoughHistory(
            f"nothing to train on: the lake has no {', '.join(missing)} yet",
            hint="run the shipments pipeline over a history first (`supplylake run --input FILE`)",
        )
    con = LakeReader(catalog, namespace=namespace).connect()
    try:
        cursor = con.execute(_MOMENTS)
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()
    found = moments(rows)
    fit_part, held, holdout_from = split(found)
    hint = "load a longer history (`supplylake simulate --days 30`, then `supplylake run --input FILE`)"
    if len(found) < MIN_MOMENTS:
        raise NotEnoughHistory(
            f"too little shipment history to train on: {len(found)} labelled moments (need {MIN_MOMENTS})", hint=hint
        )
    for name, part in (("training", fit_part), ("held-out", held)):
        if {m.late for m in part} != {True, False}:
            only = "late" if part and part[0].late else "on-time"
            raise NotEnoughHistory(f"the {name} part of the history has only {only} shipments", hint=hint)
    trained_at = now_ms if now_ms is not None else int(time.time() * 1000)
    version = f"late-delivery-{datetime.fromtimestamp(trained_at / 1000, UTC):%Y%m%dT%H%M%S}.{trained_at % 1000:03d}Z"
    model = fit(fit_part, version)
    actual = [m.late for m in held]
    report = TrainingReport(
        model=model,
        trained_at_ms=trained_at,
        data_until_ms=int(rows[0]["data_until_ms"]),  # the same on every row (the history's end)
        holdout_from_ms=holdout_from,
        train_moments=len(fit_part),
        holdout_moments=len(held),
        holdout_late_share=sum(actual) / len(actual),
        model_holdout=Confusion.of([model.at_risk(features(m.journey)) for m in held], actual),
        rule_holdout=Confusion.of([m.rule_at_risk for m in held], actual),
    )
    _store(settings, report)
    return report


def _store(settings: Settings, report: TrainingReport) -> None:
    catalog = catalog_for(settings)
    writer = ExactlyOnceWriter(
        catalog, SHIPMENT_RISK_MODELS, cluster_id=PLANNING_CLUSTER, namespace=settings.catalog.namespace
    )
    model, m, r = report.model, report.model_holdout, report.rule_holdout
    row = {
        "model_version": model.version,
        "trained_at": report.trained_at_ms,
        "model": "logistic_regression",
        "feature_version": FEATURE_VERSION,
        "parameters": orjson.dumps(model.to_parameters()).decode(),
        "threshold": model.threshold,
        "data_until": report.data_until_ms,
        "holdout_from": report.holdout_from_ms,
        "train_moments": report.train_moments,
        "holdout_moments": report.holdout_moments,
        "holdout_late_share": report.holdout_late_share,
        "model_precision": m.precision,
        "model_recall": m.recall,
        "model_f1": m.f1,
        "rule_precision": r.precision,
        "rule_recall": r.recall,
        "rule_f1": r.f1,
        **source(TRAIN_TOPIC, 0, report.trained_at_ms),
    }
    writer.commit([row], {(TRAIN_TOPIC, 0): report.trained_at_ms}, max_event_time_ms=report.data_until_ms)
