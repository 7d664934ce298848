# GENERATED from rapyer/_async/types/base.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Operations every Redis field value has: write and read its own path."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from typing_extensions import Self

from rapyer import _io_sync as io
from rapyer import _original, _pipeline_state
from rapyer._sync import executor
from rapyer._sync.scripts import run_script_with
from rapyer._codec import LOAD_CONTEXT
from rapyer._scripts import evalsha_command
from rapyer._types.base import Target, first_match, read_command, target_of
from rapyer.actions import ActionGroup
from rapyer.errors import KeyNotFound

if TYPE_CHECKING:
    from rapyer._types.base import RedisType as _Base
else:
    _Base = object


class SyncRedisValueOps(_Base):
    """Write or read the value at its own JSON path."""

    def save_now(self) -> Self:
        """Write this value (``JSON.SET`` at its path). Queued in a pipeline."""
        target = target_of(self)
        commands = [("JSON.SET", target.key, target.path, self._rapyer_dump_json())]
        executor.write(target.binding, [*commands, *target.ttl(ActionGroup.UPDATE)])
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
        return value


def _validate_stored(cls: type[Any], data: Any) -> Any:
    """The stored ``data`` validated as ``cls``; values the original rapyer pickled are read
    through the restricted unpickler."""
    adapter = cls._rapyer_adapter()
    try:
        return adapter.validate_json(json.dumps(data), context=LOAD_CONTEXT)
    except ValidationError:
        revived, changed = _original.revive_value(cls._rapyer_source(), data)
        if not changed:
            raise
    return adapter.validate_json(json.dumps(revived), context=LOAD_CONTEXT)


def write_script(
    target: Target, name: str, args: list[Any], groups: ActionGroup
) -> tuple[bool, Any]:
    """Queue script ``name`` on the target's key into the open pipeline, or run it at once.

    Returns ``(queued, reply)``.
    """
    ttl = target.ttl(groups)
    frame = _pipeline_state.current()
    if frame is not None:
        command = evalsha_command(name, [target.key], args)
        frame.queue(target.binding, [command, *ttl], io.client)
        return True, None
    return False, run_script_with(target.binding, name, [target.key], args, ttl)
