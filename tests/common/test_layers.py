"""The package is layered and has no import cycle (import-linter and a static import graph).

The layers are the contract in ``pyproject.toml`` (``[tool.importlinter]``, run with
``lint-imports``); the development page shows them. Both checks are also shown to fail on a
copy of the package with one deliberately inverted import.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "rapyer"


def _modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under ``root``."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is imported: not in a function, a class body's
    method, or an ``if TYPE_CHECKING:`` block."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports at module level.

    ``from a import b`` counts as an import of ``a.b`` when that is a module, else of ``a``
    (as import-linter counts them).
    """
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def inverted_copy(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package and its contract whose ``module`` gets ``line`` appended."""
    shutil.copytree(REPO / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_no_module_of_the_package_is_in_an_import_cycle() -> None:
    graph = import_graph(REPO)
    assert len(graph) > 60  # the whole package was read
    assert cycles(graph) == []


def test_an_inverted_import_makes_a_cycle_that_is_found(tmp_path: Path) -> None:
    root = inverted_copy(tmp_path, "rapyer.errors", "from rapyer import _model  # inverted")
    found = cycles(import_graph(root))
    assert len(found) == 1
    assert {"rapyer.errors", "rapyer._model"} <= set(found[0])


def test_imports_inside_type_checking_and_functions_are_not_counted(tmp_path: Path) -> None:
    lines = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from rapyer import _model\n"
        "def later():\n    from rapyer import _meta\n"
    )
    root = inverted_copy(tmp_path, "rapyer.errors", lines)
    assert import_graph(root)["rapyer.errors"] == set()


LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` run in ``root``: the contract of its ``pyproject.toml`` on the package
    under ``root`` (import-linter puts the working directory first on the path)."""
    pytest.importorskip("importlinter")
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_layers_contract_is_kept() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_layers_contract_fails_on_an_inverted_import(tmp_path: Path) -> None:
    """A leaf (the JSON-path grammar) importing an I/O twin breaks the contract."""
    root = inverted_copy(tmp_path, "rapyer._paths", "import rapyer._async.bulk  # inverted")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "rapyer._paths -> rapyer._async.bulk" in result.stdout
