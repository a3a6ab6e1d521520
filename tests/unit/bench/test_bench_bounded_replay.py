"""The bounded-replay section: run --input against the bare app's rate from process start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.rendering.pipeline_report import bounded_replay
from bench.scenarios.bounded_replay import write_input


def throughput_with_bare(total_rate: float) -> dict[str, Any]:
    run = {
        "variant": "c",
        "error": None,
        "other_cores": 0.0,
        "steady_rate": total_rate * 2,
        "total_rate": total_rate,
        "peak_rss_mb": 300,
        "steady_cpu_per_event_s": 0.00001,
    }
    return {"runs": [run], "variants": {"c": {}}, "disturbed_cores": 0.3}


def replay(*walls: float, records: int = 10_000) -> dict[str, Any]:
    runs = [{"wall_s": w, "returncode": 0, "error": None} for w in walls]
    return {"events": records, "records": records, "runs": runs}


def test_the_ratio_is_the_median_rate_over_the_bare_rate_from_start() -> None:
    targets: list[tuple[str, str, str]] = []
    text = "\n".join(bounded_replay(replay(4.0, 5.0, 6.0), throughput_with_bare(4000.0), targets))
    assert "2,000 events/s" in text  # 10,000 records / median 5 s
    assert targets == [("bounded replay ≥ 0.5× bare Quix from process start", "0.50", "yes")]


def test_a_slow_replay_misses_and_a_failed_one_is_said() -> None:
    targets: list[tuple[str, str, str]] = []
    bounded_replay(replay(10.0), throughput_with_bare(4000.0), targets)
    assert targets[-1][1:] == ("0.25", "no")
    failed = {"events": 5, "records": 5, "runs": [{"wall_s": 1.0, "returncode": 1, "error": "boom"}]}
    text = "\n".join(bounded_replay(failed, None, targets))
    assert "boom" in text and targets[-1][1:] == ("no successful run", "no")


def test_the_input_is_one_event_per_line(tmp_path: Path) -> None:
    count = write_input(tmp_path / "in.jsonl", 500)
    lines = (tmp_path / "in.jsonl").read_bytes().splitlines()
    assert count == len(lines) >= 500 and all(line.startswith(b"{") for line in lines)
