"""A deadline survives kill -9 of the shipment pipeline and still fires exactly once.

One broker life, the shipment pipeline alone:
1. a shipment is created and goes in transit; the pipeline commits (the deadline is registered
   in the partition's timer state) and is killed with SIGKILL before the deadline passes;
2. a later event on the same partition moves event time past the deadline. A pipeline with a
   long commit interval fires the deadline (the alert is on the alerts topic) and is killed
   before it can commit: the firing is lost with its uncommitted state and lake rows;
3. a restarted pipeline recovers the state, replays the record, fires again and commits.
The lake holds the delay alert once, and every copy on the alerts topic has the same id.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.ingest.replay import replay_file
from supplylake.lake.catalog import catalog_for
from supplylake.orchestration.progress import committed_offsets, wait_until_committed
from supplylake.orchestration.supervisor import PipelineProcess
from supplylake.query import LakeReader, run_query
from supplylake.settings import load_settings
from tests.support.processes import wait_for
from tests.support.shipment_stream import Stream, ms

pytestmark = pytest.mark.integration

SHIPMENT = "SHP-RESTART-1"
DEADLINE_MS = ms(240 + 30)  # expectedDelivery + the default 30 min grace


def alerts_on_topic(connection: BrokerConnection, topic: str) -> list[dict]:
    consumer = Consumer(connection.config(**{"group.id": "test-alerts", "enable.auto.commit": False, "log_level": 3}))
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in metadata.partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p in metadata.partitions])
        found: list[dict] = []
        remaining = {p for p, end in ends.items() if end > 0}
        while remaining:
            message = consumer.poll(5)
            assert message is not None, "alerts topic ended early"
            if message.error():
                continue
            found.append(json.loads(message.value()))
            if message.offset() >= ends[message.partition()] - 1:
                remaining.discard(message.partition())
        return [a for a in found if a["entity_id"] == SHIPMENT]
    finally:
        consumer.close()


def test_a_registered_deadline_fires_once_across_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    topic = settings.topics.shipments
    group = f"{settings.kafka.consumer_group_prefix}-shipments"
    first = Stream()
    first.created(SHIPMENT, "ORD-9", 0, expected_minutes=240)
    first.scan("carrier.picked_up", SHIPMENT, "ORD-9", 30)
    first.scan("in.transit", SHIPMENT, "ORD-9", 60)

    with EmbeddedBroker(data_dir) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")},
            "SUPPLYLAKE_KAFKA_BROKERS": broker.bootstrap,
            "SUPPLYLAKE_DATA_DIR": str(data_dir),
            "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
            "SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S": "0",
        }
        log = data_dir / "logs" / "pipeline-shipments.log"
        pipeline = PipelineProcess("shipments", env, log)
        try:
            # 1. Registration, committed; then SIGKILL.
            produced = replay_file(first.write(tmp_path / "first.jsonl"), connection, settings.topics)
            (partition,) = [p for t, p in produced.end_offsets if t == topic]
            pipeline.start()
            wait_until_committed(connection, {topic: group}, produced.end_offsets, timeout_s=60)
            pipeline.kill()

            # 2. Event time passes the deadline (another shipment, same partition); the firing
            # happens in a pipeline that cannot commit before it is killed.
            later = Stream()
            later.event("shipment.telemetry", 240 + 30 + 20, shipmentId="SHP-OTHER-1", lat=33.0, lon=-97.0)
            producer = Producer(connection.config())
            offsets: list[int] = []
            producer.produce(
                topic,
                value=json.dumps(later.lines[0]).encode(),
                key=b"SHP-OTHER-1",
                partition=partition,
                on_delivery=lambda err, msg: offsets.append(msg.offset()),
            )
            assert producer.flush(10) == 0
            (firing_offset,) = offsets
            slow = PipelineProcess("shipments", {**env, "SUPPLYLAKE_LAKE__COMMIT_INTERVAL_S": "120"}, log)
            slow.start()
            try:
                wait_for(
                    lambda: alerts_on_topic(connection, settings.topics.alerts),
                    timeout_s=60,
                    what="the delay alert on the alerts topic",
                )
                (committed,) = committed_offsets(connection, group, [(topic, partition)]).values()
                assert committed <= firing_offset  # the firing is not committed yet
            finally:
                slow.kill()

            # 3. Restart: recover, replay, fire again, commit.
            pipeline.start()
            wait_until_committed(connection, {topic: group}, {(topic, partition): firing_offset}, timeout_s=60)
            on_topic = alerts_on_topic(connection, settings.topics.alerts)
        finally:
            pipeline.stop()

    delays = [a for a in on_topic if a["alert_type"] == "DELIVERY_DELAYED"]
    assert len(delays) >= 2 and len({a["alert_id"] for a in delays}) == 1  # replayed, same id
    reader = LakeReader(catalog_for(settings))
    rows = run_query(
        reader,
        f"""
        SELECT alert_id, epoch_ms(raised_at) FROM alerts
        WHERE entity_id = '{SHIPMENT}' AND alert_type = 'DELIVERY_DELAYED'""",
    ).rows
    assert rows == [(delays[0]["alert_id"], DEADLINE_MS)]
    fired = run_query(
        reader,
        f"""
        SELECT count(*) FROM shipment_status
        WHERE shipment_id = '{SHIPMENT}' AND cause = 'deadline:DELIVERY_DELAYED'""",
    )
    assert fired.rows == [(1,)]
