"""Knowing when a bounded replay is done: every produced record is committed by its pipeline.

Quix commits a consumer group's offsets only after its sinks flushed, so a committed offset past
the last produced record means the lake holds everything that record produced. This reads the
group's committed offsets; it never relies on Tansu's reported high watermark, which can lag
(see :func:`log_end_offsets` for the topics pipelines write themselves).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping

from confluent_kafka import Consumer, TopicPartition

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.log_end import log_ends
from supplylake.errors import RetryableError
from supplylake.orchestration.topology import group_of_internal_topic, groups_of_topic, watermark_topics
from supplylake.pipelines.control import broadcast_watermark
from supplylake.settings import Settings


class ReplayTimeout(RetryableError):
    """The pipelines did not catch up in time."""


def committed_offsets(
    connection: BrokerConnection, group: str, partitions: list[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """(topic, partition) -> next offset the group will read (-1 when nothing committed)."""
    consumer = Consumer(connection.config(**{"group.id": group, "enable.auto.commit": False, "log_level": 3}))
    try:
        answer = consumer.committed([TopicPartition(t, p) for t, p in partitions], timeout=10)
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): tp.offset for tp in answer}


def wait_until_committed(
    connection: BrokerConnection,
    group_of_topic: Mapping[str, str | Collection[str]],
    end_offsets: Mapping[tuple[str, int], int],
    *,
    timeout_s: float,
    check: Callable[[], None] = lambda: None,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Block until every group reading a topic committed past the last produced offset of it.

    ``group_of_topic`` maps a topic to the group that reads it, or to several groups (a topic
    several pipelines consume is done when all of them are).
    """
    pending: dict[tuple[str, tuple[str, int]], int] = {}
    for tp, end in end_offsets.items():
        groups = group_of_topic.get(tp[0], ())
        for group in (groups,) if isinstance(groups, str) else groups:
            pending[(group, tp)] = end
    total = sum(end + 1 for end in pending.values())
    deadline = time.monotonic() + timeout_s
    while pending:
        check()
        by_group: dict[str, list[tuple[str, int]]] = {}
        for group, tp in pending:
            by_group.setdefault(group, []).append(tp)
        done = 0
        for group, tps in by_group.items():
            for tp, next_offset in committed_offsets(connection, group, tps).items():
                if next_offset > pending[(group, tp)]:
                    del pending[(group, tp)]
                else:
                    done += max(next_offset, 0)
        if on_progress:
            left = sum(end + 1 for end in pending.values())
            on_progress(total - left + done, total)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ReplayTimeout(
                f"pipelines did not commit {len(pending)} partition(s) within {timeout_s:.0f}s: "
                + ", ".join(f"{t}[{p}] ({g})" for g, (t, p) in sorted(pending)),
                hint="see the pipeline logs under <data dir>/logs",
            )
        time.sleep(0.25)


def log_end_offsets(connection: BrokerConnection, topics: Collection[str]) -> dict[tuple[str, int], int]:
    """(topic, partition) -> offset of the last record, for topics our own pipelines write.

    Confirmed by reading (:func:`~supplylake.broker.log_end.log_ends`): the pipelines batch what
    they produce, and the embedded broker under-reports the end of a multi-record batch.
    """
    metadata = connection.admin().list_topics(timeout=10)
    partitions = [
        (topic, partition)
        for topic in topics
        if (info := metadata.topics.get(topic)) is not None and info.error is None
        for partition in info.partitions
    ]
    return {tp: high - 1 for tp, (_, high) in log_ends(connection.config(), partitions).items() if high > 0}


def wait_until_pipelines_committed(
    connection: BrokerConnection,
    settings: Settings,
    end_offsets: Mapping[tuple[str, int], int],
    *,
    timeout_s: float,
    check: Callable[[], None] = lambda: None,
    on_progress: Callable[[int, int], None] | None = None,
    watermark_ms: int | None = None,
) -> None:
    """A bounded input is in the lake: every pipeline committed past ``end_offsets`` of its source
    topics and then past everything it wrote to its internal topics (which is all written by
    the time its sources are committed: Quix flushes its producer before committing).

    With ``watermark_ms`` (the end of a replay), the internal topics that take the watermark
    themselves (``PipelineSpec.watermark_suffixes``) get it once the sources are committed, so it
    comes after everything forwarded there. Internal topics can feed each other (a stage writes
    what it derives from another internal topic), so their ends are read again after each wait
    until a wait finds nothing new.
    """
    started = time.monotonic()
    wait_until_committed(
        connection, groups_of_topic(settings), end_offsets, timeout_s=timeout_s, check=check, on_progress=on_progress
    )
    if watermark_ms is not None:
        topics = watermark_topics(settings)
        if topics:
            broadcast_watermark(connection, topics, watermark_ms)
    internal = group_of_internal_topic(settings)
    waited: dict[tuple[str, int], int] | None = None
    while internal:
        ends = log_end_offsets(connection, internal)
        if ends == waited:
            return
        left = max(1.0, timeout_s - (time.monotonic() - started))
        wait_until_committed(connection, internal, ends, timeout_s=left, check=check)
        waited = ends
