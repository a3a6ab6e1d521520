"""Where a partition's log really ends, confirmed by reading.

Tansu 0.6 (the embedded broker) reports a partition's high watermark as one past the *first*
record of its last batch: after a batch of three records at offsets 5–7 it says 6, not 8. Any
client that trusts ListOffsets then believes the log is shorter than it is — Quix's changelog
recovery stops short of the last batch (or refuses local state as "ahead of the changelog"), and
"has the pipeline committed everything it wrote?" never settles. Producers could dodge it by
sending one record per batch, at ~200 µs of broker CPU per record; reading instead costs one
fetch per partition, once, where the answer matters.

:func:`log_ends` asks for the watermarks, then reads each non-empty partition from one before the
reported end until the client reports end of partition; the offset after the last record read
is the end. On a broker that reports exactly (real Kafka) the read returns the one record before
the end and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from confluent_kafka import Consumer, KafkaError, TopicPartition

from supplylake.errors import RetryableError

READ_TIMEOUT_S = 10.0


class LogEndUnconfirmed(RetryableError):
    """A partition's end could not be confirmed by reading in time."""


def log_ends(
    client_config: Mapping[str, object],
    partitions: Iterable[tuple[str, int]],
    *,
    timeout_s: float = READ_TIMEOUT_S,
) -> dict[tuple[str, int], tuple[int, int]]:
    """(topic, partition) -> (low watermark, one past the last record), confirmed by reading."""
    wanted = sorted(set(partitions))
    if not wanted:
        return {}
    consumer = Consumer(
        {
            **client_config,
            "group.id": "supplylake-log-end",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 50,
            "log_level": 3,
        }
    )
    try:
        reported = {tp: consumer.get_watermark_offsets(TopicPartition(*tp), timeout=timeout_s) for tp in wanted}
        ends = {tp: (low, high) for tp, (low, high) in reported.items()}
        to_read = {tp: high for tp, (low, high) in reported.items() if high > low}
        if to_read:
            consumer.assign([TopicPartition(t, p, high - 1) for (t, p), high in to_read.items()])
            _read_to_end(consumer, to_read, ends, timeout_s)
        return ends
    finally:
        consumer.close()


def log_end(client_config: Mapping[str, object], topic: str, partition: int) -> tuple[int, int]:
    """(low watermark, one past the last record) of one partition, confirmed by reading."""
    return log_ends(client_config, [(topic, partition)])[(topic, partition)]


def _read_to_end(
    consumer: Consumer,
    pending: dict[tuple[str, int], int],
    ends: dict[tuple[str, int], tuple[int, int]],
    timeout_s: float,
) -> None:
    deadline = time.monotonic() + timeout_s
    while pending:
        if time.monotonic() > deadline:
            names = ", ".join(f"{t}[{p}]" for t, p in sorted(pending))
            raise LogEndUnconfirmed(
                f"could not read to the end of {names} within {timeout_s:.0f}s",
                hint="the broker is slow or unreachable; the pipeline restarts and tries again",
            )
        message = consumer.poll(0.2)
        if message is None:
            continue
        tp = (message.topic(), message.partition())
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF and tp in pending:
                del pending[tp]
            continue
        low, high = ends[tp]
        ends[tp] = (low, max(high, message.offset() + 1))
