# GENERATED from rapyer/_async/types/base.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Operations every Redis field value has: write and read its own path."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from redis.exceptions import ResponseError
from typing_extensions import Self

from rapyer import _io_sync as io
from rapyer import _original, _pipeline_state
from rapyer._sync import executor
from rapyer._sync.scripts import is_noscript, load_script, run_script_with
from rapyer._codec import LOAD_CONTEXT, is_missing_path_error, write_error
from rapyer._scripts import BY_SHA, evalsha_command
from rapyer._types.base import (
    MISSING_PATH,
    Target,
    first_match,
    missing_reply,
    read_command,
    target_of,
    wrong_type_reply,
)
from rapyer.actions import ActionGroup
from rapyer.errors import CantSerializeRedisValueError, KeyNotFound

if TYPE_CHECKING:
    from rapyer._types.base import RedisType as _Base
else:
    _Base = object


FAILED: Any = object()  # the reply of ``send_plan`` when the server refused the command


def send_plan(plan: tuple[Any, ...]) -> Any:
    """Send the one command of a fast plan (``rapyer._types.hot``): straight to the client
    when the plan allows it, else as a transaction. ``FAILED`` when the server refused it
    (nothing was applied: the general path sends again)."""
    try:
        if plan[2]:
            return io.client(plan[0]).execute_command(*plan[1])
        return (executor.transaction(plan[0], [plan[1]]))[0]
    except ResponseError:
        return FAILED


class SyncRedisValueOps(_Base):
    """Write or read the value at its own JSON path."""

    @property
    def redis(self) -> Any:
        """The client this value's operations use (as the original's ``redis``)."""
        return io.value_client(target_of(self).binding)

    def save_now(self) -> Self:
        """Write this value (``JSON.SET`` at its path). Queued in a pipeline."""
        target = target_of(self)
        text = self._rapyer_dump_json()
        commands = [("JSON.SET", target.key, target.path, text)]
        if write_field(target, commands, ActionGroup.UPDATE, "save") is not None:
            target.changed("set", text)
        return self

    def load_now(self) -> Any:
        """The stored value at this path, validated; the local value is unchanged.

        Raises KeyNotFound when the document or the path is missing.
        """
        target = target_of(self)
        commands = [read_command(target.key, target.path), *target.ttl(ActionGroup.READ)]
        replies = executor.transaction(target.binding, commands)
        found, data = first_match(replies[0])
        if not found:
            raise KeyNotFound(f"{target.key} has no value at {target.path}")
        value = _validate_stored(type(self), data)
        if self._rapyer_link is not None:
            value._rapyer_link = self._rapyer_link
            value._rapyer_seen = self._rapyer_seen
        return value


def _validate_stored(cls: type[Any], data: Any) -> Any:
    """The stored ``data`` validated as ``cls``; values the original rapyer pickled are read
    through the restricted unpickler."""
    adapter = cls._rapyer_adapter()
    if _original.value_hides_pickles(cls._rapyer_source()):
        data = _original.revive_value(cls._rapyer_source(), data)[0]
    try:
        return adapter.validate_json(json.dumps(data), context=LOAD_CONTEXT)
    except ValidationError:
        revived, changed = _original.revive_value(cls._rapyer_source(), data)
        if not changed:
            raise
    return adapter.validate_json(json.dumps(revived), context=LOAD_CONTEXT)


def write_field(
    target: Target, commands: list[Any], groups: ActionGroup, name: str = "operation"
) -> list[Any] | None:
    """Run an atomic operation on the value at ``target`` (queued in a pipeline).

    A stored document that lacks the field gets it with its default first, in the same
    transaction (``Target.ensure``); a missing document raises KeyNotFound and a value of
    another JSON type CantSerializeRedisValueError. Nothing is silent: the first reply must
    show that the operation was applied. Returns the replies of ``commands`` (``None`` when
    queued); the caller then applies the change locally and calls ``target.changed()``.
    """
    ttl = target.ttl(groups)
    frame = _pipeline_state.current()
    if frame is not None:
        frame.queue(target.binding, [*target.ensure(), *commands, *ttl], io.client)
        return None
    try:
        replies = _send(target, [*commands, *ttl])
    except ResponseError as exc:
        if not is_noscript(exc):
            raise
        for command in commands:  # a script not loaded yet: load it and send again, once
            if command[0] == "EVALSHA":
                load_script(target.binding, BY_SHA[command[1]].name)
        ttl = target.ttl(groups)  # noted again: the failed attempt dropped its TTL cascade
        replies = _send(target, [*commands, *ttl])
    first = replies[0]
    if type(first) is list and first and first[0] is not None:
        return replies  # a match with a value: applied (the common reply, told at once)
    if missing_reply(first):
        ensure = target.ensure()
        if not ensure:
            raise KeyNotFound(f"{target.key} has no value at {target.path}")
        replies = (_send(target, [*ensure, *commands, *ttl]))[len(ensure) :]
        if missing_reply(replies[0]):
            raise CantSerializeRedisValueError(
                f"{name} cannot be applied at {target.path} of {target.key!r}: the stored "
                "value there is not of the field's JSON type"
            )
    if wrong_type_reply(replies[0]):
        raise CantSerializeRedisValueError(
            f"{name} cannot be applied at {target.path} of {target.key!r}: the stored value "
            "there is not of the field's JSON type"
        )
    return replies


def _send(target: Target, commands: list[Any]) -> list[Any]:
    try:
        return executor.transaction(target.binding, commands)
    except ResponseError as exc:
        if is_noscript(exc):
            raise
        if is_missing_path_error(exc):
            return [MISSING_PATH] * len(commands)
        raise write_error(exc, target.key) from exc


def write_script(
    target: Target,
    name: str,
    args: list[Any],
    groups: ActionGroup,
    keys: list[str] | None = None,
) -> tuple[bool, Any]:
    """Queue script ``name`` on ``keys`` (the target's key by default) into the open
    pipeline, or run it at once. Returns ``(queued, reply)``.
    """
    ttl = target.ttl(groups)
    keys = [target.key] if keys is None else keys
    frame = _pipeline_state.current()
    if frame is not None:
        command = evalsha_command(name, keys, args)
        frame.queue(target.binding, [command, *ttl], io.client)
        return True, None
    try:
        return False, run_script_with(target.binding, name, keys, args, ttl)
    except ResponseError as exc:
        raise write_error(exc, target.key) from exc
