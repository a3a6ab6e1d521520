"""Control records: how time reaches a partition that receives no events.

Timers live in a partition's state (``pipelines.timer_service``), and Quix only runs our code when
a record of that partition arrives. So time is delivered *as records*, into the source topic
itself, marked with the ``supplylake-control`` header:

- ``watermark`` (bounded replay): after `supplylake run --input` produced a file, one record per
  partition carries the latest event time of the *whole* input; every timer due at or before it
  fires, on every partition, whatever that partition saw. Event time only, so replays are
  deterministic.
- ``tick`` (live): the pipeline process produces the wall-clock time to each source partition
  every few seconds (:class:`Ticker`), so a deadline fires on an idle partition too.

Being ordinary records, they have offsets: whatever a control record fires is attributed to its
offset in the lake, and a replay after a crash fires the same timers again from the same state
(the ledger drops the repeat). Pipelines recognise them by the header and never treat them as
events: no dead letter, no event row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from confluent_kafka import KafkaError, Message, Producer

from supplylake.broker.connection import BrokerConnection
from supplylake.errors import FatalError, RetryableError
from supplylake.logs import get_logger
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import Settings

log = get_logger(__name__)

CONTROL_HEADER = "supplylake-control"
KIND_WATERMARK = "watermark"
KIND_TICK = "tick"
KINDS = frozenset({KIND_WATERMARK, KIND_TICK})
CONTROL_KEY = b"supplylake-control"


class InvalidControlRecord(FatalError):
    """A record carries the control header but not a readable control value."""


class ControlDeliveryError(RetryableError):
    """Control records could not be written to the broker."""


@dataclass(frozen=True)
class ControlRecord:
    kind: str
    time_ms: int

    def encode(self) -> bytes:
        return orjson.dumps({"kind": self.kind, "timeMs": self.time_ms})

    def headers(self) -> list[tuple[str, bytes]]:
        return [(CONTROL_HEADER, self.kind.encode())]


def is_control(headers: Any) -> bool:
    """Whether a record's headers (Quix: list of (name, bytes) pairs, or None) mark it as control."""
    return bool(headers) and any(name == CONTROL_HEADER for name, _ in headers)


def decode_control(headers: Any, value: bytes | None) -> ControlRecord | None:
    """The control record, or None for an ordinary record; InvalidControlRecord if unreadable."""
    if not is_control(headers):
        return None
    try:
        payload = orjson.loads(value or b"")
        kind, time_ms = payload["kind"], payload["timeMs"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise InvalidControlRecord(f"unreadable control record: {exc}") from None
    if kind not in KINDS or not isinstance(time_ms, int) or isinstance(time_ms, bool):
        raise InvalidControlRecord(f"unknown control record {payload!r}")
    return ControlRecord(kind, time_ms)


def topic_partitions(
    connection: BrokerConnection, topics: Iterable[str], timeout_s: float = 10.0
) -> list[tuple[str, int]]:
    """(topic, partition) of every existing topic named; missing topics are skipped."""
    metadata = connection.admin().list_topics(timeout=timeout_s)
    found: list[tuple[str, int]] = []
    for topic in topics:
        info = metadata.topics.get(topic)
        if info is None or info.error is not None:
            continue
        found.extend((topic, partition) for partition in sorted(info.partitions))
    return found


def produce_control(
    connection: BrokerConnection,
    partitions: Sequence[tuple[str, int]],
    record: ControlRecord,
    *,
    producer: Producer | None = None,
    timeout_s: float = 30.0,
) -> dict[tuple[str, int], int]:
    """Write ``record`` once to each (topic, partition); return the offset each one got."""
    producer = producer or Producer(connection.config(**{"acks": "all", "linger.ms": 0, "log_level": 3}))
    offsets: dict[tuple[str, int], int] = {}
    errors: list[str] = []

    def delivered(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            errors.append(str(err))
        else:
            offsets[(msg.topic(), msg.partition())] = msg.offset()

    value, headers = record.encode(), record.headers()
    for topic, partition in partitions:
        producer.produce(
            topic, value=value, key=CONTROL_KEY, partition=partition, headers=headers, on_delivery=delivered
        )
    remaining = producer.flush(timeout_s)
    if remaining or errors or len(offsets) != len(partitions):
        raise ControlDeliveryError(
            f"{record.kind} control records: {remaining} undelivered, errors {errors[:1]}",
            hint="is the broker still running? see broker.log in the data dir",
        )
    return offsets


def broadcast_watermark(
    connection: BrokerConnection, topics: Iterable[str], max_event_time_ms: int
) -> dict[tuple[str, int], int]:
    """End of a bounded replay: tell every partition of ``topics`` that event time reached
    ``max_event_time_ms``. Returns the control records' offsets (the pipelines must commit past
    them before the replay is done)."""
    return produce_control(
        connection, topic_partitions(connection, topics), ControlRecord(KIND_WATERMARK, int(max_event_time_ms))
    )


class Ticker:
    """Live mode: produce a ``tick`` with the wall-clock time to each partition every interval.

    Runs in a daemon thread of the pipeline process. Several instances of a pipeline each tick
    every partition; that is harmless (a tick only moves a clock forward).
    """

    def __init__(
        self,
        connection: BrokerConnection,
        topics: Sequence[str],
        interval_s: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.connection = connection
        self.topics = tuple(topics)
        self.interval_s = interval_s
        self.clock = clock
        self.ticks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._producer: Producer | None = None
        self._partitions: list[tuple[str, int]] = []

    def tick_once(self) -> None:
        if self._producer is None:
            self._producer = Producer(self.connection.config(**{"acks": "all", "linger.ms": 0, "log_level": 3}))
        if not self._partitions or self.ticks % 60 == 0:  # pick up topics created or grown since
            self._partitions = topic_partitions(self.connection, self.topics)
        if self._partitions:
            record = ControlRecord(KIND_TICK, int(self.clock() * 1000))
            produce_control(self.connection, self._partitions, record, producer=self._producer)
        self.ticks += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick_once()
            except Exception as exc:  # a missed tick only delays timers; keep ticking
                log.warning("tick failed", error=str(exc))

    def start(self) -> Ticker:
        self._thread = threading.Thread(target=self._run, name="supplylake-ticker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def start_live_ticker(
    settings: Settings, connection: BrokerConnection, mode: RunMode, topics: Sequence[str]
) -> Ticker | None:
    """Live only: a started :class:`Ticker` into every partition of ``topics`` (every
    ``SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S``; 0 turns ticks off); None in other modes."""
    if mode is not RunMode.LIVE or settings.shipments.tick_interval_s <= 0:
        return None
    return Ticker(connection, topics, settings.shipments.tick_interval_s).start()
