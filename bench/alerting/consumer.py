"""The alert consumer, in its own process so its receive times do not wait for our producer's GIL.

    python -m bench.alerting.consumer BOOTSTRAP TOPIC[,TOPIC...] OUT.tsv

It ``assign()``s every partition of the topics from offset 0 and appends one tab-separated line
per record: receive wall ms, topic, partition, offset, Kafka timestamp, value.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.results import ROOT
from supplylake.processes import die_with_parent


def consume(bootstrap: str, topics: list[str], out_path: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    stop = threading.Event()

    def stop_now(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "bench-alert-latency",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 10,
            "fetch.min.bytes": 1,
            "log_level": 3,
        }
    )
    metadata = consumer.list_topics(timeout=15)
    consumer.assign([TopicPartition(t, p, 0) for t in topics for p in sorted(metadata.topics[t].partitions)])
    with open(out_path, "w", buffering=1 << 16) as out:
        while not stop.is_set():
            messages = consumer.consume(num_messages=1000, timeout=0.05)
            received = time.time() * 1000
            lines = []
            for m in messages:
                if m.error():
                    continue
                value = (m.value() or b"").decode("utf-8", "replace").replace("\n", " ")
                lines.append(
                    f"{received:.1f}\t{m.topic()}\t{m.partition()}\t{m.offset()}\t{m.timestamp()[1]}\t{value}\n"
                )
            if lines:
                out.writelines(lines)
                out.flush()
    consumer.close()
    return 0


@dataclass(frozen=True)
class Received:
    recv_ms: float
    topic: str
    partition: int
    offset: int
    kafka_ts: int
    value: str


class ConsumerProcess:
    """Starts the consumer and reads what it has received so far."""

    def __init__(self, bootstrap: str, topics: list[str], out_path: Path) -> None:
        self.out_path = out_path
        out_path.touch()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.alerting.consumer", bootstrap, ",".join(topics), str(out_path)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            start_new_session=True,
        )
        self._pos = 0
        self._partial = ""
        self.records: list[Received] = []

    def read_new(self) -> list[Received]:
        with self.out_path.open("r") as handle:
            handle.seek(self._pos)
            chunk = handle.read()
            self._pos = handle.tell()
        lines = (self._partial + chunk).split("\n")
        self._partial = lines.pop()
        new = []
        for line in lines:
            recv, topic, partition, offset, ts, value = line.split("\t", 5)
            new.append(Received(float(recv), topic, int(partition), int(offset), int(ts), value))
        self.records.extend(new)
        return new

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.read_new()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: python -m bench.alerting.consumer BOOTSTRAP TOPIC[,TOPIC...] OUT.tsv", file=sys.stderr)
        sys.exit(2)
    sys.exit(consume(sys.argv[1], sys.argv[2].split(","), sys.argv[3]))
