"""Building Quix Streams applications the way every supplylake pipeline needs them.

- at-least-once processing: the lake sink is idempotent by its offset ledger, derived records
  carry deterministic ids, and Quix's changelog recovery skips state updates beyond the
  committed offsets. Kafka transactions are not relied on because the embedded Tansu broker
  does not filter aborted transactions (see docs/architecture.md).
- topics declared with explicit configs: Tansu does not report ``retention.ms``, which Quix
  needs to derive its changelog topics.
- state lives under ``<data_dir>/state/<cluster_id>/``: a new broker epoch starts with fresh
  local state (its changelog topics are gone with the old broker) and re-seeds from the lake.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from confluent_kafka import TopicPartition
from quixstreams import Application
from quixstreams.kafka.configuration import ConnectionConfig
from quixstreams.models.topics import Topic, TopicConfig

from supplylake.broker.connection import BrokerConnection, broker_replaced
from supplylake.broker.log_end import log_end
from supplylake.errors import FatalError
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.spec import consumer_group
from supplylake.settings import LakeSettings, Settings


def state_dir(settings: Settings, cluster_id: str) -> Path:
    return settings.data_dir / "state" / cluster_id


def drop_stale_state(settings: Settings, cluster_id: str) -> None:
    """Remove local state of previous broker epochs: nothing can restore or use it."""
    root = settings.data_dir / "state"
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.is_dir() and child.name != cluster_id:
            shutil.rmtree(child, ignore_errors=True)


# librdkafka's spelling (lower case) of each KafkaSettings.security_protocol.
_SECURITY_PROTOCOLS: dict[str, Literal["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"]] = {
    "PLAINTEXT": "plaintext",
    "SSL": "ssl",
    "SASL_PLAINTEXT": "sasl_plaintext",
    "SASL_SSL": "sasl_ssl",
}


def connection_config(settings: Settings, connection: BrokerConnection) -> ConnectionConfig:
    kafka = settings.kafka
    return ConnectionConfig(
        bootstrap_servers=connection.bootstrap,
        security_protocol=_SECURITY_PROTOCOLS[kafka.security_protocol],
        sasl_mechanism=kafka.sasl_mechanism,
        sasl_username=kafka.sasl_username,
        sasl_password=kafka.sasl_password,
        ssl_ca_location=kafka.ssl_ca_location,
    )


EMBEDDED_SESSION_TIMEOUT_MS = 3000


def consumer_tuning(settings: Settings, connection: BrokerConnection) -> dict[str, object]:
    """Consumer settings; on the embedded broker, a short session timeout.

    Tansu holds a JoinGroup for about half the session timeout, so librdkafka's default 45 s
    means a 23 s wait before the first record. Real Kafka keeps its defaults (and usually
    refuses session timeouts under 6 s).
    """
    config: dict[str, object] = {"log_level": 3}
    timeout = settings.kafka.session_timeout_ms or (EMBEDDED_SESSION_TIMEOUT_MS if connection.embedded else None)
    if timeout:
        config.update({"session.timeout.ms": timeout, "heartbeat.interval.ms": max(timeout // 6, 100)})
    return config


#: How long a pipeline's producer gathers records into one batch. The embedded broker's fetch
#: cost grows with the number of batches a partition holds (it scans them and never drops any:
#: ``python -m bench.micro.broker_fetch``), and a consumer tailing a topic wakes once per batch;
#: 100 ms keeps both low. It adds at most that much to an alert's latency.
PRODUCER_LINGER_MS = 100


def producer_tuning(connection: BrokerConnection) -> dict[str, object]:
    """Producer settings: records batched for up to ``PRODUCER_LINGER_MS``, on every broker.

    The embedded broker under-reports the high watermark of a partition whose last batch holds
    several records; the changelog recovery reads where those logs end instead (see
    :class:`ChangelogEnds`), so batching is safe there too. One record per batch used to be the
    workaround, at ~200 µs of broker CPU per record.
    """
    return {"log_level": 3, "linger.ms": PRODUCER_LINGER_MS}


class ChangelogEnds:
    """The consumer as Quix's changelog recovery sees it, with each changelog's end confirmed by reading.

    Quix asks the consumer for a changelog partition's high watermark before recovering it and
    recovers up to that offset. Tansu reports one past the first record of the last batch, so
    recovery would stop short of the last batch (or take local state for "ahead of the
    changelog"). Everything else is the consumer itself.
    """

    def __init__(self, consumer: Any, client_config: dict[str, object], cluster_id: str | None = None) -> None:
        self._consumer = consumer
        self._client_config = client_config
        self._cluster_id = cluster_id

    def get_watermark_offsets(
        self, partition: Any, timeout: float | None = None, cached: bool = False
    ) -> tuple[int, int]:
        try:
            return log_end(self._client_config, partition.topic, partition.partition)
        except Exception:
            # A changelog that is gone is what an empty new broker looks like: say so if it is one.
            if self._cluster_id is not None:
                check_same_broker(self._consumer, self._cluster_id)
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._consumer, name)


def confirm_changelog_ends(app: Application, connection: BrokerConnection) -> None:
    """Make ``app``'s changelog recovery read where each changelog ends (pinned Quix 3.28 internals)."""
    recovery = getattr(app._state_manager, "_recovery_manager", None)
    if recovery is None:  # no changelog topics: nothing to recover
        return
    if not hasattr(recovery, "_consumer"):
        raise RuntimeError("Quix's RecoveryManager changed: supplylake cannot confirm changelog ends")
    recovery._consumer = ChangelogEnds(recovery._consumer, connection.config(), connection.cluster_id)


def commit_pacing(lake: LakeSettings, mode: RunMode) -> tuple[float, int]:
    """Quix's ``(commit_interval, commit_every)``: when a pipeline checkpoints and commits to the lake.

    Each lake commit has a fixed cost (about 20–50 ms of CPU per table on a laptop), so a fixed
    one-second interval spends most of a quiet pipeline's CPU on commits. Live, a checkpoint
    comes after ``live_commit_records`` records — about once a second at 5,000 events/s, more
    often at higher rates — or ``live_commit_interval_s`` after the previous one when fewer
    arrive. A bounded replay checkpoints every ``commit_interval_s`` (its last records wait
    for one before the run can end).
    """
    if mode is RunMode.LIVE:
        return lake.live_commit_interval_s, lake.live_commit_records
    return lake.commit_interval_s, 0


def instance_state_dir(settings: Settings, cluster_id: str, name: str, instance: int = 0) -> Path:
    """Where one instance of a pipeline keeps its local state (instances never share a RocksDB)."""
    return state_dir(settings, cluster_id) / (name if instance == 0 else f"{name}.{instance}")


def build_application(
    name: str, settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0
) -> Application:
    """The Quix application of pipeline ``name``; ``instance`` numbers its members of one consumer group."""
    commit_interval, commit_every = commit_pacing(settings.lake, mode)
    app = Application(
        broker_address=connection_config(settings, connection),
        consumer_group=consumer_group(settings, name),
        auto_offset_reset="earliest",
        commit_interval=commit_interval,
        commit_every=commit_every,
        state_dir=instance_state_dir(settings, connection.cluster_id, name, instance),
        processing_guarantee="at-least-once",
        loglevel=None,
        consumer_extra_config=consumer_tuning(settings, connection),
        producer_extra_config=producer_tuning(connection),
    )
    confirm_changelog_ends(app, connection)
    return app


def topic_config(settings: Settings) -> TopicConfig:
    return TopicConfig(
        num_partitions=settings.topics.partitions,
        replication_factor=settings.topics.replication_factor,
        extra_config={"retention.ms": str(settings.topics.retention_ms), "retention.bytes": "-1"},
    )


def raw_topic(app: Application, name: str, settings: Settings) -> Topic:
    """A topic read or written as raw bytes: validation is ours, so bad bytes never crash Quix."""
    return app.topic(
        name,
        value_deserializer="bytes",
        key_deserializer="bytes",
        value_serializer="bytes",
        key_serializer="bytes",
        config=topic_config(settings),
    )


def json_topic(app: Application, name: str, settings: Settings) -> Topic:
    return app.topic(
        name,
        value_deserializer="json",
        key_deserializer="str",
        value_serializer="json",
        key_serializer="str",
        config=topic_config(settings),
    )


class PartitionsHandedOver(FatalError):
    """This consumer's partitions were committed past by another member of its group: it is a zombie."""


def handover_fence(app: Application, timeout_s: float = 10.0) -> Callable[[Mapping[tuple[str, int], int]], None]:
    """A lake sink fence (``LakeSink.fences``): stop before a zombie's checkpoint produces its changelog.

    A member paused long enough (SIGSTOP, a long GC, a frozen VM) loses its partitions to another
    member, which processes them again and commits past. When the paused one resumes, its lake
    commit is harmless (the ledger drops what is already there), but the changelog records its
    checkpoint would produce land *after* the new owner's, with older source offsets: the next
    changelog recovery would apply them last and roll the state back. The fence asks the group
    coordinator for the committed offsets: one beyond the first offset this checkpoint processed
    means another member committed past it, and the checkpoint is abandoned (the process exits;
    its supervisor restarts it, and it resumes from the committed offsets).
    """

    def fence(first_offsets: Mapping[tuple[str, int], int]) -> None:
        if not first_offsets:
            return
        consumer: Any = app._consumer
        asked = [TopicPartition(topic, partition) for topic, partition in first_offsets]
        moved = [
            f"{tp.topic}[{tp.partition}] committed at {tp.offset}, this checkpoint began at "
            f"{first_offsets[(tp.topic, tp.partition)]}"
            for tp in consumer.committed(asked, timeout=timeout_s)
            if tp.offset > first_offsets[(tp.topic, tp.partition)]
        ]
        if moved:
            raise PartitionsHandedOver(
                "another member of the consumer group processed this checkpoint's records and committed past them: "
                + "; ".join(moved),
                hint="this instance was paused past its session timeout; it stops without producing its changelog "
                "and resumes from the committed offsets when restarted",
            )

    return fence


def broker_guard(app: Application, cluster_id: str, timeout_s: float = 10.0) -> Callable[[], None]:
    """A lake sink ``before_flush`` hook (first of all): stop before committing under the wrong broker.

    When the broker is restarted empty (the embedded one gets a new cluster id) or replaced
    under a running pipeline, its consumer resets to the new log's start and processes the new
    records at offsets the lake's ledger already holds for the *old* cluster: committed under
    the old cluster id they would be dropped as replays. So every checkpoint first asks which
    cluster answers; a different one stops the pipeline before anything is written. Restarted,
    it starts a new broker epoch (state seeded from the lake) and reads the new log from its start.
    """

    def guard() -> None:
        check_same_broker(app._consumer, cluster_id, timeout_s)

    return guard


def check_same_broker(consumer: Any, cluster_id: str, timeout_s: float = 10.0) -> None:
    """Raise :class:`BrokerReplaced` unless the broker ``consumer`` talks to has ``cluster_id``."""
    answering = consumer.list_topics(timeout=timeout_s).cluster_id
    if answering != cluster_id:
        raise broker_replaced(answering, cluster_id)
