"""Inventory pipeline domain logic: per warehouse×SKU stock levels and stock alerts.

Pure functions over plain data, no Kafka and no I/O; the Quix Streams app keyed by
``warehouseId:sku`` keeps :class:`StockState` and :class:`AlertState` as ``to_dict()`` output
in its per-key state.
"""

from supplylake.pipelines.inventory.alerts import (
    Alert,
    AlertConfigError,
    AlertState,
    AlertStateError,
    AlertType,
    alert_id,
    evaluate_alerts,
    resolve_level,
)
from supplylake.pipelines.inventory.stock import (
    DEFAULT_ALLOWED_LATENESS_MS,
    DEFAULT_DEDUPE_HORIZON_MS,
    MAX_DEDUPE_IDS,
    MAX_WINDOW_EVENTS,
    STOCK_EVENT_TYPES,
    InvalidStockEventError,
    InventoryError,
    LevelChange,
    StockConfigError,
    StockEvent,
    StockOutcome,
    StockState,
    StockStateError,
    apply_event,
    effect,
)

__all__ = [
    "DEFAULT_ALLOWED_LATENESS_MS",
    "DEFAULT_DEDUPE_HORIZON_MS",
    "MAX_DEDUPE_IDS",
    "MAX_WINDOW_EVENTS",
    "STOCK_EVENT_TYPES",
    "Alert",
    "AlertConfigError",
    "AlertState",
    "AlertStateError",
    "AlertType",
    "InvalidStockEventError",
    "InventoryError",
    "LevelChange",
    "StockConfigError",
    "StockEvent",
    "StockOutcome",
    "StockState",
    "StockStateError",
    "alert_id",
    "apply_event",
    "effect",
    "evaluate_alerts",
    "resolve_level",
]
