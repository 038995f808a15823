"""The packages of ``athsys/`` form layers: each imports only from its own layer or below,
and no two packages import each other, directly or round a loop.

The graph is built from the source with ``ast`` (every ``import`` and ``from ... import``,
at module level or inside a function), so an import hidden in a function body counts too.
The order is the one table below; docs/architecture.md draws the same picture.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "athsys"

#: Lowest first. A package may import from its own layer and the layers above it in this
#: list, never from one below it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("platform", frozenset({
        "config", "keys", "db", "errors", "inputs", "logging", "metrics", "runtime", "jobs",
        "private_files", "spreadsheet", "embedded", "redis_client",
    })),
    ("sport", frozenset({"sport"})),
    ("accounts", frozenset({"audit", "accounts"})),
    ("athletes", frozenset({"athletes"})),
    ("competitions", frozenset({"competitions"})),
    ("results", frozenset({"results"})),
    # notifications are an outbox written in the transaction that makes a result official,
    # so they sit with records, below the officiating that calls both
    ("timing, scoring, records", frozenset({"timing", "scoring", "records", "notifications"})),
    ("officiating", frozenset({"officiating"})),
    ("read models and operations", frozenset({
        "leaderboards", "documents", "home", "backups", "demo", "health", "migrations",
        "models",
    })),
)

RANK = {package: rank for rank, (_, packages) in enumerate(LAYERS) for package in packages}


def package_of(module: str) -> str:
    """``athsys.results.models`` -> ``results``; ``athsys.db`` -> ``db``."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every ``athsys.*`` module the file imports, relative imports resolved."""
    here = module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
    return {m for m in found if m.startswith("athsys.")}


def package_graph() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the files that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(ROOT.rglob("*.py")):
        if path.parent == ROOT and path.name == "__init__.py":
            continue
        source = package_of(module_name(path))
        for module in imported_modules(path):
            target = package_of(module)
            if target != source:
                graph[source][target].add(str(path.relative_to(ROOT.parent)))
    return graph


def find_cycle(graph: dict[str, dict[str, set[str]]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_package_has_a_layer():
    packages = {package_of(module_name(p)) for p in ROOT.rglob("*.py") if p.parent != ROOT
                or p.name != "__init__.py"}
    assert packages - RANK.keys() == set(), "add the new package to LAYERS"


def test_no_import_runs_against_the_layers():
    wrong = [
        f"{source} ({RANK[source]}) imports {target} ({RANK[target]}) in {', '.join(sorted(files))}"
        for source, targets in package_graph().items()
        for target, files in targets.items()
        if RANK[target] > RANK[source]
    ]
    assert wrong == []


def test_no_package_import_loop():
    assert find_cycle(package_graph()) is None


# -- the checks themselves -----------------------------------------------------------------------
def test_a_loop_is_found():
    graph = {"a": {"b": {"x"}}, "b": {"c": {"y"}}, "c": {"a": {"z"}}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": {"x"}}, "b": {}}) is None


@pytest.mark.parametrize(("source", "expected"), [
    ("from athsys.results.models import Result\n", {"athsys.results.models"}),
    ("import athsys.db\n", {"athsys.db"}),
    ("def f():\n    from athsys.officiating import service\n", {"athsys.officiating"}),
    ("from . import service\n", {"athsys.competitions"}),
    ("from ..results import models\n", {"athsys.results"}),
    ("import json\nfrom sqlalchemy import select\n", set()),
])
def test_imports_are_read_from_source(tmp_path, monkeypatch, source, expected):
    package = tmp_path / "athsys" / "competitions"
    package.mkdir(parents=True)
    (package / "planner.py").write_text(source)
    monkeypatch.setitem(globals(), "ROOT", tmp_path / "athsys")
    assert imported_modules(package / "planner.py") == expected
