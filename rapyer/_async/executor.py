"""Sending commands: direct, as one transaction, or queued into the active pipeline.

On a cluster binding every command goes through the cluster module: a command or a
transaction over one hash slot runs as usual, one over several slots runs one transaction per
slot (or raises ``ClusterUnsupportedError`` before sending when it cannot be split).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapyer import _io_async as io
from rapyer import _pipeline_state
from rapyer._async import cluster
from rapyer._binding import Binding

Command = tuple[Any, ...]


async def execute(binding: Binding, *args: Any) -> Any:
    """Run one command at once on the direct client."""
    if binding.is_cluster:
        return (await cluster.transaction(binding, [args]))[0]
    return await io.client(binding).execute_command(*args)


async def transaction(binding: Binding, commands: Sequence[Command]) -> list[Any]:
    """Run ``commands`` at once: a single command alone, several in one MULTI/EXEC."""
    if binding.is_cluster:
        return await cluster.transaction(binding, commands)
    if len(commands) == 1:
        return [await io.client(binding).execute_command(*commands[0])]
    pipe = io.client(binding).pipeline(transaction=True)
    for command in commands:
        pipe.execute_command(*command)
    return await pipe.execute()


async def write(binding: Binding, commands: Sequence[Command]) -> list[Any] | None:
    """Queue ``commands`` into the active pipeline, or run them as one transaction.

    Returns the replies, or ``None`` when the commands were queued.
    """
    frame = _pipeline_state.current()
    if frame is not None:
        frame.queue(binding, commands, io.client)
        return None
    if len(commands) == 1 and not binding.is_cluster:  # what transaction does, one call less
        return [await io.client(binding).execute_command(*commands[0])]
    return await transaction(binding, commands)
