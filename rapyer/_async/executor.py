"""Sending commands: direct, as one transaction, or queued into the active pipeline.

On a cluster binding every command goes through the cluster module: a command or a
transaction over one hash slot runs as usual, one over several slots runs one transaction per
slot (or raises ``ClusterUnsupportedError`` before sending when it cannot be split).

Commands that refresh the TTL of a model with enabled cascade edges note the model when they
are built (``rapyer.cascade.note_refresh``); once they were sent, ``settle`` runs its cascade.
Until the first such refresh (``cascade.active``) the check is one attribute read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapyer import _io_async as io
from rapyer import _pipeline_state, cascade
from rapyer._async import cluster
from rapyer._async.cascade import run_walk
from rapyer._binding import Binding

Command = tuple[Any, ...]


async def execute(binding: Binding, *args: Any) -> Any:
    """Run one command at once on the direct client."""
    try:
        if binding.is_cluster:
            reply = (await cluster.transaction(binding, [args]))[0]
        else:
            reply = await io.client(binding).execute_command(*args)
    except BaseException:
        if cascade.active:
            cascade.drop_pending()
        raise
    if cascade.active:
        await settle()
    return reply


async def transaction(
    binding: Binding, commands: Sequence[Command], raise_on_error: bool = True
) -> list[Any]:
    """Run ``commands`` at once: a single command alone, several in one MULTI/EXEC.

    ``raise_on_error=False`` returns error replies of a MULTI in the list instead of raising
    the first one."""
    try:
        if binding.is_cluster:
            replies = await cluster.transaction_with(io.client(binding), commands, raise_on_error)
        elif len(commands) == 1:
            replies = [await io.client(binding).execute_command(*commands[0])]
        else:
            pipe = io.client(binding).pipeline(transaction=True)
            for command in commands:
                pipe.execute_command(*command)
            replies = list(await pipe.execute(raise_on_error=raise_on_error))
    except BaseException:
        if cascade.active:
            cascade.drop_pending()
        raise
    if cascade.active:
        await settle()
    return replies


async def write(binding: Binding, commands: Sequence[Command]) -> list[Any] | None:
    """Queue ``commands`` into the active pipeline, or run them as one transaction.

    Returns the replies, or ``None`` when the commands were queued.
    """
    frame = _pipeline_state.current()
    if frame is not None:
        frame.queue(binding, commands, io.client)
        return None
    if len(commands) == 1 and not binding.is_cluster:  # what transaction does, one call less
        try:
            reply = await io.client(binding).execute_command(*commands[0])
        except BaseException:
            if cascade.active:
                cascade.drop_pending()
            raise
        if cascade.active:
            await settle()
        return [reply]
    return await transaction(binding, commands)


async def settle() -> None:
    """Run the TTL cascades of the refreshes just sent (nothing when none was noted)."""
    roots = cascade.take_pending()
    if roots:
        await run_cascade(roots)


async def run_cascade(roots: Sequence[cascade.Root]) -> cascade.CascadeResult:
    """Extend the TTL of every model ``roots`` reach by enabled reference edges."""
    return await run_walk(cascade.Walk(roots), transaction, write)
