"""The CLI answers mistakes with one line that says what is wrong and how to fix it.

The cases run in this process (tests/support/cli_runs.py: typer's CliRunner isolation around
``supplylake.cli.main.main``, the function that turns errors into one line and an exit code).
Only the test of the ``python -m supplylake`` entry point starts a process: the exit status of a
real interpreter is what it checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli_runs import supplylake


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["simulate", "--events", "many"], "Input should be a valid integer"),
        (["broker", "launch"], "No such command 'launch'"),
        (["config", "show", "--colour"], "No such option: --colour"),
    ],
)
def test_bad_arguments_get_one_line(args: list[str], expected: str) -> None:
    result = supplylake(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "--help" in lines[0]


def test_bad_environment_gets_one_line() -> None:
    result = supplylake("config", "show", env={"SUPPLYLAKE_TOPICS__PARTITIONS": "lots"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SUPPLYLAKE_TOPICS__PARTITIONS" in lines[0] and "Hint:" in lines[0]


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    result = supplylake(
        "config",
        "show",
        "--json",
        "--data-dir",
        str(tmp_path),
        env={"SUPPLYLAKE_KAFKA__SASL_PASSWORD": "hunter2"},
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["kafka"]["sasl_password"] == "***"
    assert shown["data_dir"] == str(tmp_path)
    assert "hunter2" not in result.stdout


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["run", "--help"],
        ["demo", "--help"],
        ["simulate", "--help"],
        ["broker", "--help"],
        ["config", "--help"],
        ["contracts", "export", "--help"],
        ["sql", "--help"],
        ["lake", "--help"],
    ):
        result = supplylake(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage:" in result.stdout


def test_contracts_export_writes_schemas(tmp_path: Path) -> None:
    result = supplylake("contracts", "export", str(tmp_path / "schemas"))
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "schemas").glob("*.schema.json"))
    names = {f.name for f in files}
    assert "inventory.received.schema.json" in names and "shipment.telemetry.schema.json" in names
    schema = json.loads((tmp_path / "schemas" / "inventory.received.schema.json").read_text())
    assert schema["properties"]["eventType"]["const"] == "inventory.received"


def test_module_entry_point_exits_with_the_commands_code() -> None:
    """`python -m supplylake` hands main's code to the interpreter's exit status."""
    result = subprocess.run(
        [sys.executable, "-m", "supplylake", "broker", "launch"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "No such command 'launch'" in lines[0]
