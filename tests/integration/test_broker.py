"""The embedded broker: start, produce, consume, stop; nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker, _pid_alive, read_detached
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.settings import load_settings
from tests.support.processes import wait_for

pytestmark = pytest.mark.integration


def test_start_produce_consume_stop(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with EmbeddedBroker(tmp_path) as broker:
        assert broker.process is not None
        pid = broker.process.pid
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        created = ensure_topics(connection, all_topics(settings.topics), settings.topics)
        assert set(created) == set(all_topics(settings.topics))
        assert ensure_topics(connection, all_topics(settings.topics), settings.topics) == []
        metadata = connection.admin().list_topics(timeout=5)
        assert metadata.cluster_id == broker.cluster_id
        assert len(metadata.topics["inventory-events"].partitions) == settings.topics.partitions

        producer = Producer(connection.config())
        for i in range(50):
            producer.produce("inventory-events", key=b"WH-1:SKU-1", value=b'{"n": %d}' % i)
        assert producer.flush(10) == 0

        overrides: dict[str, str | int | float | bool] = {"group.id": "t", "enable.auto.commit": False}
        consumer = Consumer(connection.config(**overrides))
        partition = next(
            p
            for p in range(settings.topics.partitions)
            if consumer.get_watermark_offsets(TopicPartition("inventory-events", p), timeout=5)[1] > 0
        )
        consumer.assign([TopicPartition("inventory-events", partition, 0)])
        values: list[bytes] = []
        deadline = time.monotonic() + 20
        while len(values) < 50 and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                values.append(message.value())
        consumer.close()
        assert values == [b'{"n": %d}' % i for i in range(50)]
    assert not _pid_alive(pid)


def test_each_start_gets_a_fresh_cluster_id(tmp_path: Path) -> None:
    with EmbeddedBroker(tmp_path) as first:
        first_id = first.cluster_id
    with EmbeddedBroker(tmp_path) as second:
        assert second.cluster_id != first_id


def test_cli_start_status_stop(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}

    def run(*a: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "supplylake", "broker", *a, "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    assert run("status").returncode == 3
    started = run("start")
    assert started.returncode == 0, started.stderr
    info = read_detached(tmp_path)
    assert info is not None and _pid_alive(info.pid)
    try:
        status = run("status")
        assert status.returncode == 0 and info.cluster_id in status.stdout
        metadata = BrokerConnection(info.bootstrap, info.cluster_id, True).admin().list_topics(timeout=5)
        assert "inventory-events" in metadata.topics
    finally:
        stopped = run("stop")
    assert stopped.returncode == 0
    wait_for(lambda: not _pid_alive(info.pid), timeout_s=20.0, interval_s=0.05, what="broker exit")
    assert run("status").returncode == 3


def test_broker_dies_with_its_owner(tmp_path: Path) -> None:
    """An owner killed with SIGKILL (no cleanup code runs) still leaves no broker behind."""
    script = (
        "import sys, time; from pathlib import Path; "
        "from supplylake.broker.embedded import EmbeddedBroker; "
        "b = EmbeddedBroker(Path(sys.argv[1])).start(); print(b.process.pid, flush=True); time.sleep(600)"
    )
    owner = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        broker_pid = int(owner.stdout.readline())
        assert _pid_alive(broker_pid)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    wait_for(lambda: not _pid_alive(broker_pid), timeout_s=20.0, interval_s=0.05, what="orphan broker to exit")
