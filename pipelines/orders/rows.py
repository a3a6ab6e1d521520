"""Lake rows of the order pipeline: order events and order status history."""

from __future__ import annotations

from typing import Any

from supplylake.contracts.orders import OrderEvent as OrderContract
from supplylake.lake.tables import ORDER_EVENTS, payload_text
from supplylake.pipelines.orders.lifecycle import OrderEvent, OrderStage, OrderState


def order_event_row(event: OrderContract, raw: bytes, now_ms: int) -> dict[str, Any]:
    """An ``order_events`` row: the columns derived from the contract plus the payload and ingest time."""
    return ORDER_EVENTS.row(event, payload=payload_text(raw), ingested_at=now_ms)


def order_status_row(state: OrderState, event: OrderEvent, *, revision: int, now_ms: int) -> dict[str, Any]:
    times = state.stage_times
    return {
        "order_id": state.order_id,
        "stage": None if state.stage is None else state.stage.value,
        "stage_time": state.stage_time_ms,
        "customer_id": state.customer_id,
        "region": state.region,
        "warehouse_id": state.warehouse_id,
        "shipment_id": state.shipment_id,
        "shipment_ids": ",".join(state.shipment_ids) or None,
        "promised_delivery": state.promised_delivery_ms,
        "placed_at": times.get(OrderStage.PLACED.value),
        "picking_started_at": times.get(OrderStage.PICKING_STARTED.value),
        "picking_completed_at": times.get(OrderStage.PICKING_COMPLETED.value),
        "shipped_at": times.get(OrderStage.SHIPMENT_CREATED.value),
        "picked_up_at": times.get(OrderStage.PICKED_UP.value),
        "out_for_delivery_at": times.get(OrderStage.OUT_FOR_DELIVERY.value),
        "delivered_at": state.delivered_at_ms,
        "delivery_delta_ms": state.delivery_delta_ms,
        "is_late": None if state.delivery_delta_ms is None else state.delivery_delta_ms > 0,
        "anomalies": state.anomalies,
        "anomaly_stages": ",".join(state.anomaly_stages) or None,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_time": event.event_time_ms,
        "revision": revision,
        "ingested_at": now_ms,
    }
