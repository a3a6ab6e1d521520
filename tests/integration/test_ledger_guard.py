"""The lake refuses to resume when its ledger is ahead of the broker's log (same cluster id)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from confluent_kafka import Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.ingest.replay import replay_file
from supplylake.orchestration.progress import wait_until_committed
from supplylake.orchestration.supervisor import PipelineProcess
from supplylake.pipelines.ledger_guard import confirmed_log_ends
from supplylake.settings import load_settings
from tests.support.inventory_stream import write_inventory_file
from tests.support.processes import wait_for

pytestmark = pytest.mark.integration


def pipeline_for(broker: EmbeddedBroker, data_dir: Path) -> PipelineProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")},
        "SUPPLYLAKE_KAFKA_BROKERS": broker.bootstrap,
        "SUPPLYLAKE_DATA_DIR": str(data_dir),
        "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
    }
    return PipelineProcess("inventory", env, data_dir / "logs" / "pipeline-inventory.log")


def test_recreated_log_under_the_same_cluster_id_fails_closed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    first = write_inventory_file(tmp_path / "first.jsonl", 400, seed=5)
    broker = EmbeddedBroker(data_dir)
    broker.cluster_id = "fixed-cluster"  # what a real Kafka keeps across a topic recreation
    with broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        produced = replay_file(first, connection, settings.topics)
        pipeline = pipeline_for(broker, data_dir)
        pipeline.start()
        try:
            wait_until_committed(
                connection, {settings.topics.inventory: "supplylake-inventory"}, produced.end_offsets, timeout_s=120
            )
        finally:
            pipeline.stop()

    broker = EmbeddedBroker(data_dir)
    broker.cluster_id = "fixed-cluster"
    with broker:  # same id, empty log: offsets restart at 0
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        replay_file(write_inventory_file(tmp_path / "second.jsonl", 20, seed=6), connection, settings.topics)
        pipeline = pipeline_for(broker, data_dir)
        pipeline.start()
        try:
            code = wait_for(lambda: pipeline.process.poll(), timeout_s=60, what="the pipeline to refuse")
        finally:
            pipeline.stop()
    log = pipeline.log_path.read_text()
    assert code == 1
    assert "already holds offsets the broker (cluster fixed-cluster) does not have" in log
    assert "Hint:" in log


def test_an_underreported_watermark_is_confirmed_by_reading(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with EmbeddedBroker(tmp_path) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        producer = Producer(connection.config(**{"linger.ms": 200}))
        for i in range(3):  # one batch of three records
            producer.produce("alerts", value=b"x%d" % i, partition=0)
        producer.flush(10)
        ends = confirmed_log_ends(connection, {("alerts", 0): 2, ("alerts", 1): 0})
    assert ends[("alerts", 0)] == 3  # the record at offset 2 was read, whatever the watermark said
    assert ends[("alerts", 1)] == 0  # an empty partition really is empty
