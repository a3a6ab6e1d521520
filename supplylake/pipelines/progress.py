"""Knowing when a bounded replay is done: every produced record is committed by its pipeline.

Quix commits a consumer group's offsets only after its sinks flushed, so a committed offset past
the last produced record means the lake holds everything that record produced. This reads the
group's committed offsets; it never relies on Tansu's reported high watermark, which can lag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from confluent_kafka import Consumer, TopicPartition

from supplylake.broker.connection import BrokerConnection
from supplylake.errors import RetryableError


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
    group_of_topic: Mapping[str, str],
    end_offsets: Mapping[tuple[str, int], int],
    *,
    timeout_s: float,
    check: Callable[[], None] = lambda: None,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Block until each group committed past the last produced offset of its topics."""
    pending = {tp: end for tp, end in end_offsets.items() if tp[0] in group_of_topic}
    total = sum(end + 1 for end in pending.values())
    deadline = time.monotonic() + timeout_s
    while pending:
        check()
        by_group: dict[str, list[tuple[str, int]]] = {}
        for tp in pending:
            by_group.setdefault(group_of_topic[tp[0]], []).append(tp)
        done = 0
        for group, tps in by_group.items():
            for tp, next_offset in committed_offsets(connection, group, tps).items():
                if next_offset > pending[tp]:
                    del pending[tp]
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
                + ", ".join(f"{t}[{p}]" for t, p in sorted(pending)),
                hint="see the pipeline logs under <data dir>/logs",
            )
        time.sleep(0.25)
