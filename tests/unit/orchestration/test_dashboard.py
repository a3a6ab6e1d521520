"""The demo finds the dashboard inside the installed package, not relative to a source checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supplylake.orchestration import dashboard
from supplylake.settings import load_settings


class _Child:
    def __init__(self, args: list[str], **kwargs: Any) -> None:
        self.args = args
        self.script = Path(args[4])
        self.script_existed = self.script.is_file()
        self.stopped = False

    def terminate(self) -> None:
        self.stopped = True

    def wait(self, timeout: float) -> int:
        return 0

    def kill(self) -> None:
        raise AssertionError("terminate was enough")


def test_the_dashboard_runs_home_py_from_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard.subprocess, "Popen", _Child)
    with dashboard.running_dashboard(load_settings(data_dir=tmp_path), 8599) as child:
        assert isinstance(child, _Child)
        assert child.args[1:4] == ["-m", "streamlit", "run"]
        assert child.script.name == "Home.py" and child.script_existed
        assert child.args[child.args.index("--server.port") + 1] == "8599"
    assert child.stopped
    assert (tmp_path / "logs" / "dashboard.log").exists()
