"""Live mode: a deadline fires on the wall clock, with no further record for its partition.

The shipment pipeline runs with wall-clock ticks. A shipment is created *now* with an expected
delivery a few seconds ahead and nothing else ever arrives: the ticker's control records move
the partition clock past the deadline, and DELIVERY_DELAYED reaches the lake.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.lake.catalog import catalog_for
from supplylake.orchestration.supervisor import PipelineProcess
from supplylake.query import LakeReader, run_query
from supplylake.settings import load_settings
from tests.support.processes import wait_for
from tests.support.shipment_stream import ROUTE

pytestmark = pytest.mark.integration


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_wall_clock_ticks_fire_a_deadline_on_an_idle_partition(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    with EmbeddedBroker(data_dir) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")},
            "SUPPLYLAKE_KAFKA_BROKERS": broker.bootstrap,
            "SUPPLYLAKE_DATA_DIR": str(data_dir),
            "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
            "SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S": "1",
            "SUPPLYLAKE_SHIPMENTS__TICK_HOLDBACK_S": "0",
            "SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S": "0",
        }
        pipeline = PipelineProcess("shipments", env, data_dir / "logs" / "pipeline-shipments.log")
        pipeline.start()
        try:
            now = datetime.now(UTC)
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the wire carries ms
            expected = now + timedelta(seconds=4)
            created = {
                "eventId": "live-1",
                "eventType": "shipment.created",
                "timestamp": iso(now),
                "shipmentId": "SHP-LIVE-1",
                "orderId": "ORD-LIVE-1",
                "carrier": "UPS",
                "warehouseId": "WH-Dallas-01",
                "expectedDelivery": iso(expected),
                "category": "GENERAL",
                "origin": ROUTE[0],
                "destination": ROUTE[-1],
            }
            producer = Producer(connection.config())
            producer.produce(settings.topics.shipments, value=json.dumps(created).encode(), key=b"SHP-LIVE-1")
            assert producer.flush(10) == 0
            reader = LakeReader(catalog_for(settings))

            def delay_alert() -> list[tuple]:
                if pipeline.process is not None and pipeline.process.poll() is not None:
                    raise AssertionError(f"pipeline exited: {pipeline.log_path.read_text()[-2000:]}")
                if not catalog_for(settings).table_exists(("supplylake", "alerts")):
                    return []
                return run_query(
                    reader, "SELECT epoch_ms(raised_at), details FROM alerts WHERE alert_type = 'DELIVERY_DELAYED'"
                ).rows

            rows = wait_for(delay_alert, timeout_s=60, interval_s=0.5, what="DELIVERY_DELAYED from a tick")
            noticed = time.time() * 1000
        finally:
            pipeline.stop()
    ((raised_at, details),) = rows
    deadline = (expected - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    assert raised_at == deadline
    detected = json.loads(details)["detected_at_ms"]
    # The partition clock that fired it stood at or past the deadline, while the event's own
    # watermark was 10 minutes (the allowed lateness) behind it: only a tick can have moved it.
    assert deadline <= detected <= noticed
