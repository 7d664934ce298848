"""Running the Lua scripts of ``rapyer/_lua`` directly (not inside a pipeline)."""

from __future__ import annotations

from typing import Any

from redis.exceptions import NoScriptError

from rapyer import _io_async as io
from rapyer import _scripts
from rapyer._binding import Binding


async def run_script(binding: Binding, name: str, keys: list[str], args: list[Any]) -> Any:
    """Run script ``name`` at once with ``EVALSHA``; after ``NOSCRIPT`` load it and retry once."""
    client = io.client(binding)
    command = _scripts.evalsha_command(name, keys, args)
    try:
        return await client.execute_command(*command)
    except NoScriptError:
        await client.script_load(_scripts.script(name).source)
        return await client.execute_command(*command)
