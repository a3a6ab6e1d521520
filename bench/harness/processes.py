"""The embedded broker and the pipeline processes a scenario measures, and their consumer groups.

Each run gets its own topics, consumer-group prefix and data dir (:class:`RunNames`), and its
topics are deleted afterwards, so the in-memory broker does not grow from run to run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from bench.harness.procfs import cpu_seconds, peak_rss_mb
from bench.harness.results import ROOT
from bench.harness.sink_log import SINK_LOG_ENV
from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.contracts.registry import SOURCE_FAMILIES
from supplylake.processes import die_with_parent
from supplylake.settings import Settings, TopicSettings, load_settings

PY = sys.executable


@dataclass(frozen=True)
class BrokerUsage:
    cpu_s: float
    peak_rss_mb: float


@contextlib.contextmanager
def embedded_broker(data_dir: Path) -> Iterator[tuple[EmbeddedBroker, BrokerConnection]]:
    """A fresh embedded Tansu broker (memory storage) for one scenario, stopped afterwards."""
    broker = EmbeddedBroker(data_dir)
    with broker:
        yield broker, BrokerConnection(broker.bootstrap, broker.cluster_id, embedded=True)


def broker_pid(broker: EmbeddedBroker) -> int | None:
    return broker.process.pid if broker.process else None


def broker_usage(broker: EmbeddedBroker) -> BrokerUsage:
    """CPU seconds and peak RSS of the broker so far (call before it stops)."""
    pid = broker_pid(broker)
    return BrokerUsage(cpu_seconds(pid), peak_rss_mb(pid))


def sink_log_is_json() -> bool:
    """Whether the pipelines know ``SUPPLYLAKE_LOG_FORMAT`` (without it the commit figures stay empty)."""
    return "log_format" in Settings.model_fields


def sink_log_env() -> dict[str, str]:
    """The environment that makes a pipeline log one JSON object per line, commits included.

    ``SUPPLYLAKE_LOG_FORMAT`` is only passed where the settings know it: an unknown
    ``SUPPLYLAKE_`` variable stops a pipeline at start (the commit figures are then empty).
    """
    if sink_log_is_json():
        return dict(SINK_LOG_ENV)
    return {"SUPPLYLAKE_LOG_LEVEL": SINK_LOG_ENV["SUPPLYLAKE_LOG_LEVEL"]}


@dataclass(frozen=True)
class RunNames:
    """Topics, group prefix and data dir of one run: nothing is shared between runs."""

    tag: str
    data_dir: Path

    @property
    def topics(self) -> TopicSettings:
        # Every source family gets the run's own topic (inventory -> inventory-<tag>, ...).
        names = {family: f"{family}-{self.tag}" for family in SOURCE_FAMILIES}
        return TopicSettings.model_validate(
            {**names, "alerts": f"alerts-{self.tag}", "dead_letters": f"dlq-{self.tag}"}
        )

    @property
    def prefix(self) -> str:
        return f"bench-{self.tag}"

    def group(self, app_name: str) -> str:
        return f"{self.prefix}-{app_name}"

    def settings(self) -> Settings:
        return load_settings(data_dir=self.data_dir, topics=self.topics)

    def own_topics(self) -> list[str]:
        topics = self.topics
        return [*topics.source_topics().values(), topics.alerts, topics.dead_letters]


class PipelineChild:
    """A pipeline process with the environment the supervisor gives it, logging to its data dir."""

    def __init__(
        self,
        command: list[str],
        names: RunNames,
        bootstrap: str,
        *,
        sink_log: bool,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
        topics = names.topics
        env.update(
            {
                "SUPPLYLAKE_KAFKA_BROKERS": bootstrap,
                "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
                "SUPPLYLAKE_DATA_DIR": str(names.data_dir),
                **{f"SUPPLYLAKE_TOPICS__{family.upper()}": topic for family, topic in topics.source_topics().items()},
                "SUPPLYLAKE_TOPICS__ALERTS": topics.alerts,
                "SUPPLYLAKE_TOPICS__DEAD_LETTERS": topics.dead_letters,
                "SUPPLYLAKE_KAFKA__CONSUMER_GROUP_PREFIX": names.prefix,
                # DEBUG only adds supplylake's per-commit log lines (Quix/pyiceberg stay at WARNING).
                "SUPPLYLAKE_LOG_LEVEL": "WARNING",
                **(sink_log_env() if sink_log else {}),
                "PYTHONWARNINGS": "ignore",
                **(extra_env or {}),
            }
        )
        names.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = names.data_dir / "pipeline.log"
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        self.started = time.monotonic()
        self.peak_rss_mb = 0.0
        self.cpu_s = 0.0

    def sample(self) -> None:
        """Peak RSS and CPU so far (call just before stopping: /proc is gone afterwards)."""
        if self.alive():
            self.peak_rss_mb = peak_rss_mb(self.process.pid) or self.peak_rss_mb
            self.cpu_s = cpu_seconds(self.process.pid) or self.cpu_s

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.sample()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def drop_run_topics(connection: BrokerConnection, names: RunNames) -> None:
    """Delete a finished run's topics (Quix changelogs included): the broker keeps them in memory."""
    admin = connection.admin()
    own = set(names.own_topics())
    with contextlib.suppress(Exception):
        existing = admin.list_topics(timeout=10).topics
        doomed = [t for t in existing if t in own or f"{names.prefix}-" in t]
        if doomed:
            for future in admin.delete_topics(doomed, operation_timeout=30).values():
                with contextlib.suppress(Exception):
                    future.result()


class GroupProgress:
    """A consumer group's committed offsets, read with one long-lived client."""

    def __init__(self, connection: BrokerConnection, group: str, partitions: list[tuple[str, int]]) -> None:
        config: dict[str, str | int | float | bool] = {"group.id": group, "enable.auto.commit": False, "log_level": 0}
        self.consumer = Consumer(connection.config(**config))
        self.partitions = [TopicPartition(t, p) for t, p in partitions]

    def committed(self) -> dict[tuple[str, int], int]:
        try:
            answer = self.consumer.committed(self.partitions, timeout=5)
        except Exception:
            return {}
        return {(tp.topic, tp.partition): tp.offset for tp in answer}

    def close(self) -> None:
        self.consumer.close()
