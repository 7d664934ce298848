# GENERATED from rapyer/_async/scripts.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Running the shipped Lua scripts directly (not queued): EVALSHA, reloading once."""

from __future__ import annotations

from typing import Any

from redis.exceptions import NoScriptError, ResponseError

from rapyer import _scripts
from rapyer._sync import executor
from rapyer._binding import Binding
from rapyer.errors import PersistentNoScriptError


def _is_noscript(exc: ResponseError) -> bool:
    return isinstance(exc, NoScriptError) or "NOSCRIPT" in str(exc).upper()


def run_script(binding: Binding, name: str, keys: list[str], args: list[Any]) -> Any:
    """Run script ``name`` at once; after ``NOSCRIPT`` load it and retry once."""
    command = _scripts.evalsha_command(name, keys, args)
    try:
        return executor.execute(binding, *command)
    except ResponseError as exc:
        if not _is_noscript(exc):
            raise
    executor.execute(binding, "SCRIPT", "LOAD", _scripts.script(name).source)
    try:
        return executor.execute(binding, *command)
    except ResponseError as exc:
        if _is_noscript(exc):
            raise PersistentNoScriptError(
                f"Script {name!r} is still missing after a reload"
            ) from exc
        raise
