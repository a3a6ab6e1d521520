"""Where a log ends, on the embedded broker that under-reports it after a multi-record batch."""

from __future__ import annotations

from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

from supplylake.broker import BrokerConnection, EmbeddedBroker
from supplylake.broker.log_end import log_ends
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.settings import load_settings


def test_the_end_of_a_multi_record_batch_is_read_not_trusted(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with EmbeddedBroker(tmp_path) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        producer = Producer(connection.config(**{"linger.ms": 200}))
        for batch in (5, 3):  # two batches: offsets 0-4, then 5-7
            for i in range(batch):
                producer.produce("alerts", value=b"x%d" % i, partition=0)
            producer.flush(10)
        consumer = Consumer(connection.config(**{"group.id": "t", "log_level": 3}))
        try:
            _, reported = consumer.get_watermark_offsets(TopicPartition("alerts", 0), timeout=10)
        finally:
            consumer.close()
        ends = log_ends(connection.config(), [("alerts", 0), ("alerts", 1)])
    assert reported < 8  # what the broker says (if this fails, Tansu got fixed: the workaround can go)
    assert ends[("alerts", 0)] == (0, 8)
    assert ends[("alerts", 1)] == (0, 0)
