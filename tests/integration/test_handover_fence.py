"""The zombie fence (pipelines/runtime.py handover_fence) against a real broker: a checkpoint
whose partition another member of the group has committed past is stopped before Quix would
produce its stale changelog; one that began where the group's commit stands goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import PartitionsHandedOver, build_application, handover_fence
from supplylake.pipelines.spec import consumer_group
from supplylake.settings import load_settings

pytestmark = pytest.mark.integration


def test_a_checkpoint_overtaken_by_another_member_is_fenced(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    topic = settings.topics.inventory
    with EmbeddedBroker(tmp_path) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        app = build_application("fenced", settings, connection, RunMode.LIVE)
        fence = handover_fence(app)

        # The new owner of partition 0 committed offset 42 (next to read) for the group.
        other = Consumer(connection.config(**{"group.id": consumer_group(settings, "fenced"), "log_level": 3}))
        try:
            other.commit(offsets=[TopicPartition(topic, 0, 42)], asynchronous=False)
        finally:
            other.close()

        fence({(topic, 0): 42})  # this checkpoint began where the group stands: it goes on
        fence({})  # a checkpoint that processed nothing has nothing to fence
        with pytest.raises(PartitionsHandedOver, match=rf"{topic}\[0\] committed at 42.*began at 10"):
            fence({(topic, 0): 10})  # began at 10, someone committed past it: a zombie
