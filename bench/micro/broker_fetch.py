"""The embedded broker's CPU for one consumer tailing a partition, as the partition fills up.

Run from the repository root::

    .venv/bin/python -m bench.micro.broker_fetch [--steps 3] [--batches 30000]

One embedded Tansu broker, one consumer group member tailing a 2-partition topic, and a producer
trickling 200 records/s in batches every 100 ms (about 20 fetches/s). Between measurements,
``--batches`` one-record batches are added to the topic. The figure is the broker process's
CPU (cores) during each 8 s trickle: it grows with the batches the partition holds, because
Tansu 0.6 scans them on every fetch (and its memory storage never drops a record).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from bench.harness.procfs import cpu_seconds
from supplylake.broker.embedded import EmbeddedBroker

TOPIC = "tail"


def tail(bootstrap: str, stop: threading.Event, ready: threading.Event) -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "broker-fetch",
            "auto.offset.reset": "latest",
            "session.timeout.ms": 3000,
            "heartbeat.interval.ms": 500,
            "fetch.queue.backoff.ms": 100,  # as Quix sets it
            "log_level": 3,
        }
    )
    consumer.subscribe([TOPIC])
    while not consumer.assignment():
        consumer.poll(0.1)
    ready.set()
    while not stop.is_set():
        consumer.poll(0.1)
    consumer.close()


def trickle(producer: Producer, pid: int | None, seconds: float = 8.0) -> float:
    """Broker cores while 200 records/s arrive in 100 ms batches."""
    before, started = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - started < seconds:
        for _ in range(20):
            producer.produce(TOPIC, b"x" * 300)
        producer.poll(0)
        time.sleep(0.1)
    producer.flush(10)
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batches", type=int, default=30_000, help="one-record batches added per step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp)) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic(TOPIC, 2, 1, config={"retention.ms": "-1"})])[TOPIC].result()
        pid = broker.process.pid if broker.process is not None else None
        stop, ready = threading.Event(), threading.Event()
        reader = threading.Thread(target=tail, args=(broker.bootstrap, stop, ready), daemon=True)
        reader.start()
        ready.wait(60)
        batched = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 100, "log_level": 3})
        single = Producer(
            {"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "batch.num.messages": 1, "log_level": 3}
        )
        print(f"0 extra batches: broker {trickle(batched, pid):.3f} cores", flush=True)
        for step in range(1, args.steps + 1):
            for i in range(args.batches):
                single.produce(TOPIC, b"x" * 300)
                if i % 1000 == 0:
                    single.poll(0)
            single.flush(60)
            print(f"{step * args.batches:,} extra batches: broker {trickle(batched, pid):.3f} cores", flush=True)
        stop.set()
        reader.join(10)


if __name__ == "__main__":
    main()
