"""Bad input: hostile records mixed with valid ones, along both roads into the pipelines.

- ``file``: a JSON-lines file through ``supplylake run --input`` (a child process, as a user runs
  it). The file intake rejects what it cannot route (attributed to ``file:<name>`` and the line);
  the pipelines reject the rest against the offsets the intake produced them at.
- ``topics``: the same kind of records produced as raw bytes straight onto the source topics of a
  running stack (embedded broker and every pipeline, supervised as ``run`` does), keyed like the
  file intake's routing; only the pipelines' own validation stands between them and the lake.

Both must end with every hostile record in ``dead_letters`` exactly once (its bytes, a reason, an
error code), none anywhere else, every valid record in its event table exactly once, no pipeline
restart, and every table's Iceberg schema as defined.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from chaos.hostile import CATEGORIES, Record, generate, topic_only
from chaos.lake import Lake
from chaos.measure import Figures, Sent, measure
from chaos.result import ScenarioResult
from chaos.scenarios.scenario import RunOptions, Scenario
from supplylake.broker.connection import connect
from supplylake.orchestration.launch import running_pipelines
from supplylake.orchestration.progress import wait_until_pipelines_committed
from supplylake.pipelines.run_mode import RunMode
from supplylake.processes import die_with_parent
from supplylake.settings import load_settings

NAME = "bad_input"
FULL = {"hostile": 10_000, "valid": 2_000, "huge": 2}
QUICK = {"hostile": 300, "valid": 60, "huge": 1}
RESTARTED = "pipeline exited, restarting"  # the supervisor's warning (supplylake/orchestration/supervisor.py)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYLAKE_")}
    env["SUPPLYLAKE_LOG_LEVEL"] = "WARNING"
    return env


def _result(variant: str, figures: Figures, crashes: int, started: float, details: dict[str, object]) -> ScenarioResult:
    return ScenarioResult(
        scenario=NAME,
        variant=variant,
        events_in=figures.events_in,
        **figures.counts(),
        crashes=crashes,
        recovery_s=None,
        duration_s=round(time.monotonic() - started, 1),
        details={
            "hostile": sum(s["sent"] for c, s in figures.by_category.items() if c != "valid"),
            "by_category": figures.by_category,
            "error_codes": figures.error_codes,
            "tables": figures.tables,
            "schema_changes": figures.schema_changes,
            **details,
        },
        problems=figures.problems,
    )


def run_file(records: list[Record], work_dir: Path, timeout_s: float) -> ScenarioResult:
    """Path (a): the records as a JSON-lines file through `supplylake run --input`."""
    started = time.monotonic()
    data_dir = work_dir / "file-data"
    path = work_dir / "bad-input.jsonl"
    sent: list[Sent] = []
    with path.open("wb") as handle:
        for record in records:
            if not record.in_file or record.raw is None:
                continue
            handle.write(record.raw + b"\n")
            sent.append(Sent(record, line=len(sent) + 1))
    run = subprocess.run(
        [sys.executable, "-m", "supplylake", "run", "--input", str(path), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=timeout_s,
        preexec_fn=die_with_parent,  # an interrupted suite leaves no run (nor its broker) behind
    )
    restarts = run.stderr.count(RESTARTED)
    crashes = restarts + (run.returncode != 0)
    figures = measure(Lake(data_dir), sent)
    if run.returncode != 0:
        figures.problems.insert(0, f"supplylake run exited {run.returncode}: {run.stderr.strip()[-300:]}")
    return _result(
        "file: supplylake run --input",
        figures,
        crashes,
        started,
        {"exit_code": run.returncode, "restarts": restarts, "file_mb": round(path.stat().st_size / 1e6, 1)},
    )


def run_topics(records: list[Record], work_dir: Path, timeout_s: float) -> ScenarioResult:
    """Path (b): raw bytes produced straight onto the source topics of a running stack."""
    started = time.monotonic()
    data_dir = work_dir / "topics-data"
    settings = load_settings(data_dir=data_dir)
    sent: list[Sent] = []
    refused: list[str] = []
    errors: list[str] = []
    end_offsets: dict[tuple[str, int], int] = {}
    with (
        connect(settings) as connection,
        running_pipelines(settings, connection, RunMode.BOUNDED_REPLAY) as supervisor,
    ):
        producer = Producer(connection.config(**{"linger.ms": 20, "acks": "all", "log_level": 3}))

        def delivered(entry: Sent) -> object:
            def callback(err: KafkaError | None, msg: Message) -> None:
                if err is not None:
                    errors.append(str(err))
                    return
                partition, offset = msg.partition(), msg.offset()
                entry.position = (str(msg.topic()), int(partition or 0), int(offset or 0))
                tp = (str(msg.topic()), int(partition or 0))
                end_offsets[tp] = max(end_offsets.get(tp, -1), int(offset or 0))

            return callback

        for record in records:
            entry = Sent(record)
            topic = settings.topics.for_family(record.family)
            try:
                producer.produce(topic, value=record.raw, key=record.key, on_delivery=delivered(entry))
            except KafkaException as exc:
                if exc.args and exc.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE:
                    refused.append(f"{record.category} #{record.index} ({len(record.raw or b''):,} bytes)")
                    continue
                raise
            except BufferError:
                producer.flush(30)
                producer.produce(topic, value=record.raw, key=record.key, on_delivery=delivered(entry))
            sent.append(entry)
            producer.poll(0)
        left = producer.flush(60)
        if left or errors:
            raise RuntimeError(f"{left} records undelivered, {len(errors)} delivery errors: {errors[:1]}")
        del producer  # closed while its broker still runs
        wait_until_pipelines_committed(connection, settings, end_offsets, timeout_s=timeout_s, check=supervisor.check)
        restarts = sum(p.restarts for p in supervisor.processes.values())
        crashed = supervisor.failure is not None
    figures = measure(Lake(data_dir), sent)
    return _result(
        "topics: raw records onto the source topics",
        figures,
        restarts + crashed,
        started,
        {"restarts": restarts, "refused_by_the_kafka_client": refused},
    )


def run(options: RunOptions) -> list[ScenarioResult]:
    sizes = QUICK if options.quick else FULL
    records = generate(options.seed, hostile=sizes["hostile"], valid=sizes["valid"], huge=sizes["huge"])
    timeout_s = 300.0 if options.quick else 1800.0
    results = [run_file(records, options.work_dir, timeout_s)]
    results.append(run_topics(records + topic_only(options.seed), options.work_dir, timeout_s))
    return results


SCENARIO = Scenario(
    NAME,
    "hostile records (" + ", ".join(CATEGORIES) + ") mixed with valid events, by file and straight onto topics",
    run,
)
