"""Every second: records produced to each pipeline's source topics but not yet committed."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field

from confluent_kafka import Consumer, TopicPartition

from bench.alerting.triggers import Produced
from supplylake.broker.connection import BrokerConnection
from supplylake.pipelines.catalog import PIPELINES
from supplylake.settings import Settings


@dataclass(frozen=True)
class LagSample:
    t: float  # seconds since load start (since the monitor started, before the load)
    lag: dict[str, int]  # pipeline -> records produced but not committed
    committed: dict[str, int]  # pipeline -> sum of committed offsets
    produced: dict[str, int] = field(default_factory=dict)  # pipeline -> records we produced to its topics


class LagMonitor(threading.Thread):
    def __init__(self, connection: BrokerConnection, settings: Settings, produced: Produced) -> None:
        super().__init__(name="lag-monitor", daemon=True)
        self.produced = produced
        self.stop_event = threading.Event()
        self.groups = {
            spec.name: (spec.consumer_group(settings), spec.source_topics(settings)) for spec in PIPELINES.values()
        }
        self.consumers = {
            name: Consumer(connection.config(**{"group.id": group, "enable.auto.commit": False, "log_level": 3}))
            for name, (group, _) in self.groups.items()
        }
        self.latest: LagSample | None = None
        self.samples: list[LagSample] = []  # those taken since load_start_ms was set
        self.load_start_ms = 0.0
        self.t0 = time.time()

    def sample(self) -> LagSample:
        lag: dict[str, int] = {}
        committed_sum: dict[str, int] = {}
        produced: dict[str, int] = {}
        ends = dict(self.produced.end_offsets)
        for name, (_, topics) in self.groups.items():
            tps = [tp for tp in ends if tp[0] in topics]
            answer = self.consumers[name].committed([TopicPartition(t, p) for t, p in tps], timeout=10)
            committed = {(a.topic, a.partition): max(a.offset, 0) for a in answer}
            # Ticks are records too (not in our end offsets): a group can commit past our last record.
            lag[name] = sum(max(0, ends[tp] + 1 - committed.get(tp, 0)) for tp in tps)
            committed_sum[name] = sum(committed.values())
            produced[name] = sum(ends[tp] + 1 for tp in tps)
        base = self.load_start_ms / 1000 if self.load_start_ms else self.t0
        return LagSample(time.time() - base, lag, committed_sum, produced)

    def run(self) -> None:
        while not self.stop_event.wait(1.0):
            with contextlib.suppress(Exception):
                self.latest = self.sample()
                if self.load_start_ms:
                    self.samples.append(self.latest)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(5)
        for consumer in self.consumers.values():
            with contextlib.suppress(Exception):
                consumer.close()
