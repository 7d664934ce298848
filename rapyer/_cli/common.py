"""What the commands share: importing the user's model modules, the server to use."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from rapyer import _registry
from rapyer import config as _config


def load_models(
    modules: Sequence[str], url: str | None, names: Sequence[str] | None = None
) -> list[Any]:
    """Import ``modules`` (the current directory first on the path), set the server, and
    return the models they define (only the classes named in ``names`` when given).

    A module that cannot be found exits with a one-line message.
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise  # the module exists, and an import inside it failed
            raise SystemExit(f"python -m rapyer: error: no module named {name!r}") from exc
    if url is not None:
        _config.set_init_defaults({"redis": url})
    found = [
        cls
        for cls in _registry.models()
        if any(cls.__module__ == m or cls.__module__.startswith(m + ".") for m in modules)
    ]
    return [cls for cls in found if not names or cls.__name__ in names]


def log_progress() -> None:
    """Show rapyer's INFO messages (progress of index builds) on stderr."""
    logger = logging.getLogger("rapyer")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
