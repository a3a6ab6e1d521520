"""Bounded replay of a JSON-lines file onto the topics, tracking exactly what was written where."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.dead_letters import dead_letter_row
from supplylake.errors import FatalError
from supplylake.event_time import parse_iso_ms
from supplylake.ingest.routing import Unroutable, route
from supplylake.settings import TopicSettings


class ReplayError(FatalError):
    """The file could not be replayed."""


@dataclass
class ReplaySummary:
    lines: int = 0
    produced: Counter[str] = field(default_factory=Counter)  # topic -> records
    # (topic, partition) -> highest offset written: the pipelines are done when the lake has it.
    end_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # dead-letter rows
    max_event_time_ms: int | None = None

    def include(self, end_offsets: Mapping[tuple[str, int], int]) -> None:
        """Count these as written too (the control records sent after the input, say)."""
        for tp, offset in end_offsets.items():
            self.end_offsets[tp] = max(offset, self.end_offsets.get(tp, -1))

    def extend(self, later: ReplaySummary) -> None:
        """Add what a later part of the same input, replayed on its own, wrote."""
        self.lines += later.lines
        self.produced.update(later.produced)
        self.include(later.end_offsets)
        self.rejected += later.rejected
        if later.max_event_time_ms is not None:
            self.max_event_time_ms = max(later.max_event_time_ms, self.max_event_time_ms or later.max_event_time_ms)


def _event_time_ms(text: str | None) -> int | None:
    # No zone or not ISO: None (the event is refused by its pipeline anyway).
    return parse_iso_ms(text)


def replay_file(
    path: Path,
    connection: BrokerConnection,
    topics: TopicSettings,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> ReplaySummary:
    """Produce every routable line to its family topic; collect the rest as dead letters."""
    if not path.is_file():
        raise ReplayError(
            f"input file {path} does not exist", hint="pass a JSON-lines file, e.g. from `supplylake simulate --out`"
        )
    summary = ReplaySummary()
    errors: list[str] = []

    def delivered(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            errors.append(str(err))
            return
        tp = (msg.topic(), msg.partition())
        offset = msg.offset()
        if offset > summary.end_offsets.get(tp, -1):
            summary.end_offsets[tp] = offset

    producer = Producer(
        connection.config(**{"linger.ms": 20, "acks": "all", "batch.num.messages": 5000, "log_level": 3})
    )
    source = f"file:{path.name}"

    def reject(line_number: int, raw: bytes, exc: Unroutable) -> None:
        summary.rejected.append(
            dead_letter_row(
                cluster_id=connection.cluster_id,
                source_topic=source,
                source_partition=0,
                source_offset=line_number,
                source_key=None,
                raw=raw,
                reason=f"line {line_number}: {exc.reason}",
                error_code=exc.code,
                event_type=exc.event_type,
                failed_at_ms=int(time.time() * 1000),
                line_number=line_number,
            )
        )

    with path.open("rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            raw = line.rstrip(b"\r\n")
            summary.lines += 1
            if not raw.strip():
                continue
            try:
                target = route(raw, topics)
            except Unroutable as exc:
                reject(line_number, raw, exc)
                continue
            if not _produce(producer, target.topic, raw, target.key, delivered):
                # Larger than a Kafka record may be (the client's message.max.bytes): it can
                # never reach its pipeline, so it is the intake's to dead-letter, like any line
                # no pipeline can own. The lake row keeps every byte.
                reject(line_number, raw, _too_large(raw, target.event_type))
                continue
            event_ms = _event_time_ms(target.event_time)
            if event_ms is not None and (summary.max_event_time_ms is None or event_ms > summary.max_event_time_ms):
                summary.max_event_time_ms = event_ms
            summary.produced[target.topic] += 1
            if line_number % 1000 == 0:
                producer.poll(0)
                if on_progress:
                    on_progress(line_number)
    remaining = producer.flush(60)
    if remaining or errors:
        raise ReplayError(
            f"{remaining} records undelivered, {len(errors)} delivery errors (first: {errors[:1]})",
            hint="is the broker still running? see broker.log in the data dir",
        )
    return summary


def _produce(
    producer: Producer,
    topic: str,
    raw: bytes,
    key: bytes | None,
    on_delivery: Callable[[KafkaError | None, Message], None],
) -> bool:
    """Queue one record; False when it is too large for a Kafka record (nothing was queued)."""
    while True:
        try:
            producer.produce(topic, value=raw, key=key, on_delivery=on_delivery)
            return True
        except BufferError:
            producer.poll(0.1)
        except KafkaException as exc:
            if exc.args and exc.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE:
                return False
            raise


def _too_large(raw: bytes, event_type: str) -> Unroutable:
    return Unroutable(
        "record_too_large",
        f"{len(raw):,} bytes is larger than a Kafka record may be (the producer's message.max.bytes)",
        event_type,
    )
