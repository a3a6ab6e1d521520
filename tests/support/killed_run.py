"""A bounded replay of a file with two instances of every enabled pipeline, SIGKILLed at random.

Every kill is a rebalance (the survivor takes the partitions over, the restarted instance takes
some back); the caller judges the lake the run leaves.
"""

from __future__ import annotations

import random
from pathlib import Path

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.embedded import EmbeddedBroker
from supplylake.ingest.intake import record_rejects
from supplylake.ingest.replay import replay_file
from supplylake.orchestration.launch import running_pipelines
from supplylake.orchestration.progress import wait_until_pipelines_committed
from supplylake.orchestration.topology import control_topics
from supplylake.pipelines.catalog import enabled_pipelines
from supplylake.pipelines.control import broadcast_watermark
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import Settings


def replay_with_kills(path: Path, settings: Settings, *, kills: int, seed: int) -> list[str]:
    """Replay ``path`` into a fresh embedded broker in ``settings.data_dir`` and wait until every
    pipeline committed it all (the end-of-replay watermark included), killing an instance at
    ``kills`` random points of the progress; the labels of the instances killed."""
    rng = random.Random(seed)
    progress = {"done": 0, "total": 1}
    killed: list[str] = []
    thresholds = sorted(rng.uniform(0.1, 0.8) for _ in range(kills))
    with EmbeddedBroker(settings.data_dir) as broker:
        connection = BrokerConnection(broker.bootstrap, broker.cluster_id, True)
        with running_pipelines(settings, connection, RunMode.BOUNDED_REPLAY, instances=2) as supervisor:
            assert len(supervisor.processes) == 2 * len(enabled_pipelines(settings))
            summary = replay_file(path, connection, settings.topics)
            record_rejects(settings, connection, summary.rejected)
            assert summary.max_event_time_ms is not None
            summary.include(broadcast_watermark(connection, control_topics(settings), summary.max_event_time_ms))

            def kill_now_and_then() -> None:
                supervisor.check()
                running = sorted(
                    label for label, p in supervisor.processes.items() if p.process and p.process.poll() is None
                )
                if thresholds and running and progress["done"] >= thresholds[0] * progress["total"]:
                    thresholds.pop(0)
                    label = rng.choice(running)
                    supervisor.processes[label].kill()  # the supervisor restarts it: two rebalances
                    killed.append(label)

            wait_until_pipelines_committed(
                connection,
                settings,
                summary.end_offsets,
                timeout_s=600,
                check=kill_now_and_then,
                on_progress=lambda done, total: progress.update(done=done, total=total),
                watermark_ms=summary.max_event_time_ms,
            )
    return killed
