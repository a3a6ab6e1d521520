"""Lake rows of the demand pipeline: window figures and forecasts."""

from __future__ import annotations

from typing import Any

import orjson

from supplylake.event_time import DAY_MS
from supplylake.lake.tables import DEMAND_DAILY, DEMAND_HOURLY
from supplylake.lake.tables.demand import SALES_STREAM
from supplylake.pipelines.demand.forecast import (
    ForecastPolicy,
    ForecastState,
    adi,
    cv2,
    demand_class,
    error_stats,
    forecast,
    model_for,
    parameters,
)
from supplylake.pipelines.demand.windows import Granularity, Window

WINDOW_TABLE = {Granularity.HOUR: DEMAND_HOURLY.name, Granularity.DAY: DEMAND_DAILY.name}


def window_row(
    *,
    stream: str,
    key: str,
    sku: str,
    region: str | None,
    warehouse_id: str | None,
    granularity: Granularity,
    window: Window,
    now_ms: int,
) -> dict[str, Any]:
    return {
        "stream": stream,
        "key": key,
        "sku": sku,
        "region": region,
        "warehouse_id": warehouse_id,
        "window_start": window.start_ms,
        "window_end": window.start_ms + granularity.width_ms,
        "units": window.units,
        "revenue": round(window.revenue, 6) if stream == SALES_STREAM else None,
        "orders": window.orders,
        "late_units": window.late_units,
        "late_events": window.late_events,
        "is_final": window.final,
        "revision": window.revision,
        "ingested_at": now_ms,
    }


def forecast_rows(
    state: ForecastState, *, warehouse_id: str, sku: str, policy: ForecastPolicy, now_ms: int
) -> list[dict[str, Any]]:
    """The horizon's rows of ``demand_forecast``, as of the end of the state's last day."""
    as_of = (state.last_day + 1) * DAY_MS
    errors = error_stats(state)
    shared = {
        "key": f"{warehouse_id}:{sku}",
        "warehouse_id": warehouse_id,
        "sku": sku,
        "as_of": as_of,
        "model": model_for(state, policy),
        "demand_class": demand_class(state, policy),
        "parameters": orjson.dumps(parameters(state, policy)).decode(),
        "adi": adi(state),
        "cv2": cv2(state),
        "days_observed": state.days,
        "mae": errors.mae,
        "bias": errors.bias,
        "mase": errors.mase,
        "errors_counted": errors.n,
        "ingested_at": now_ms,
    }
    return [
        {**shared, "target_date": as_of + i * DAY_MS, "horizon_day": i + 1, "units": round(units, 6)}
        for i, units in enumerate(forecast(state, policy))
    ]
