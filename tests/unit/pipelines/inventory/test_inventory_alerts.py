"""Stock alerts: episodes, hysteresis, negative stock, deterministic ids, state round trips."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplylake.errors import FatalError
from supplylake.pipelines.inventory import (
    Alert,
    AlertConfigError,
    AlertState,
    AlertStateError,
    AlertType,
    LevelChange,
    alert_id,
    evaluate_alerts,
)

WH, SKU = "WH-Dallas-01", "LAPTOP-XPS-15"
RP, MARGIN = 100, 10


def level(on_hand: int, reserved: int = 0, t: int = 0, event_id: str = "e") -> LevelChange:
    return LevelChange(event_id, t, WH, SKU, on_hand, reserved, on_hand - reserved, is_late=False, revision=0)


def feed(
    levels: list[LevelChange], state: AlertState | None = None, rp: int = RP, margin: int = MARGIN
) -> tuple[AlertState, list[list[str]]]:
    state = state or AlertState.empty()
    raised = []
    for lvl in levels:
        state, alerts = evaluate_alerts(
            state, level=lvl, reorder_point=rp, resolve_margin=margin, source_event_id=lvl.event_id
        )
        raised.append([a.alert_type for a in alerts])
    return state, raised


def on_hands(*values: int) -> list[LevelChange]:
    return [level(v, t=i, event_id=f"e{i}") for i, v in enumerate(values)]


def test_alert_types_are_the_four_documented_ones() -> None:
    assert [t.value for t in AlertType] == ["LOW_STOCK", "STOCKOUT", "RESOLVED", "NEGATIVE_STOCK"]


def test_low_stock_episode_with_one_stockout_and_hysteresis() -> None:
    _, raised = feed(on_hands(150, 99, 80, 0, 5, 0, -0, 3, 100, 109, 50, 110, 120, 99))
    assert raised == [
        [],
        ["LOW_STOCK"],  # crosses below the reorder point: opens the episode
        [],  # still low: no repeat
        ["STOCKOUT"],  # first time out in this episode
        [],
        [],  # bouncing between low and out raises nothing more
        [],
        [],
        [],  # back at the reorder point: inside the hysteresis band, still open
        [],  # reorder point + margin - 1: still open
        [],
        ["RESOLVED"],  # reorder point + margin closes it
        [],
        ["LOW_STOCK"],  # a new episode
    ]


def test_episode_that_starts_out_of_stock_raises_only_stockout() -> None:
    state, raised = feed(on_hands(150, 0, 50, -3, 110))
    assert raised == [[], ["STOCKOUT"], [], ["NEGATIVE_STOCK"], ["RESOLVED"]]
    assert state == AlertState.empty()


def test_available_not_on_hand_drives_stock_episodes() -> None:
    _, raised = feed([level(150, 60, 0, "a"), level(150, 150, 1, "b"), level(150, 30, 2, "c")])
    assert raised == [["LOW_STOCK"], ["STOCKOUT"], ["RESOLVED"]]


def test_negative_stock_once_per_negative_episode() -> None:
    state, raised = feed(on_hands(5, -1, -10, 0, -2, 200), rp=0, margin=1)
    assert raised == [
        [],
        ["STOCKOUT", "NEGATIVE_STOCK"],
        [],
        [],  # on_hand back to 0 ends the negative episode silently; still out of stock
        ["NEGATIVE_STOCK"],
        ["RESOLVED"],
    ]
    assert state.negative_started_at_ms is None


def test_zero_reorder_point_and_margin_cannot_flap_at_zero() -> None:
    _, raised = feed(on_hands(0, 0, 1, 0), rp=0, margin=0)
    assert raised == [["STOCKOUT"], [], ["RESOLVED"], ["STOCKOUT"]]


def test_alert_content() -> None:
    state, alerts = evaluate_alerts(
        AlertState.empty(),
        level=LevelChange("lvl-1", 1_000, WH, SKU, 40, 5, 35, is_late=True, revision=2),
        reorder_point=RP,
        resolve_margin=MARGIN,
        source_event_id="src-1",
    )
    (alert,) = alerts
    assert alert == Alert(
        alert_id=alert_id("src-1", "LOW_STOCK"),
        alert_type="LOW_STOCK",
        entity_type="stock",
        entity_id=f"{WH}:{SKU}",
        warehouse_id=WH,
        sku=SKU,
        raised_at_ms=1_000,
        details={
            "available": 35,
            "on_hand": 40,
            "reserved": 5,
            "reorder_point": RP,
            "resolve_at": RP + MARGIN,
            "episode_started_at_ms": 1_000,
            "level_event_id": "lvl-1",
            "source_event_id": "src-1",
            "is_late": True,
        },
    )
    assert json.loads(json.dumps(alert.to_dict())) == alert.to_dict()
    _, (resolved,) = evaluate_alerts(
        state,
        level=level(200, t=4_000, event_id="x"),
        reorder_point=RP,
        resolve_margin=MARGIN,
        source_event_id="x",
    )
    assert resolved.alert_type == "RESOLVED"
    assert resolved.details["episode_alert_id"] == alert.alert_id
    assert resolved.details["episode_started_at_ms"] == 1_000
    assert resolved.details["episode_duration_ms"] == 3_000


def test_alert_ids_are_deterministic_uuid5() -> None:
    first = alert_id("evt-1", AlertType.STOCKOUT)
    assert first == alert_id("evt-1", "STOCKOUT")
    assert uuid.UUID(first).version == 5
    assert len({first, alert_id("evt-1", "LOW_STOCK"), alert_id("evt-2", "STOCKOUT")}) == 3
    # A replay from the same state gives the same alerts, ids included.
    replay_a = feed(on_hands(150, 50, 0, 200))
    replay_b = feed(on_hands(150, 50, 0, 200))
    assert replay_a == replay_b


@pytest.mark.parametrize(("rp", "margin"), [(-1, 0), (0, -1)])
def test_impossible_thresholds_are_rejected(rp: int, margin: int) -> None:
    with pytest.raises(AlertConfigError):
        evaluate_alerts(
            AlertState.empty(), level=level(5), reorder_point=rp, resolve_margin=margin, source_event_id="e"
        )


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d.update(v=2),
        lambda d: d.pop("stockout_raised"),
        lambda d: d.update(stockout_raised=1),
        lambda d: d.update(episode_started_at_ms="yesterday"),
        lambda d: d.update(episode_alert_id=7),
    ],
)
def test_alert_state_from_dict_rejects_malformed(corrupt) -> None:  # type: ignore[no-untyped-def]
    state, _ = feed(on_hands(50, -1))
    data = json.loads(json.dumps(state.to_dict()))
    assert AlertState.from_dict(data) == state
    corrupt(data)
    with pytest.raises(AlertStateError) as info:
        AlertState.from_dict(data)
    assert isinstance(info.value, FatalError)


# --- properties ----------------------------------------------------------------------------

levels_strategy = st.lists(st.tuples(st.integers(-40, 160), st.integers(0, 60)), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(levels_strategy, st.integers(0, 100), st.integers(0, 30), st.data())
def test_episodes_never_repeat_and_alerts_match_their_levels(
    raw: list[tuple[int, int]], rp: int, margin: int, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(raw)))
    resolve_at = max(rp + margin, 1)
    state = AlertState.empty()
    stock_open = stockout_seen = negative_open = False
    for i, (on_hand, reserved) in enumerate(raw):
        if i == cut:  # persisted and restored mid-stream
            state = AlertState.from_dict(json.loads(json.dumps(state.to_dict())))
        lvl = level(on_hand, reserved, t=i, event_id=f"e{i}")
        state, alerts = evaluate_alerts(
            state, level=lvl, reorder_point=rp, resolve_margin=margin, source_event_id=lvl.event_id
        )
        types = [a.alert_type for a in alerts]
        assert len(types) == len(set(types))
        for alert in alerts:
            assert alert.raised_at_ms == i and alert.details["available"] == lvl.available
            assert alert.alert_id == alert_id(lvl.event_id, alert.alert_type)
            if alert.alert_type == AlertType.LOW_STOCK:
                assert not stock_open and 0 < lvl.available < rp
                stock_open = True
            elif alert.alert_type == AlertType.STOCKOUT:
                assert not stockout_seen and lvl.available <= 0
                stock_open = stockout_seen = True
            elif alert.alert_type == AlertType.RESOLVED:
                assert stock_open and lvl.available >= resolve_at
                stock_open = stockout_seen = False
            elif alert.alert_type == AlertType.NEGATIVE_STOCK:
                assert not negative_open and lvl.on_hand < 0
                negative_open = True
        if lvl.on_hand >= 0:
            negative_open = False
        # And nothing is missed: each condition has been alerted in its current episode.
        if lvl.available < rp or lvl.available <= 0:
            assert stock_open
        if lvl.available <= 0:
            assert stockout_seen
        if lvl.available >= resolve_at:
            assert not stock_open
        assert negative_open == (lvl.on_hand < 0)
        assert (state.episode_started_at_ms is not None) == stock_open
