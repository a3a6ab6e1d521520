"""What `pip install .` ships: every package folder, and the dashboard and named queries inside.

pipelines/, app/ and sql/ sit at the top level but install as ``supplylake.pipelines``,
``supplylake.app`` and ``supplylake.sql`` (``[tool.setuptools] package-dir``). setuptools only
ships the packages listed in ``packages``, so a new folder that is not listed works in an
editable checkout and is silently missing from a wheel or the Docker image; these tests catch that.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a build needs from the checkout (pyproject's readme and license files, the package roots).
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE")


def setuptools_config() -> Mapping[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config: Mapping[str, Any] = tomllib.load(handle)["tool"]["setuptools"]
    return config


def package_folders(package_dir: Mapping[str, str]) -> dict[str, Path]:
    """Every importable package under the mapped roots: dotted name -> folder (has __init__.py)."""
    found: dict[str, Path] = {}
    for package, folder in package_dir.items():
        root = ROOT / folder
        for init in sorted(root.rglob("__init__.py")):
            relative = init.parent.relative_to(root).parts
            if "__pycache__" in relative:
                continue
            found[".".join((package, *relative))] = init.parent
    return found


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = setuptools_config()
    on_disk = package_folders(config["package-dir"])
    listed = set(config["packages"])
    missing = sorted(set(on_disk) - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_listed_package_exists() -> None:
    config = setuptools_config()
    on_disk = package_folders(config["package-dir"])
    stale = sorted(set(config["packages"]) - set(on_disk))
    assert not stale, f"listed in [tool.setuptools] packages but no folder with __init__.py: {stale}"


def test_the_top_level_folders_are_mapped_into_the_supplylake_namespace() -> None:
    assert setuptools_config()["package-dir"] == {
        "supplylake": "supplylake",
        "supplylake.pipelines": "pipelines",
        "supplylake.app": "app",
        "supplylake.sql": "sql",
    }


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Names in a wheel built from a copy of the checkout (the tree itself stays untouched)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in sorted(set(setuptools_config()["package-dir"].values())):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    # No build isolation: the pinned setuptools in the venv builds it, nothing is downloaded.
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    result = subprocess.run(
        [*command, str(source), "-w", str(work / "dist")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = (work / "dist").glob("supplylake-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.mark.parametrize(
    "path",
    [
        "supplylake/pipelines/inventory/app.py",
        "supplylake/app/Home.py",
        "supplylake/sql/where_is_my_order.sql",
        "supplylake/cli/main.py",
    ],
)
def test_the_wheel_ships(wheel_files: set[str], path: str) -> None:
    assert path in wheel_files


def test_the_wheel_ships_every_package(wheel_files: set[str]) -> None:
    packages = setuptools_config()["packages"]
    missing = [p for p in packages if f"{p.replace('.', '/')}/__init__.py" not in wheel_files]
    assert not missing


def test_the_wheel_ships_no_tests_or_benchmarks(wheel_files: set[str]) -> None:
    assert not [name for name in wheel_files if name.startswith(("tests/", "bench/", "supplylake/tests/"))]
