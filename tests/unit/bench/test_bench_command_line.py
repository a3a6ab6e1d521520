"""A scenario's recorded command line carries no machine paths."""

from __future__ import annotations

from pathlib import Path

from bench.scenarios.scenario import shown_argument


def test_outside_paths_keep_only_their_last_parts(tmp_path: Path) -> None:
    outside = tmp_path / "checkouts" / "old" / ".venv" / "bin" / "python"  # a temp dir, not under the cwd
    assert shown_argument(str(outside)) == "…/.venv/bin/python"


def test_paths_inside_the_working_dir_become_relative() -> None:
    assert shown_argument(str(Path.cwd() / "bench" / "out")) == "bench/out"


def test_other_arguments_are_unchanged() -> None:
    assert [shown_argument(a) for a in ("--events", "100", "ac")] == ["--events", "100", "ac"]
