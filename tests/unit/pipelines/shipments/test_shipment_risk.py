"""The late-delivery risk core: features of a moment, the score of plain parameters (against
scikit-learn's own prediction), and precision/recall counting."""

from __future__ import annotations

import math

import pytest

from supplylake.event_time import DAY_MS, HOUR_MS
from supplylake.pipelines.shipments.risk import Confusion, JourneyMoment, RiskModel, features, lane
from supplylake.training.late_delivery import REGULARISATION_C, Moment, fit, split

MONDAY_NOON = 4 * DAY_MS + 12 * HOUR_MS  # epoch day 4 (1970-01-05) was a Monday


def moment(**changes: object) -> JourneyMoment:
    base: dict[str, object] = {
        "at_ms": MONDAY_NOON,
        "carrier": "UPS",
        "lane": lane((32.8, -96.8), (33.9, -118.2)),
        "category": "GENERAL",
        "status": "in_transit",
        "status_time_ms": MONDAY_NOON - 3 * HOUR_MS,
        "expected_delivery_ms": MONDAY_NOON + 10 * HOUR_MS,
        "picked_up_ms": MONDAY_NOON - 10 * HOUR_MS,
        "eta_ms": MONDAY_NOON + 12 * HOUR_MS,
    }
    return JourneyMoment(**{**base, **changes})  # type: ignore[arg-type]


def test_features_of_a_moment_are_what_was_known_then() -> None:
    f = features(moment())
    assert f["carrier=UPS"] == f["lane=35,-95>35,-120"] == f["category=GENERAL"] == f["status=in_transit"] == 1.0
    assert f["hours_to_expected"] == 10.0
    assert f["eta_delay_hours"] == 2.0  # the route progress says two hours late
    assert f["elapsed_share"] == pytest.approx(0.5)  # 10 of the 20 hours from pickup to the promise
    assert f["status_dwell_hours"] == 3.0
    assert (f["hour_sin"], f["hour_cos"]) == pytest.approx((0.0, -1.0))  # noon
    assert (f["weekday_sin"], f["weekday_cos"]) == pytest.approx(
        (math.sin(2 * math.pi * 0.5 / 7), math.cos(2 * math.pi * 0.5 / 7))  # half a day into the week
    )
    assert f["off_route"] == f["temperature_breach"] == 0.0
    before_pickup = features(moment(picked_up_ms=None, eta_ms=None, status="created"))
    assert before_pickup["elapsed_share"] == 0.0 and before_pickup["eta_delay_hours"] == 0.0


def test_a_lane_is_the_origin_and_the_destination_cell() -> None:
    assert lane((32.8, -96.8), (33.9, -118.2)) == lane((33.1, -97.4), (36.1, -121.4)) == "35,-95>35,-120"
    assert lane((40.7, -74.0), None) == "40,-75>?"


def test_the_score_is_a_logistic_of_the_weighted_features_and_unknown_names_count_nothing() -> None:
    model = RiskModel("v", intercept=-1.0, weights={"eta_delay_hours": 0.5, "carrier=UPS": 1.0}, threshold=0.6)
    f = features(moment())
    assert model.score(f) == pytest.approx(1 / (1 + math.exp(-(-1.0 + 0.5 * 2.0 + 1.0))))
    assert model.at_risk(f)
    other = features(moment(carrier="NEW-CARRIER", eta_ms=None))
    assert model.score(other) == pytest.approx(1 / (1 + math.exp(1.0)))
    assert not model.at_risk(other)
    assert RiskModel.from_parameters("v", model.to_parameters()) == model


def _history(n: int) -> list[Moment]:
    """Shipments late exactly when the carrier is SLOW or the ETA says so (plus some noise)."""
    found = []
    for i in range(n):
        slow = i % 3 == 0
        delay = (i % 7) - 2.0 if not slow else 4.0
        late = slow or delay > 3 or i % 11 == 0
        journey = moment(carrier="SLOW" if slow else "FAST", eta_ms=MONDAY_NOON + int((10 + delay) * HOUR_MS))
        found.append(Moment(f"S{i:04d}", i * HOUR_MS, journey, late))
    return found


def test_fit_folds_the_standardisation_into_plain_weights_that_score_like_scikit_learn() -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    part = _history(300)
    model = fit(part, "v1")
    reference = make_pipeline(
        DictVectorizer(sparse=False), StandardScaler(), LogisticRegression(max_iter=2000, C=REGULARISATION_C)
    ).fit([features(m.journey) for m in part], [m.late for m in part])
    for m in part[:50]:
        expected = reference.predict_proba([features(m.journey)])[0, 1]
        assert model.score(features(m.journey)) == pytest.approx(expected, abs=1e-9)
    flagged = Confusion.of([model.at_risk(features(m.journey)) for m in part], [m.late for m in part])
    # Every lateness the features explain is flagged, nothing else: only the noise is missed.
    explained = sum(m.journey.carrier == "SLOW" or features(m.journey)["eta_delay_hours"] > 3 for m in part)
    assert (flagged.tp, flagged.fp) == (explained, 0)


def test_the_latest_shipments_are_held_out_with_all_their_moments() -> None:
    found = _history(100)
    twice = found + [Moment(m.shipment_id, m.created_ms, m.journey, m.late) for m in found[-10:]]
    fit_part, held, since = split(twice, holdout_share=0.25)
    assert {m.shipment_id for m in held} == {f"S{i:04d}" for i in range(75, 100)}
    assert all(m.created_ms < since for m in fit_part) and all(m.created_ms >= since for m in held)
    assert len(held) == 25 + 10


def test_precision_and_recall_count_flags_against_outcomes() -> None:
    c = Confusion.of([True, True, False, False, True], [True, False, True, False, True])
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 1)
    assert c.precision == pytest.approx(2 / 3) and c.recall == pytest.approx(2 / 3) and c.f1 == pytest.approx(2 / 3)
    nothing = Confusion.of([False, False], [False, True])
    assert nothing.precision is None and nothing.recall == 0.0 and nothing.f1 is None
