"""The Lua scripts shipped in ``rapyer/_lua`` (no I/O).

Each ``<name>.lua`` file becomes a ``Script`` with its source and SHA1; a line
``-- include: _part`` is replaced by the text of ``_part.lua`` (files starting with ``_`` are
shared parts, not scripts). Scripts load themselves:
a direct call uses ``EVALSHA`` and retries once after ``SCRIPT LOAD`` on ``NOSCRIPT``; a
pipeline ensures every queued SHA before ``EXEC``.
"""

from __future__ import annotations

import hashlib
import re
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
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".lua")), key=lambda e: e.name)
    parts = {e.name[: -len(".lua")]: e.read_text(encoding="utf-8") for e in entries}
    for name, text in parts.items():
        if name.startswith("_"):
            continue
        source = _INCLUDE.sub(lambda m: parts[m.group(1)], text)
        scripts[name] = Script(name, source, hashlib.sha1(source.encode()).hexdigest())
    return scripts


_INCLUDE = re.compile(r"^-- include: (_\w+)$", re.MULTILINE)


SCRIPTS: dict[str, Script] = _load_all()
BY_SHA: dict[str, Script] = {script.sha: script for script in SCRIPTS.values()}


def script(name: str) -> Script:
    """The script called ``name`` (``KeyError`` if rapyer ships none by that name)."""
    return SCRIPTS[name]


def evalsha_command(name: str, keys: list[str], args: list[object]) -> tuple[object, ...]:
    """The ``EVALSHA`` command tuple that runs script ``name``."""
    return ("EVALSHA", SCRIPTS[name].sha, len(keys), *keys, *args)
