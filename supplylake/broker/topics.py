"""Topic creation with explicit configs.

Tansu does not report ``retention.ms`` in topic configs, and Quix derives its changelog topics'
config from the source topic's, so every topic is created with its retention spelled out.
"""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import KafkaException
from confluent_kafka.admin import NewTopic

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import BrokerError
from supplylake.settings import TopicSettings


def topic_config(topics: TopicSettings) -> dict[str, str]:
    return {"retention.ms": str(topics.retention_ms), "retention.bytes": "-1"}


def ensure_topics(
    connection: BrokerConnection, names: Iterable[str], topics: TopicSettings, timeout_s: float = 15.0
) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    admin = connection.admin()
    existing = set(admin.list_topics(timeout=timeout_s).topics)
    wanted = [name for name in dict.fromkeys(names) if name not in existing]
    if not wanted:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                name,
                num_partitions=topics.partitions,
                replication_factor=topics.replication_factor,
                config=topic_config(topics),
            )
            for name in wanted
        ],
        request_timeout=timeout_s,
    )
    created: list[str] = []
    for name, future in futures.items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" in str(exc):
                continue
            raise BrokerError(
                f"could not create topic {name!r}: {exc}",
                hint="check the broker's ACLs, or create the topic yourself with the same name",
            ) from None
    return created


def all_topics(topics: TopicSettings) -> list[str]:
    """Every topic supplylake reads or writes."""
    return [*topics.source_topics().values(), topics.alerts, topics.dead_letters]
