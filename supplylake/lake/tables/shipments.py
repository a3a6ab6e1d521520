"""Tables of the shipment pipeline: status events, telemetry readings, and the shipment after each change."""

from __future__ import annotations

from typing import Any

from supplylake.contracts import shipments
from supplylake.contracts.fields import GeoPoint
from supplylake.contracts.shipments import ShipmentCreated, ShipmentTelemetry
from supplylake.lake.tables.columns import BOOLEAN, DOUBLE, INT, LONG, STRING, TIMESTAMP, Column
from supplylake.lake.tables.from_contracts import (
    EVENT_ID,
    EVENT_TIME,
    EVENT_TYPE,
    INGESTED_AT,
    PAYLOAD,
    Computed,
    FromField,
    event_table,
)
from supplylake.lake.tables.spec import define_table

STATUS_EVENTS = tuple(model for model in shipments.MODELS if model is not ShipmentTelemetry)
"""Every shipment event type but telemetry, which has its own table."""


def _position(event: Any) -> GeoPoint | None:
    """Where a status event happened: the origin for shipment.created, else the scan's location."""
    return event.origin if isinstance(event, ShipmentCreated) else event.location


def _lat(event: Any) -> float | None:
    point = _position(event)
    return None if point is None else point.lat


def _lon(event: Any) -> float | None:
    point = _position(event)
    return None if point is None else point.lon


def _temperature_min(event: ShipmentCreated) -> float | None:
    limits = event.effective_temperature_range
    return None if limits is None else limits.min


def _temperature_max(event: ShipmentCreated) -> float | None:
    limits = event.effective_temperature_range
    return None if limits is None else limits.max


SHIPMENT_EVENTS = event_table(
    "shipment_events",
    "Every valid shipment status event as received (shipment.created and the carrier scans up to delivered; "
    "topic shipment-events), once per eventId. Telemetry is in shipment_telemetry.",
    contracts=STATUS_EVENTS,
    sort_by=("shipment_id", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TYPE,
        EVENT_TIME,
        FromField("shipment_id", required=True),
        "order_id",
        "carrier",
        "warehouse_id",
        "category",
        "expected_delivery",
        Computed(
            Column(
                "temperature_min", DOUBLE, "Lowest allowed cargo temperature in °C (explicit, or the PHARMA default 2)."
            ),
            _temperature_min,
            only=(ShipmentCreated,),
        ),
        Computed(
            Column(
                "temperature_max",
                DOUBLE,
                "Highest allowed cargo temperature in °C (explicit, or the PHARMA default 8).",
            ),
            _temperature_max,
            only=(ShipmentCreated,),
        ),
        Computed(
            Column("lat", DOUBLE, "Latitude of the scan (location), or of the origin for shipment.created."), _lat
        ),
        Computed(
            Column("lon", DOUBLE, "Longitude of the scan (location), or of the origin for shipment.created."), _lon
        ),
        "note",
        PAYLOAD,
        INGESTED_AT,
    ),
    omit={
        "temperature_range": "stored as the effective range, temperature_min and temperature_max",
        "origin": "stored as lat and lon of shipment.created",
        "location": "stored as lat and lon",
        "destination": "not stored in the lake yet",
        "planned_route": "kept in the pipeline's state for route deviation; not stored in the lake yet",
    },
)

SHIPMENT_TELEMETRY = event_table(
    "shipment_telemetry",
    "Every valid shipment.telemetry reading (position, temperature, humidity), once per eventId, with what the "
    "pipeline made of it (in range, distance to the planned route).",
    contracts=(ShipmentTelemetry,),
    sort_by=("shipment_id", "event_time"),
    columns=(
        EVENT_ID,
        EVENT_TIME,
        FromField("shipment_id", required=True),
        FromField("lat", required=True),
        FromField("lon", required=True),
        "temperature",
        "humidity",
        Column(
            "temperature_in_range",
            BOOLEAN,
            "False when outside the shipment's allowed range; null when there is no range (yet) or no temperature.",
        ),
        Column(
            "route_distance_km",
            DOUBLE,
            "Great-circle distance to the planned route in km; null without a planned route (yet) or for readings "
            "older than the last one.",
        ),
        PAYLOAD,
        INGESTED_AT,
    ),
    omit={
        "event_type": "always shipment.telemetry",
        "order_id": "readings are joined to orders through shipment_events",
    },
)

SHIPMENT_STATUS = define_table(
    "shipment_status",
    "Shipment state after each change (status, SLA, ETA, position, cold chain, route), one row per cause: a status "
    "event, a reading that changed something, or a deadline firing. shipment_current is the latest row per shipment.",
    time_column="event_time",
    key=("shipment_id", "cause_id"),
    sort_by=("shipment_id", "revision"),
    columns=(
        Column("shipment_id", STRING, "Shipment.", True),
        Column("order_id", STRING, "Order the shipment delivers."),
        Column("carrier", STRING, "Carrier."),
        Column("category", STRING, "Cargo category (GENERAL, PHARMA, FROZEN, FRESH)."),
        Column(
            "status",
            STRING,
            "created, picked_up, in_transit, out_for_delivery, delivery_attempted or delivered: the status event "
            "with the latest event time (delivered is terminal).",
        ),
        Column("status_time", TIMESTAMP, "Event time of that status, UTC."),
        Column(
            "sla_state", STRING, "ON_TRACK, AT_RISK, LATE, DELIVERED_ON_TIME or DELIVERED_LATE, judged on event time."
        ),
        Column("expected_delivery", TIMESTAMP, "Carrier's expected delivery, UTC."),
        Column(
            "eta",
            TIMESTAMP,
            "Estimated delivery: from progress along the planned route, else the expected delivery (or the "
            "shipment's clock once overdue), UTC.",
        ),
        Column("delivered_at", TIMESTAMP, "Earliest delivered event time, UTC."),
        Column("late_by_ms", LONG, "delivered_at - expected_delivery in ms once delivered (negative = early)."),
        Column("last_lat", DOUBLE, "Last known latitude (scan or telemetry, by event time)."),
        Column("last_lon", DOUBLE, "Last known longitude."),
        Column("position_at", TIMESTAMP, "Event time of the last known position, UTC."),
        Column("last_scan_at", TIMESTAMP, "Event time of the last carrier scan (picked up … delivery attempted), UTC."),
        Column(
            "dwell_ms",
            STRING,
            "Time spent per status up to delivery, JSON text {status: ms} (the current status's open dwell is "
            "not included).",
        ),
        Column(
            "temperature_breach",
            BOOLEAN,
            "True while a cold-chain breach is open (TEMPERATURE_BREACH raised, not recovered).",
        ),
        Column("off_route", BOOLEAN, "True while the shipment is farther than the threshold from its planned route."),
        Column(
            "cause", STRING, "What produced this row: an event type, or deadline:<KIND> when a deadline fired.", True
        ),
        Column(
            "cause_id", STRING, "The causing event's eventId, or the deadline firing's id (<timer id>@<due ms>).", True
        ),
        Column("event_time", TIMESTAMP, "Event time of the cause (the event's time, or the deadline), UTC.", True),
        Column(
            "revision",
            LONG,
            "Per-shipment counter of rows within one broker epoch (orders rows with equal ingested_at).",
            True,
        ),
        Column("ingested_at", TIMESTAMP, "When the pipeline wrote this row, UTC; orders rows across broker epochs."),
        # Added later: an existing table gets them as optional columns at its end.
        Column(
            "late_risk",
            DOUBLE,
            "The late-delivery risk model's score (0-1) of the shipment at this row; null: no model yet, or not in "
            "transit before its expected delivery (docs/shipments.md, Late-delivery risk).",
        ),
        Column("risk_model", STRING, "model_version (shipment_risk_models) of the model that gave late_risk."),
    ),
)

SHIPMENT_RISK_MODELS = define_table(
    "shipment_risk_models",
    "One row per late-delivery risk model `supplylake train` fitted on the lake's shipment history: its "
    "parameters (applied as plain numbers, pipelines/shipments/risk.py) and how it did on held-out history next "
    "to the rule-based AT_RISK SLA state (docs/shipments.md, Late-delivery risk). The latest row is the model in use.",
    time_column="trained_at",
    key=("model_version",),
    sort_by=("trained_at",),
    columns=(
        Column("model_version", STRING, "late-delivery-<trained at, UTC, to the millisecond>.", True),
        Column("trained_at", TIMESTAMP, "When the training ran, UTC.", True),
        Column("model", STRING, "The estimator (logistic_regression)."),
        Column("feature_version", INT, "Version of the features it was trained on (risk.FEATURE_VERSION)."),
        Column(
            "parameters",
            STRING,
            "JSON: intercept, threshold and one weight per feature name (standardisation folded in).",
        ),
        Column("threshold", DOUBLE, "Score at or above which a shipment is at risk (best F1 on the training part)."),
        Column("data_until", TIMESTAMP, "Latest event time of the history it saw, UTC."),
        Column("holdout_from", TIMESTAMP, "Shipments created from then on were held out of the fit, UTC."),
        Column("train_moments", LONG, "In-transit moments (shipment_status rows before the due time) fitted on."),
        Column("holdout_moments", LONG, "Held-out moments it was evaluated on."),
        Column("holdout_late_share", DOUBLE, "Share of held-out moments whose shipment was delivered late."),
        Column("model_precision", DOUBLE, "Held out: late among the moments the model flagged."),
        Column("model_recall", DOUBLE, "Held out: moments of late shipments the model flagged."),
        Column("model_f1", DOUBLE, "Held out: harmonic mean of the two."),
        Column("rule_precision", DOUBLE, "Held out: late among the moments whose SLA state was AT_RISK."),
        Column("rule_recall", DOUBLE, "Held out: moments of late shipments whose SLA state was AT_RISK."),
        Column("rule_f1", DOUBLE, "Held out: harmonic mean of the two."),
    ),
)
