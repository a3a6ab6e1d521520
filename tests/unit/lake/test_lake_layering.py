"""Reading the lake pulls in no stream processing: opening a catalog lives in lake/, not in the sink.

Run in fresh interpreters: this test process has long imported Quix Streams through other tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import supplylake.lake.writer as writer_module
from supplylake.lake import catalog, snapshot_properties

READERS = ("supplylake.lake.catalog", "supplylake.query", "supplylake.cli.sql", "supplylake.reports")

# Opens a catalog, runs `supplylake sql` (through typer's CliRunner) and the run/demo summary.
RUN_READERS = """
import sys
import typer
from typer.testing import CliRunner
from supplylake.cli.sql import sql
from supplylake.reports import lake_counts
from supplylake.settings import load_settings

app = typer.Typer()
app.command()(sql)
result = CliRunner().invoke(app, ["SELECT 42 AS answer", "--data-dir", sys.argv[1], "--format", "csv"])
assert result.exit_code == 0, result.output
assert result.output.splitlines() == ["answer", "42"], result.output
assert lake_counts(load_settings(data_dir=sys.argv[1])) == {}
assert "quixstreams" not in sys.modules, "running a reader imported quixstreams"
"""


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_importing_the_readers_does_not_import_quixstreams() -> None:
    imports = "; ".join(f"import {module}" for module in READERS)
    result = python(f"{imports}; import sys; assert 'quixstreams' not in sys.modules")
    assert result.returncode == 0, result.stderr


def test_running_sql_and_the_summary_does_not_import_quixstreams(tmp_path: Path) -> None:
    result = python(RUN_READERS, str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr


def test_old_import_paths_still_work() -> None:
    # The bench (to be rewritten) imports these from their former homes.
    from supplylake.lake.sink import catalog_for

    assert catalog_for is catalog.catalog_for
    assert writer_module.COMMITTED_AT_PROPERTY is snapshot_properties.COMMITTED_AT_PROPERTY
    assert writer_module.MAX_EVENT_TIME_PROPERTY is snapshot_properties.MAX_EVENT_TIME_PROPERTY


def test_every_snapshot_property_is_spelled_once() -> None:
    """The keys are the on-disk format: only snapshot_properties may spell them out."""
    keys = [
        snapshot_properties.LEDGER_PROPERTY,
        snapshot_properties.MAX_EVENT_TIME_PROPERTY,
        snapshot_properties.COMMITTED_AT_PROPERTY,
        snapshot_properties.MAINTENANCE_PROPERTY,
    ]
    assert len(set(keys)) == len(keys)
    package = Path(snapshot_properties.__file__).resolve().parents[1]
    pipelines = package.parent / "pipelines"
    for source in [*package.rglob("*.py"), *pipelines.rglob("*.py")]:
        if source.name == "snapshot_properties.py":
            continue
        text = source.read_text(encoding="utf-8")
        for key in keys:
            assert f'"{key}"' not in text, (
                f"{source} spells out {key}; import it from supplylake.lake.snapshot_properties"
            )
