"""Exactly once into the lake while the pipeline is killed with SIGKILL at random points.

One broker life, one input of 50k inventory events (duplicates, out-of-order, late). The
pipeline process is killed at least five times at random moments of its checkpoint cycle and
restarted. Afterwards every accepted event is in `inventory_events` exactly once and the levels
equal an independent recomputation.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.ingest.replay import replay_file
from supplylake.lake.catalog import catalog_for
from supplylake.orchestration.progress import committed_offsets, wait_until_committed
from supplylake.orchestration.supervisor import PipelineProcess
from supplylake.query import LakeReader, run_query
from supplylake.settings import load_settings
from tests.support.inventory_model import expected_from_file
from tests.support.inventory_stream import write_inventory_file
from tests.support.processes import wait_for

pytestmark = pytest.mark.integration

EVENTS = 50_000
KILLS = 6


def test_sigkill_at_random_points_neither_loses_nor_duplicates(tmp_path: Path) -> None:
    source = write_inventory_file(tmp_path / "inventory.jsonl", EVENTS, seed=2024)
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    group = f"{settings.kafka.consumer_group_prefix}-inventory"
    rng = random.Random(99)
    with EmbeddedBroker(data_dir) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        produced = replay_file(source, connection, settings.topics)
        partitions = sorted(produced.end_offsets)
        total = sum(end + 1 for end in produced.end_offsets.values())
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")},
            "SUPPLYLAKE_KAFKA_BROKERS": broker.bootstrap,
            "SUPPLYLAKE_DATA_DIR": str(data_dir),
            "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
        }
        pipeline = PipelineProcess("inventory", env, data_dir / "logs" / "pipeline-inventory.log")

        def consumed() -> int:
            if pipeline.process is not None and pipeline.process.poll() is not None:
                log = pipeline.log_path.read_text(errors="replace").strip().splitlines()[-3:]
                raise AssertionError(f"pipeline exited by itself: {log}")
            return sum(max(o, 0) for o in committed_offsets(connection, group, partitions).values())

        kills = 0
        pipeline.start()
        try:
            for fraction in sorted(rng.uniform(0.05, 0.85) for _ in range(KILLS)):
                wait_for(lambda f=fraction: consumed() >= f * total, timeout_s=300, what=f"{fraction:.0%} consumed")
                # Land the kill anywhere in the commit cycle (processing, lake commit, offset
                # commit): the assertions below hold wherever it lands.
                time.sleep(rng.uniform(0.0, 1.2))
                pipeline.kill()
                kills += 1
                pipeline.start()
            wait_until_committed(connection, {settings.topics.inventory: group}, produced.end_offsets, timeout_s=300)
        finally:
            pipeline.stop()
    assert kills >= 5

    expected = expected_from_file(source, reorder_points={})
    assert expected.duplicates > 0 and expected.late > 0
    reader = LakeReader(catalog_for(settings))
    events = run_query(
        reader,
        """
        SELECT count(*), count(DISTINCT event_id), count(DISTINCT (_src_topic, _src_partition, _src_offset))
        FROM inventory_events""",
    ).rows[0]
    assert events == (len(expected.accepted_ids),) * 3
    ids = {row[0] for row in run_query(reader, "SELECT event_id FROM inventory_events").rows}
    assert ids == expected.accepted_ids
    levels = run_query(reader, "SELECT count(*), count(DISTINCT (event_id, revision)) FROM inventory_levels").rows[0]
    assert levels[0] == levels[1]
    current = run_query(reader, "SELECT warehouse_id, sku, on_hand, reserved FROM inventory_current").rows
    assert {f"{w}:{s}": (on_hand, reserved) for w, s, on_hand, reserved in current} == expected.levels
    alerts = run_query(reader, "SELECT count(*), count(DISTINCT alert_id) FROM alerts").rows[0]
    assert alerts[0] == alerts[1] == sum(expected.alerts.values())
