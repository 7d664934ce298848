# GENERATED from rapyer/_async/scripts.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Running the Lua scripts of ``rapyer/_lua`` directly (not inside a pipeline)."""

from __future__ import annotations

from typing import Any

from redis.exceptions import NoScriptError

from rapyer import _io_sync as io
from rapyer import _scripts
from rapyer._binding import Binding


def run_script(binding: Binding, name: str, keys: list[str], args: list[Any]) -> Any:
    """Run script ``name`` at once with ``EVALSHA``; after ``NOSCRIPT`` load it and retry once."""
    client = io.client(binding)
    command = _scripts.evalsha_command(name, keys, args)
    try:
        return client.execute_command(*command)
    except NoScriptError:
        client.script_load(_scripts.script(name).source)
        return client.execute_command(*command)
