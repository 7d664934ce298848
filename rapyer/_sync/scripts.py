# GENERATED from rapyer/_async/scripts.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Running the shipped Lua scripts: ``EVALSHA``, reloading the script after ``NOSCRIPT``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.exceptions import NoScriptError, ResponseError

from rapyer import _io_sync as io
from rapyer import _slots, cascade
from rapyer._sync import cluster, executor
from rapyer._binding import Binding
from rapyer._scripts import SCRIPTS, evalsha_command
from rapyer.errors import PersistentNoScriptError

Command = tuple[Any, ...]


def is_noscript(exc: BaseException) -> bool:
    """Whether a reply error is ``NOSCRIPT`` (redis-py and fakeredis word it alike)."""
    return isinstance(exc, NoScriptError) or (
        isinstance(exc, ResponseError) and str(exc).upper().startswith("NOSCRIPT")
    )


def load_script(binding: Binding, name: str) -> None:
    """``SCRIPT LOAD`` the script called ``name`` (on every primary of a cluster)."""
    io.client(binding).script_load(SCRIPTS[name].source)


def run_script(binding: Binding, name: str, keys: list[str], args: list[Any]) -> Any:
    """Run script ``name`` at once; after ``NOSCRIPT`` load it and retry once.

    Raises PersistentNoScriptError when the retry still gets ``NOSCRIPT``. The TTL cascades
    that the script's refreshes noted run after it.
    """
    try:
        reply = _run_script(binding, name, keys, args)
    except BaseException:
        if cascade.active:
            cascade.drop_pending()
        raise
    if cascade.active:
        executor.settle()
    return reply


def _run_script(binding: Binding, name: str, keys: list[str], args: list[Any]) -> Any:
    command = evalsha_command(name, keys, args)
    if binding.is_cluster:
        _slots.one_slot([command], f"The script {name!r}")
    client = io.client(binding)
    try:
        return client.execute_command(*command)
    except ResponseError as exc:
        if not is_noscript(exc):
            raise
    load_script(binding, name)
    try:
        return client.execute_command(*command)
    except ResponseError as exc:
        if is_noscript(exc):
            raise PersistentNoScriptError(f"Script {name!r} is missing after a reload") from exc
        raise


def run_script_with(
    binding: Binding, name: str, keys: list[str], args: list[Any], extra: Sequence[Command]
) -> Any:
    """Run script ``name`` and ``extra`` commands (TTL) in one transaction; returns the
    script's reply. After ``NOSCRIPT`` the script is loaded and the transaction retried once.
    """
    if not extra:
        return run_script(binding, name, keys, args)
    try:
        reply = _run_script_with(binding, name, keys, args, extra)
    except BaseException:
        if cascade.active:
            cascade.drop_pending()
        raise
    if cascade.active:
        executor.settle()
    return reply


def _run_script_with(
    binding: Binding, name: str, keys: list[str], args: list[Any], extra: Sequence[Command]
) -> Any:
    command = evalsha_command(name, keys, args)
    if binding.is_cluster:
        _slots.one_slot([command, *extra], f"The script {name!r} with its TTL commands")
    for attempt in range(2):
        if binding.is_cluster:
            replies = cluster.transaction_with(io.client(binding), [command, *extra])
        else:
            pipe = io.client(binding).pipeline(transaction=True)
            pipe.execute_command(*command)
            for other in extra:
                pipe.execute_command(*other)
            replies = pipe.execute(raise_on_error=False)
        first = replies[0]
        if isinstance(first, ResponseError) and is_noscript(first):
            if attempt == 0:
                load_script(binding, name)
                continue
            raise PersistentNoScriptError(f"Script {name!r} is missing after a reload")
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return first
    raise PersistentNoScriptError(f"Script {name!r} is missing after a reload")  # pragma: no cover
