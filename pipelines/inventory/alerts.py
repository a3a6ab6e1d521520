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

Alert ids are uuid5 of the source event id and the alert type
(:func:`supplylake.contracts.alerts.alert_id`), so replaying the same events from the same
state yields the same ids and downstream consumers can dedupe.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar

from supplylake.contracts import alerts as alert_types
from supplylake.contracts.alerts import ALERT_ID_NAMESPACE, alert_id
from supplylake.pipelines.inventory.stock import InventoryError, LevelChange
from supplylake.pipelines.state_codec import StoredState

ALERT_STATE_VERSION = 1
"""Format version of the stored alert state (unchanged by the derived codec: same fields)."""
ENTITY_TYPE_STOCK = alert_types.ENTITY_STOCK

__all__ = [
    "ALERT_ID_NAMESPACE",
    "ENTITY_TYPE_STOCK",
    "Alert",
    "AlertConfigError",
    "AlertState",
    "AlertStateError",
    "AlertType",
    "alert_id",
    "evaluate_alerts",
    "resolve_level",
]


class AlertType(StrEnum):
    """The stock alerts (values from :mod:`~supplylake.contracts.alerts`)."""

    LOW_STOCK = alert_types.LOW_STOCK
    STOCKOUT = alert_types.STOCKOUT
    RESOLVED = alert_types.RESOLVED
    NEGATIVE_STOCK = alert_types.NEGATIVE_STOCK


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
class AlertState(StoredState):
    """Open episodes of one key. An episode is open while its start time is not None."""

    episode_started_at_ms: int | None = None
    episode_alert_id: str | None = None
    stockout_raised: bool = False
    negative_started_at_ms: int | None = None
    negative_alert_id: str | None = None

    state_version: ClassVar[int] = ALERT_STATE_VERSION
    state_error: ClassVar[type[InventoryError]] = AlertStateError

    @classmethod
    def empty(cls) -> AlertState:
        return cls()


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
