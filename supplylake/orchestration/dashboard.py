"""The managers' dashboard as a child process (Streamlit), found inside the installed package.

``importlib.resources`` locates ``supplylake.app/Home.py`` wherever the package is installed
(editable or not), rather than a path relative to this source file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path

from supplylake.processes import die_with_parent
from supplylake.settings import Settings

DASHBOARD_PACKAGE = "supplylake.app"
DASHBOARD_ENTRY = "Home.py"


def _start(script: Path, settings: Settings, port: int) -> subprocess.Popen[bytes]:
    log = (settings.data_dir / "logs" / "dashboard.log").open("ab")
    env = {**os.environ, "SUPPLYLAKE_DATA_DIR": str(settings.data_dir.resolve())}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        preexec_fn=die_with_parent,
        start_new_session=True,
    )


@contextmanager
def running_dashboard(settings: Settings, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The dashboard on ``port`` until the context ends (then terminated, killed after 10 s)."""
    (settings.data_dir / "logs").mkdir(parents=True, exist_ok=True)
    with as_file(files(DASHBOARD_PACKAGE) / DASHBOARD_ENTRY) as script:
        dashboard = _start(script, settings, port)
        try:
            yield dashboard
        finally:
            dashboard.terminate()
            try:
                dashboard.wait(10)
            except subprocess.TimeoutExpired:
                dashboard.kill()
