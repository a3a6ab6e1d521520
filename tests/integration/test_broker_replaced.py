"""The embedded broker restarted empty under a running pipeline: the pipeline fails closed with a
clear error before writing anything under the old broker's offsets (its restart is a new epoch,
tests/integration/test_every_pipeline_exactly_once.py). Nothing is dropped, nothing stored twice.

Not asserted here: the restarted pipeline consuming the new broker. On the embedded broker a
member that died while its group was forming can stall that group (docs/architecture.md, Tansu
workarounds), and this fault makes that likely.

The dangerous case is the one tested: the new broker's records sit at offsets the lake's ledger
already holds for the old cluster, so committed under the old cluster id they would vanish as
"replays".
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.broker.topics import all_topics, ensure_topics
from supplylake.ingest.replay import replay_file
from supplylake.orchestration.progress import wait_until_committed
from supplylake.orchestration.supervisor import PipelineProcess
from supplylake.settings import load_settings
from tests.support.inventory_model import expected_from_file
from tests.support.inventory_stream import START, write_inventory_file
from tests.support.lake_identity import sql
from tests.support.processes import wait_for

pytestmark = pytest.mark.integration


def test_a_broker_restarted_empty_stops_the_pipeline_and_nothing_is_dropped(tmp_path: Path) -> None:
    first = write_inventory_file(tmp_path / "first.jsonl", 600, seed=3, keys=20)
    second = write_inventory_file(tmp_path / "second.jsonl", 200, seed=4, keys=20, start=START + timedelta(days=2))
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    group = f"{settings.kafka.consumer_group_prefix}-inventory"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")},
        "SUPPLYLAKE_DATA_DIR": str(data_dir),
        "SUPPLYLAKE_KAFKA__EMBEDDED": "true",
    }
    log = data_dir / "logs" / "pipeline-inventory.log"
    broker = EmbeddedBroker(data_dir).start()
    pipeline = PipelineProcess("inventory", {**env, "SUPPLYLAKE_KAFKA_BROKERS": broker.bootstrap}, log)
    first_cluster = broker.cluster_id
    try:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        produced = replay_file(first, connection, settings.topics)
        pipeline.start()
        wait_until_committed(connection, {settings.topics.inventory: group}, produced.end_offsets, timeout_s=120)

        # The broker dies and comes back empty on the same port, under the running pipeline.
        port = broker.port
        broker.stop()
        broker = EmbeddedBroker(data_dir, port=port).start()
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        ensure_topics(connection, all_topics(settings.topics), settings.topics)
        again = replay_file(second, connection, settings.topics)
        assert all(end < produced.end_offsets[tp] for tp, end in again.end_offsets.items())  # inside the old ledger

        assert pipeline.process is not None
        code = wait_for(pipeline.process.poll, timeout_s=120, what="the pipeline to stop by itself")
        assert code != 0
        # One clear line, whichever path inside Quix noticed first (assignment, fetch, checkpoint).
        assert "error: the broker now answering has cluster id" in log.read_text()
        assert "the broker was restarted empty or replaced" in log.read_text()

    finally:
        pipeline.stop()
        broker.stop()

    # Nothing of the new broker's records was committed under the old cluster id (where the
    # ledger would have dropped them as replays), and the first broker's events are all there.
    expected = expected_from_file(first, reorder_points={})
    rows = sql(data_dir, "SELECT event_id, count(*), min(_src_cluster) FROM inventory_events GROUP BY event_id")
    assert {event_id for event_id, _, _ in rows} == set(expected.accepted_ids)
    assert all(count == 1 for _, count, _ in rows)
    assert {cluster for _, _, cluster in rows} == {first_cluster}
