"""The lazy facade ``rapyer/__init__.py`` names each public name three times: in ``_HOMES`` (what
``__getattr__`` loads), in the ``TYPE_CHECKING`` imports (what checkers and readers see) and in
``__all__``. The three must agree, and every public name must resolve on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import rapyer

FACADE = Path(rapyer.__file__)
# Defined in the facade itself, not loaded from a home module.
OWN = {"find_redis_models"}


def _type_checking_imports() -> dict[str, set[str]]:
    tree = ast.parse(FACADE.read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imports: dict[str, set[str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module is not None
        if node.module == "rapyer":  # submodules re-exported for readers (rapyer.cascade)
            continue
        for alias in node.names:
            # ``IndexOf as Index``: checkers see a typing twin under the public name
            imports.setdefault(node.module, set()).add(alias.asname or alias.name)
    return imports


def test_homes_and_type_checking_imports_name_the_same_names() -> None:
    homes = {module: set(names) for module, names in rapyer._HOMES.items()}
    assert homes == _type_checking_imports()


def test_all_lists_exactly_the_loaded_and_own_names() -> None:
    loaded = [name for names in rapyer._HOMES.values() for name in names]
    assert len(loaded) == len(set(loaded)), "a name has two homes"
    assert len(rapyer.__all__) == len(set(rapyer.__all__))
    assert set(rapyer.__all__) == set(loaded) | OWN


def test_every_public_name_resolves_on_first_use() -> None:
    """In a fresh interpreter (nothing loaded yet), each name is its home module's object."""
    program = (
        "import importlib, rapyer\n"
        "for home, names in rapyer._HOMES.items():\n"
        "    module = importlib.import_module(home)\n"
        "    for name in names:\n"
        "        assert getattr(rapyer, name) is getattr(module, name), name\n"
        "for name in rapyer.__all__:\n"
        "    getattr(rapyer, name)\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stdout + done.stderr
