"""Scripts of the repository imported by path for their tests (``scripts/`` and
``benchmarks/`` are not packages)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(name: str, path: Path) -> ModuleType:
    """The module of the script at ``path``, registered in ``sys.modules`` as ``name`` (the
    dataclasses of a script look their module up there)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
