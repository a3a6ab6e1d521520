"""Stock alerts per warehouse×SKU with episodes and hysteresis.

Evaluated on a key's current level after every applied event. Two independent episodes:

* stock episode — opens when available drops below the reorder point: ``LOW_STOCK`` if
  ``0 < available < reorder_point``, ``STOCKOUT`` if ``available <= 0``. While it is open, the
  first drop to ``available <= 0`` raises ``STOCKOUT`` (once); bouncing between low and out
  raises nothing more. ``RESOLVED`` closes it once ``available >= reorder_point +
  resolve_margin`` (at least 1, so a stock-out at 0 cannot resolve at 0 and flap). Between the
  reorder point and the resolve level nothing changes: that gap is the hysteresis.
* negative episode — ``NEGATIVE_STOCK`` once when ``on_hand < 0`` (more shipped than held: a
  data problem); it ends silently when ``on_hand >= 0`` again.

Alert ids are uuid5 of the source event id and the alert type, so replaying the same events
from the same state yields the same ids and downstream consumers can dedupe.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from supplylake.pipelines.inventory.stock import InventoryError, LevelChange

ALERT_STATE_VERSION = 1
ENTITY_TYPE_STOCK = "stock"
# Fixed forever: changing it changes every alert id and breaks dedupe across versions.
ALERT_ID_NAMESPACE = uuid.UUID("5b0c8f3e-6a7d-5e0f-9c1a-2d4b6e8f0a13")


class AlertType(StrEnum):
    LOW_STOCK = "LOW_STOCK"
    STOCKOUT = "STOCKOUT"
    RESOLVED = "RESOLVED"
    NEGATIVE_STOCK = "NEGATIVE_STOCK"


class AlertConfigError(InventoryError):
    """Alert thresholds that cannot work."""


class AlertStateError(InventoryError):
    """A stored alert state cannot be read back."""


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    alert_type: str
    entity_type: str
    entity_id: str
    warehouse_id: str
    sku: str
    raised_at_ms: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AlertState:
    """Open episodes of one key. An episode is open while its start time is not None."""

    episode_started_at_ms: int | None = None
    episode_alert_id: str | None = None
    stockout_raised: bool = False
    negative_started_at_ms: int | None = None
    negative_alert_id: str | None = None

    @classmethod
    def empty(cls) -> AlertState:
        return cls()

    def to_dict(self) -> dict[str, Any]:
        return {"v": ALERT_STATE_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertState:
        if data.get("v") != ALERT_STATE_VERSION:
            raise AlertStateError(
                f"alert state version {data.get('v')!r} is not {ALERT_STATE_VERSION}",
                hint="the state was written by another supplylake version; reset it",
            )
        try:
            state = cls(
                episode_started_at_ms=_opt_int(data["episode_started_at_ms"]),
                episode_alert_id=_opt_str(data["episode_alert_id"]),
                stockout_raised=_bool(data["stockout_raised"]),
                negative_started_at_ms=_opt_int(data["negative_started_at_ms"]),
                negative_alert_id=_opt_str(data["negative_alert_id"]),
            )
        except (KeyError, TypeError) as exc:
            raise AlertStateError(f"stored alert state is malformed: {exc!r}") from exc
        return state


def alert_id(source_event_id: str, alert_type: str) -> str:
    """Deterministic id of the ``alert_type`` alert that ``source_event_id`` raised."""
    return str(uuid.uuid5(ALERT_ID_NAMESPACE, f"{source_event_id}\x1f{alert_type}"))


def resolve_level(reorder_point: int, resolve_margin: int) -> int:
    """The available quantity at or above which a stock episode resolves."""
    return max(reorder_point + resolve_margin, 1)


def evaluate_alerts(
    alert_state: AlertState,
    *,
    level: LevelChange,
    reorder_point: int,
    resolve_margin: int,
    source_event_id: str,
) -> tuple[AlertState, tuple[Alert, ...]]:
    """New alert state and the alerts ``level`` raises; never mutates the input.

    At most two alerts: one for the stock episode, then NEGATIVE_STOCK. ``source_event_id`` is
    the event just applied (it may differ from ``level.event_id`` after an out-of-order insert)
    and makes the alert ids deterministic.
    """
    if reorder_point < 0 or resolve_margin < 0:
        raise AlertConfigError(f"reorder point ({reorder_point}) and resolve margin ({resolve_margin}) must be >= 0")
    available = level.available
    resolve_at = resolve_level(reorder_point, resolve_margin)
    state = alert_state
    raised: list[Alert] = []

    def raise_alert(alert_type: AlertType, started_at_ms: int | None, **extra: Any) -> Alert:
        details: dict[str, Any] = {
            "available": available,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "reorder_point": reorder_point,
            "resolve_at": resolve_at,
            "episode_started_at_ms": started_at_ms,
            "level_event_id": level.event_id,
            "source_event_id": source_event_id,
            "is_late": level.is_late,
            **extra,
        }
        alert = Alert(
            alert_id=alert_id(source_event_id, alert_type),
            alert_type=alert_type.value,
            entity_type=ENTITY_TYPE_STOCK,
            entity_id=f"{level.warehouse_id}:{level.sku}",
            warehouse_id=level.warehouse_id,
            sku=level.sku,
            raised_at_ms=level.event_time_ms,
            details=details,
        )
        raised.append(alert)
        return alert

    if state.episode_started_at_ms is None:
        if available < reorder_point or available <= 0:
            opening = AlertType.STOCKOUT if available <= 0 else AlertType.LOW_STOCK
            alert = raise_alert(opening, level.event_time_ms)
            state = replace(
                state,
                episode_started_at_ms=level.event_time_ms,
                episode_alert_id=alert.alert_id,
                stockout_raised=opening is AlertType.STOCKOUT,
            )
    elif available >= resolve_at:
        raise_alert(
            AlertType.RESOLVED,
            state.episode_started_at_ms,
            episode_alert_id=state.episode_alert_id,
            # A late level carries an older event time than the episode start: never negative.
            episode_duration_ms=max(0, level.event_time_ms - state.episode_started_at_ms),
        )
        state = replace(state, episode_started_at_ms=None, episode_alert_id=None, stockout_raised=False)
    elif available <= 0 and not state.stockout_raised:
        raise_alert(AlertType.STOCKOUT, state.episode_started_at_ms, episode_alert_id=state.episode_alert_id)
        state = replace(state, stockout_raised=True)

    if level.on_hand < 0 and state.negative_started_at_ms is None:
        alert = raise_alert(AlertType.NEGATIVE_STOCK, level.event_time_ms)
        state = replace(state, negative_started_at_ms=level.event_time_ms, negative_alert_id=alert.alert_id)
    elif level.on_hand >= 0 and state.negative_started_at_ms is not None:
        state = replace(state, negative_started_at_ms=None, negative_alert_id=None)

    return state, tuple(raised)


def _opt_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int or null, got {value!r}")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected a string or null, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a bool, got {value!r}")
    return value
