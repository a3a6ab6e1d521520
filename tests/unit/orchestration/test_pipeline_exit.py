"""What the supervisor says about a pipeline that stopped: a death by signal is named in its log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supplylake.orchestration.supervisor import PipelineProcess


def _stopped(tmp_path: Path, code: str) -> PipelineProcess:
    pipeline = PipelineProcess("shipments", {}, tmp_path / "pipeline-shipments.log", instance=1)
    pipeline.log_path.write_text("last words\n")
    pipeline.process = subprocess.Popen([sys.executable, "-c", code])
    pipeline.process.wait(timeout=30)
    return pipeline


def test_a_pipeline_killed_by_a_crash_signal_is_named_in_its_log(tmp_path: Path) -> None:
    pipeline = _stopped(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")

    assert pipeline.explain_exit() == "killed by SIGSEGV"
    assert pipeline.log_path.read_text() == "last words\nsupplylake: pipeline shipments-1 was killed by SIGSEGV\n"


@pytest.mark.parametrize("code", [0, 3])
def test_a_pipeline_that_exited_speaks_for_itself(tmp_path: Path, code: int) -> None:
    pipeline = _stopped(tmp_path, f"raise SystemExit({code})")

    assert pipeline.explain_exit() == f"exit code {code}"
    assert pipeline.log_path.read_text() == "last words\n"  # its own error line is already there


def test_a_pipeline_still_running_has_nothing_to_explain(tmp_path: Path) -> None:
    assert PipelineProcess("orders", {}, tmp_path / "log").explain_exit() == "not stopped"
