#!/usr/bin/env python3
"""Set up ``.venv`` and run every check: generated code, lint, format, tests.

Usage::

    python scripts/test.py [--fast] [PYTEST ARGS...]

Creates (or reuses) ``.venv`` in the repository root, upgrades pip, installs
``-e ".[test,dev]"``, then runs, stopping at the first failure:

1. ``python scripts/gen_sync.py --check``  (the blocking twin is up to date)
2. ``ruff check .`` and ``ruff format --check .``
3. ``lint-imports`` (the layers contract of ``pyproject.toml``)
4. ``mypy --strict rapyer`` (cache in ``.venv/.mypy_cache``: about 1 s warm, 15 s cold)
5. ``pytest -p no:cacheprovider -q [PYTEST ARGS...]`` with ``HYPOTHESIS_PROFILE=ci``

``--fast`` skips pip when ``.venv/.rapyer-installed`` records an install of these extras
for the current pyproject.toml. Every other argument goes to pytest (a ``--`` before them
is dropped): ``python scripts/test.py -k lock -x``. Integration tests start an embedded
server unless ``REDIS_URL`` is set. Only the standard library is used. Exits non-zero on
the first failing step.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXTRAS = "test,dev"
# import-linter's ``lint-imports`` command, run with the venv's interpreter.
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def load_bootstrap() -> ModuleType:
    """Import scripts/_bootstrap.py by path (scripts/ is not a package)."""
    path = Path(__file__).resolve().with_name("_bootstrap.py")
    spec = importlib.util.spec_from_file_location("_rapyer_bootstrap", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def parse_args(argv: list[str]) -> tuple[bool, list[str]]:
    """Split our own ``--fast`` from the arguments forwarded to pytest."""
    fast = False
    forwarded: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--":
            forwarded.extend(argv[index + 1 :])
            break
        if arg == "--fast":
            fast = True
        else:
            forwarded.append(arg)
    return fast, forwarded


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    fast, pytest_args = parse_args(argv)
    bs = load_bootstrap()

    def steps(python: Path) -> None:
        env = bs.venv_env()
        bs.run("gen_sync --check", [python, "scripts/gen_sync.py", "--check"], env=env)
        bs.run("ruff check", [python, "-m", "ruff", "check", "."], env=env)
        bs.run("ruff format --check", [python, "-m", "ruff", "format", "--check", "."], env=env)
        bs.run("lint-imports", [python, "-c", LINT_IMPORTS, "--no-cache"], env=env)
        bs.run("mypy --strict rapyer", [python, "-m", "mypy", "--strict", "rapyer"], env=env)
        bs.run(
            "pytest",
            [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", *pytest_args],
            env=bs.venv_env({"HYPOTHESIS_PROFILE": "ci"}),
        )

    return bs.run_steps(EXTRAS, fast, steps, "all checks passed")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
