"""What the commands share: importing the user's model modules, the server to use."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from rapyer import config as _config


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "modules",
        nargs="+",
        metavar="module",
        help="modules that define the models (imported, like app.models)",
    )
    parser.add_argument(
        "--url",
        help="the server (default: the models' Meta.redis, else REDIS_URL, else localhost)",
    )


def load_models(modules: Sequence[str], url: str | None) -> None:
    """Import ``modules`` (the current directory first on the path) and set the server.

    A module that cannot be found exits with status 2 and a one-line message.
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


def log_progress() -> None:
    """Show rapyer's INFO messages (progress of index builds) on stderr."""
    logger = logging.getLogger("rapyer")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
