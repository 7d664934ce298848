"""The Lua scripts shipped in ``rapyer/_lua`` (no I/O).

Each ``<name>.lua`` file becomes a ``Script`` with its source and SHA1. Scripts load themselves:
a direct call uses ``EVALSHA`` and retries once after ``SCRIPT LOAD`` on ``NOSCRIPT``; a
pipeline ensures every queued SHA before ``EXEC``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Script:
    name: str
    source: str
    sha: str


def _load_all() -> dict[str, Script]:
    scripts: dict[str, Script] = {}
    folder = resources.files("rapyer") / "_lua"
    if not folder.is_dir():
        return scripts
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".lua"):
            source = entry.read_text(encoding="utf-8")
            name = entry.name[: -len(".lua")]
            scripts[name] = Script(name, source, hashlib.sha1(source.encode()).hexdigest())
    return scripts


SCRIPTS: dict[str, Script] = _load_all()
BY_SHA: dict[str, Script] = {script.sha: script for script in SCRIPTS.values()}


def script(name: str) -> Script:
    """The script called ``name`` (``KeyError`` if rapyer ships none by that name)."""
    return SCRIPTS[name]


def evalsha_command(name: str, keys: list[str], args: list[object]) -> tuple[object, ...]:
    """The ``EVALSHA`` command tuple that runs script ``name``."""
    return ("EVALSHA", SCRIPTS[name].sha, len(keys), *keys, *args)
