"""Order lifecycle pipeline logic (keyed by orderId): stages, promised vs actual delivery, sequence anomalies."""

from supplylake.pipelines.orders.lifecycle import (
    DEFAULT_ALLOWED_SKEW_MS,
    AnomalyKind,
    OrderEvent,
    OrderOutcome,
    OrderStage,
    OrderState,
    apply_order_event,
)

__all__ = [
    "DEFAULT_ALLOWED_SKEW_MS",
    "AnomalyKind",
    "OrderEvent",
    "OrderOutcome",
    "OrderStage",
    "OrderState",
    "apply_order_event",
]
