"""Recording what the file intake rejected: in the `dead_letters` table and on the DLQ topic.

Rejected lines never reach a source topic, so no pipeline sees them; they are written here,
attributed to the file (``file:<name>``, partition 0, offset = line number) under the current
broker epoch, through the same exactly-once writer the pipelines use.
"""

from __future__ import annotations

from typing import Any

from confluent_kafka import Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.dead_letters import dlq_headers
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import DEAD_LETTERS, SRC_CLUSTER, SRC_OFFSET, SRC_PARTITION, SRC_TOPIC
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.settings import Settings


def record_rejects(settings: Settings, connection: BrokerConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    producer = Producer(connection.config(log_level=3))
    offsets: dict[tuple[str, int], int] = {}
    for row in rows:
        raw = row["raw_value"].encode() if row["raw_encoding"] == "utf-8" else None
        producer.produce(settings.topics.dead_letters, value=raw, headers=dlq_headers(row))
        tp = (row["source_topic"], row["source_partition"])
        offsets[tp] = max(offsets.get(tp, -1), row["source_offset"])
        row[SRC_CLUSTER] = connection.cluster_id
        row[SRC_TOPIC], row[SRC_PARTITION], row[SRC_OFFSET] = tp[0], tp[1], row["source_offset"]
    producer.flush(30)
    writer = ExactlyOnceWriter(
        catalog_for(settings), DEAD_LETTERS, cluster_id=connection.cluster_id, namespace=settings.catalog.namespace
    )
    writer.commit(rows, offsets, max_event_time_ms=None)
