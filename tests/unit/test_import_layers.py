"""Straight layers: no import cycle between supplylake's modules or packages, and no import upwards.

The graph is static (``ast`` over the source files, nothing imported but the packages needed to
find them). Every import is an edge: module level, inside functions (the lazy imports that keep
Quix out of the CLI), and under ``if TYPE_CHECKING:``. A lazy import still means "this module
needs that one", so a cycle through one is still a cycle in the design.

``from package import name`` is an edge to ``package.name`` when that is a module, else to
``package``. A package's ``__init__`` is a module like any other; a module does not depend on
its parent package just by living in it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import itertools
import pkgutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (importer, what it must not import, why). A name matches itself and everything below it.
LAYER_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "supplylake.contracts",
        ("supplylake.",),
        "the wire contracts are the bottom layer: they import nothing of ours "
        "but supplylake.errors and supplylake.event_time",
    ),
    (
        "supplylake.lake",
        (
            "supplylake.pipelines",
            "supplylake.orchestration",
            "supplylake.cli",
            "supplylake.ingest",
            "supplylake.query",
            "supplylake.planning",
            "supplylake.app",
        ),
        "the lake is storage: it knows no producer, consumer or reader of its tables",
    ),
    (
        "supplylake.query",
        (
            "supplylake.pipelines",
            "supplylake.orchestration",
            "supplylake.cli",
            "supplylake.ingest",
            "supplylake.planning",
        ),
        "reading the lake needs no streaming code",
    ),
    (
        "supplylake.broker",
        (
            "supplylake.lake",
            "supplylake.query",
            "supplylake.pipelines",
            "supplylake.orchestration",
            "supplylake.cli",
            "supplylake.ingest",
        ),
        "the broker connection is below everything that uses it",
    ),
    (
        "supplylake.pipelines",
        ("supplylake.orchestration", "supplylake.cli", "supplylake.ingest", "supplylake.app", "supplylake.planning"),
        "a pipeline is run by the orchestrator, it does not run it",
    ),
    ("supplylake.ingest", ("supplylake.pipelines", "supplylake.orchestration", "supplylake.cli"), "producers only"),
    ("supplylake.orchestration", ("supplylake.cli", "supplylake.app"), "the CLI calls orchestration, not back"),
    (
        "supplylake.simulator",
        ("supplylake.",),
        "the simulator is pure: it imports nothing of ours but the contracts it produces, "
        "supplylake.errors and supplylake.event_time",
    ),
)
# Exceptions to LAYER_RULES' prefixes: (importer prefix, allowed target prefix).
ALLOWED: tuple[tuple[str, str], ...] = (
    ("supplylake.contracts", "supplylake.contracts"),
    ("supplylake.contracts", "supplylake.errors"),
    ("supplylake.contracts", "supplylake.event_time"),
    ("supplylake.simulator", "supplylake.simulator"),
    ("supplylake.simulator", "supplylake.errors"),
    ("supplylake.simulator", "supplylake.event_time"),
    ("supplylake.simulator", "supplylake.contracts"),
)


def _roots() -> list[str]:
    """The import roots: ``supplylake`` plus every package pyproject maps from another folder."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    mapped = config["tool"]["setuptools"].get("package-dir", {})
    return sorted({"supplylake", *mapped})


def _module_files() -> dict[str, Path]:
    """Every module of supplylake (dotted name -> source file), found without importing modules."""
    files: dict[str, Path] = {}
    for root in _roots():
        package = importlib.import_module(root)
        assert package.__file__ is not None
        files[root] = Path(package.__file__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{root}."):
            spec = importlib.util.find_spec(info.name)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                files[info.name] = Path(spec.origin)
    return files


def _imported_names(path: Path, module: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(imported module, names imported from it) for every import statement in the file."""
    is_package = path.name == "__init__.py"
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, tuple(alias.name for alias in node.names)


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The longest known module name that ``target`` is or lies under; None if not ours."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in modules:
            return name
        parts.pop()
    return None


def import_graph() -> dict[str, set[str]]:
    modules = _module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        for target, names in _imported_names(path, module):
            if not target.startswith("supplylake"):
                continue
            base = _resolve(target, modules)
            # `from pkg import name`: the submodule if `name` is one, else the package itself.
            submodules = {_resolve(f"{target}.{name}", modules) for name in names} - {None, base}
            edges = submodules or {base}
            graph[module].update(edge for edge in edges if edge is not None and edge != module)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each as one cycle path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(_one_cycle(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A concrete path start -> ... -> start inside one strongly connected component."""
    start = min(component)
    paths: dict[str, list[str]] = {start: [start]}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                frontier.append(nxt)
    return sorted(component)


def _component(module: str) -> str:
    """The package a module belongs to for the package-level graph: ``supplylake.<first part>``."""
    return ".".join(module.split(".")[:2])


def _matches(name: str, prefix: str) -> bool:
    return name == prefix.rstrip(".") or name.startswith(prefix if prefix.endswith(".") else f"{prefix}.")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_every_layer(graph: dict[str, set[str]]) -> None:
    packages = {_component(module) for module in graph}
    for expected in ("supplylake.pipelines", "supplylake.orchestration", "supplylake.cli", "supplylake.app"):
        assert expected in packages
    assert "supplylake.pipelines.inventory.app" in graph
    # Function-level imports count: the catalog loads each app lazily.
    assert "supplylake.pipelines.inventory.app" in graph["supplylake.pipelines.catalog"]


def test_no_import_cycle_between_modules(graph: dict[str, set[str]]) -> None:
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_no_import_cycle_between_packages(graph: dict[str, set[str]]) -> None:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        edges = packages.setdefault(_component(module), set())
        edges.update(_component(t) for t in targets if _component(t) != _component(module))
    cycles = _cycles(packages)
    witnesses = [
        f"{module} -> {target}"
        for cycle in cycles
        for a, b in itertools.pairwise(cycle)
        for module, targets in graph.items()
        if _component(module) == a
        for target in targets
        if _component(target) == b
    ]
    assert not cycles, (
        "package cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles) + "\nthrough:\n" + "\n".join(witnesses)
    )


def test_layers_import_only_downwards(graph: dict[str, set[str]]) -> None:
    violations = [
        f"{module} imports {target}: {why}"
        for importer, forbidden, why in LAYER_RULES
        for module, targets in sorted(graph.items())
        if _matches(module, importer)
        for target in sorted(targets)
        if any(_matches(target, prefix) for prefix in forbidden)
        and not any(_matches(module, a) and _matches(target, b) for a, b in ALLOWED)
    ]
    assert not violations, "\n".join(violations)
