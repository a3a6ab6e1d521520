"""When pipelines checkpoint and commit to the lake: by load when live, by the clock on a replay."""

from __future__ import annotations

from supplylake.broker.connection import BrokerConnection
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import commit_pacing, producer_tuning
from supplylake.settings import LakeSettings


def test_live_pipelines_commit_after_enough_records_or_a_longer_pause() -> None:
    lake = LakeSettings(live_commit_interval_s=4.0, live_commit_records=2000, commit_interval_s=0.5)
    assert commit_pacing(lake, RunMode.LIVE) == (4.0, 2000)


def test_a_bounded_replay_commits_on_the_clock_only() -> None:
    lake = LakeSettings(live_commit_interval_s=4.0, live_commit_records=2000, commit_interval_s=0.5)
    assert commit_pacing(lake, RunMode.BOUNDED_REPLAY) == (0.5, 0)


def test_defaults_keep_about_a_second_under_load_and_a_few_seconds_at_demo_rates() -> None:
    interval, records = commit_pacing(LakeSettings(), RunMode.LIVE)
    assert records / 5000 <= 1.0  # at 5,000 events/s a commit about every second or sooner
    assert 1.0 < interval <= 10.0


def test_producers_batch_on_the_embedded_broker_too() -> None:
    embedded = producer_tuning(BrokerConnection("127.0.0.1:1", "c", True))
    assert embedded == producer_tuning(BrokerConnection("kafka:9092", "c", False))
    assert embedded.get("batch.num.messages", 10_000) > 1 and float(embedded["linger.ms"]) > 0  # type: ignore[arg-type]
