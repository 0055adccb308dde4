"""The packages import one way: ``agents`` builds on a few leaves of ``model`` (the
scenario schema, units, the compiler); ``model`` builds on ``agents``; ``experiments``
on both; ``classroom`` on all three. No module imports one that imports it back, even
lazily inside a function (imports for type checking only are exempt), so no lazy import
hides a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("model", "agents", "experiments", "classroom")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(("overplay", *parts))


MODULES = {module_name(p): p for name in FOLDERS for p in (ROOT / name).rglob("*.py")}


def imported(path: Path) -> set[str]:
    """The overplay modules a file imports, anywhere in it, except under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for statement in branch.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name in MODULES}


GRAPH = {name: imported(path) - {name} for name, path in MODULES.items()}


def test_the_graph_sees_the_imports():
    assert len(MODULES) > 100
    assert "overplay.agents.actions" in GRAPH["overplay.model.dispatch"]


def test_no_module_imports_one_that_imports_it_back():
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(name: str, stack: list[str]) -> None:
        state[name] = "open"
        stack.append(name)
        for target in sorted(GRAPH[name]):
            if state.get(target) == "open":
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_agents_and_model_never_import_experiments_and_agents_not_the_model_class():
    for name, targets in GRAPH.items():
        if name.startswith(("overplay.model", "overplay.agents")):
            assert not {t for t in targets if t.startswith("overplay.experiments")}, name
        if name.startswith("overplay.agents"):
            assert "overplay.model.leverage_model" not in targets, name
