"""Lake rows of the order pipeline: order events and order status history."""

from __future__ import annotations

from typing import Any

import orjson

from supplylake.contracts.orders import OrderEvent as OrderContract
from supplylake.contracts.orders import OrderPlaced
from supplylake.pipelines.orders.lifecycle import OrderEvent, OrderStage, OrderState


def order_event_row(event: OrderContract, parsed: OrderEvent, raw: bytes, now_ms: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_time": event.event_time_ms,
        "order_id": event.order_id,
        "warehouse_id": getattr(event, "warehouse_id", None),
        "payload": raw.decode("utf-8", errors="replace"),
        "ingested_at": now_ms,
    }
    if isinstance(event, OrderPlaced):
        lines = [{"sku": line.sku, "quantity": line.quantity, "unitPrice": line.unit_price} for line in event.lines]
        row.update(
            customer_id=event.customer_id,
            region=event.region,
            promised_delivery=parsed.promised_delivery_ms,
            line_count=len(lines),
            units=sum(line.quantity for line in event.lines),
            order_value=round(sum(line.quantity * line.unit_price for line in event.lines), 2),
            lines=orjson.dumps(lines).decode(),
        )
    return row


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
