"""What every pipeline does with a rejected record and with its results.

A rejected record becomes a dead-letter row (lake) and a DLQ record (topic, Kafka Connect
headers); results go to the lake sink, alerts also to the alerts topic. Keeping this in one
place keeps the DLQ contract the same for every pipeline.
"""

from __future__ import annotations

from typing import Any

import orjson
from quixstreams.models.topics import Topic

from supplylake.dead_letters import dead_letter_row, dlq_headers
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables import DEAD_LETTERS


class WrongTopic(Exception):
    """A valid event of another family on this pipeline's topic."""

    code = "wrong_topic"

    def __init__(self, event_type: str, topic: str, family: str) -> None:
        self.event_type = event_type
        self.reason = f"event type {event_type!r} is not {family} event and does not belong on {topic!r}"
        super().__init__(self.reason)


class WrongKey(Exception):
    """A valid event whose message key is not the key its pipeline keeps state by."""

    code = "wrong_key"

    def __init__(
        self, key: bytes | None, expected: str, *, rule: str = "producers must key inventory events warehouseId:sku"
    ) -> None:
        self.event_type = None
        shown = "no key" if key is None else repr(key.decode("utf-8", errors="replace"))
        self.reason = f"message key is {shown}, expected {expected!r} ({rule})"
        super().__init__(self.reason)


def rejected(
    *,
    cluster_id: str,
    raw: bytes,
    key: bytes | None,
    error: Exception,
    topic: str,
    partition: int,
    offset: int,
    now_ms: int,
) -> LakeRows:
    """The LakeRows of a record that cannot be accepted (error: InvalidEvent or WrongTopic)."""
    row = dead_letter_row(
        cluster_id=cluster_id,
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        source_key=key,
        raw=raw,
        reason=getattr(error, "reason", str(error)),
        error_code=getattr(error, "code", type(error).__name__),
        event_type=getattr(error, "event_type", None),
        failed_at_ms=now_ms,
    )
    rows = LakeRows(counters={"dead_letters": 1}, dead_letter=row, raw=raw)
    rows.add(DEAD_LETTERS.name, row)
    return rows


def alert_row(alert: Any) -> dict[str, Any]:
    """An ``alerts`` row (also the value published to the alerts topic), for any pipeline's alert.

    Stock alerts name a warehouse and SKU; shipment and order alerts have none.
    """
    return {
        "alert_id": alert.alert_id,
        "alert_type": alert.alert_type,
        "entity_type": alert.entity_type,
        "entity_id": alert.entity_id,
        "warehouse_id": getattr(alert, "warehouse_id", None),
        "sku": getattr(alert, "sku", None),
        "raised_at": alert.raised_at_ms,
        "details": orjson.dumps(dict(alert.details)).decode(),
    }


def publish_dead_letters(sdf: Any, dlq_topic: Topic) -> None:
    """Send the raw bytes of rejected records to the DLQ topic with their error headers."""
    bad = sdf.filter(lambda rows: rows.dead_letter is not None)
    bad = bad.set_headers(lambda rows, key, ts, headers: dlq_headers(rows.dead_letter))
    bad.apply(lambda rows: rows.raw).to_topic(dlq_topic)


def publish_alerts(sdf: Any, alerts_topic: Topic) -> None:
    """One alerts-topic record per alert row, keyed by the entity it is about."""
    sdf.apply(lambda rows: rows.alerts, expand=True).to_topic(alerts_topic, key=lambda row: row["entity_id"])


def route(sdf: Any, *, sink: LakeSink, alerts_topic: Topic, dlq_topic: Topic) -> None:
    """The usual ending of a pipeline: alerts and dead letters to their topics, all to the lake."""
    publish_alerts(sdf, alerts_topic)
    publish_dead_letters(sdf, dlq_topic)
    sdf.sink(sink)
