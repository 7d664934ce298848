# GENERATED from rapyer/_async/cluster.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Commands on a Redis Cluster: per-slot transactions and scans of every primary.

A cluster runs a transaction, a script or a multi-key command only when all its keys are in
one hash slot. ``transaction`` splits the commands with ``rapyer._slots.plan``: one slot goes
through the cluster client's own transaction; several slots are sent as ``MULTI … EXEC``
blocks, every block of one node in one plain pipeline to that node, the nodes concurrently (a
block of one command is sent bare: it is atomic by itself). A block refused because its slot
moved (``MOVED``, ``CLUSTERDOWN``) is sent again to the new owner after the topology is
refreshed; one refused with ``ASK`` (its slot is migrating and its keys are on the importing
node) is sent to that node after ``ASKING``; ``TRYAGAIN`` (a migrating slot whose keys are
not all on one node) is retried after a pause. Each block is atomic; blocks that still fail
raise ``ClusterWriteError`` naming the slots that were applied and those that were not.
Nothing is sent when a command cannot be placed (``ClusterUnsupportedError``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from redis.exceptions import (
    AskError,
    ClusterDownError,
    MovedError,
    RedisError,
    ResponseError,
    TryAgainError,
)

from rapyer import _io_sync as io
from rapyer import _slots
from rapyer._binding import Binding
from rapyer.errors import ClusterWriteError

__all__ = ["is_redirect", "run_blocks", "scan", "transaction"]

Command = tuple[Any, ...]

_ATTEMPTS = 6
_REDIRECTS = ("MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "EXECABORT")


def is_redirect(error: BaseException) -> bool:
    """Whether ``error`` says the slot is (being) served elsewhere: worth a retry."""
    if isinstance(error, (AskError, ClusterDownError, MovedError, TryAgainError)):
        return True
    text = str(error).upper()
    return any(word in text for word in _REDIRECTS)


def transaction(binding: Binding, commands: Sequence[Command]) -> list[Any]:
    """Run ``commands`` at once, atomic per slot; the replies in command order.

    Raises ClusterUnsupportedError (nothing sent) for a command over several slots that
    cannot be split, ClusterWriteError when some slots could not be applied.
    """
    return transaction_with(io.client(binding), commands, raise_on_error=True)


def transaction_with(
    client: Any, commands: Sequence[Command], raise_on_error: bool = False
) -> list[Any]:
    """``transaction`` on ``client``; error replies are returned in place unless
    ``raise_on_error`` (ClusterWriteError is raised either way)."""
    plan = _slots.plan(commands)
    if len(commands) == 1 and len(plan.blocks) == 1 and raise_on_error:
        return [client.execute_command(*commands[0])]
    # Transactions go to the node's plain client, even for one slot: redis-py's async cluster
    # transaction queues each command through a new event loop in a thread (8.1).
    replies = plan.merge(run_slots(client, plan.blocks))
    if raise_on_error:
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
    return replies


def run_slots(client: Any, blocks: dict[int, list[Command]]) -> dict[int, list[Any]]:
    """Run each slot's block as one transaction on the node owning the slot.

    Returns the replies of every block by slot; raises ClusterWriteError when a block could
    not be applied after the retries (the other blocks are applied). A block refused with
    ``ASK`` (its slot is migrating and the key is on the importing node already) is sent
    again to that node after ``ASKING``; ``MOVED`` and the others refresh the topology.
    """
    applied: dict[int, list[Any]] = {}
    failed: dict[int, BaseException] = {}
    pending = dict(blocks)
    asked: dict[int, str] = {}  # slot -> the node an ASK named
    for attempt in range(_ATTEMPTS):
        by_node: dict[tuple[str, bool], dict[int, list[Command]]] = {}
        for slot, block in pending.items():
            name = asked.get(slot)
            if name is None:
                name = io.node_name_of_key(client, _slots.keys_of(block[0])[0])
            by_node.setdefault((name, slot in asked), {})[slot] = block
        calls = [
            _node_call(client, name, asking, group) for (name, asking), group in by_node.items()
        ]
        outcomes = io.each(calls)
        retry: dict[int, list[Command]] = {}
        asked = {}
        for node_blocks, outcome in zip(by_node.values(), outcomes, strict=True):
            for slot, reply in outcome.items():
                if not isinstance(reply, BaseException):
                    applied[slot] = reply
                    failed.pop(slot, None)
                    continue
                failed[slot] = reply
                if isinstance(reply, AskError):
                    asked[slot] = f"{reply.host}:{reply.port}"
                if is_redirect(reply):
                    retry[slot] = node_blocks[slot]
        if not retry or attempt + 1 == _ATTEMPTS:
            break
        if len(asked) < len(retry):  # MOVED, TRYAGAIN, CLUSTERDOWN: the topology changed
            io.refresh_topology(client)
            io.sleep(0.05 * (attempt + 1))
        pending = retry
    if failed:
        raise ClusterWriteError(sorted(applied), failed)
    return applied


def _node_call(client: Any, name: str, asking: bool, blocks: dict[int, list[Command]]) -> Any:
    def call() -> dict[int, Any]:
        return run_blocks(io.node_client(client, name), blocks, asking)

    return call


def run_blocks(
    node: Any, blocks: dict[int, list[Command]], asking: bool = False
) -> dict[int, Any]:
    """Send every block in one plain pipeline to ``node`` (one round trip): a block of one
    command as it is (a command is atomic by itself: one reply to read instead of three),
    a longer one as ``MULTI … EXEC``; each after ``ASKING`` with ``asking``.

    Returns, per slot, the replies of its block, or the error that refused it.
    """
    pipe = node.pipeline(transaction=False)
    for block in blocks.values():
        if asking:
            pipe.execute_command("ASKING")
        if len(block) == 1:
            pipe.execute_command(*block[0])
            continue
        pipe.execute_command("MULTI")
        for command in block:
            pipe.execute_command(*command)
        pipe.execute_command("EXEC")
    try:
        replies = list(pipe.execute(raise_on_error=False))
    except RedisError as exc:  # the connection failed: no block is known to be applied
        return dict.fromkeys(blocks, exc)
    outcome: dict[int, Any] = {}
    position = 1 if asking else 0
    callbacks = node.response_callbacks
    for slot, block in blocks.items():
        if len(block) == 1:  # the pipeline applied the reply callback already
            reply = replies[position]
            # A redirect means the command did not run; any other error reply is its result.
            redirected = isinstance(reply, BaseException) and is_redirect(reply)
            outcome[slot] = reply if redirected else [reply]
            position += 2 if asking else 1
            continue
        queued = replies[position + 1 : position + 1 + len(block)]
        exec_reply = replies[position + 1 + len(block)]
        position += len(block) + (3 if asking else 2)
        refused = next((r for r in queued if isinstance(r, ResponseError)), None)
        if isinstance(refused, AskError) and not all(isinstance(r, AskError) for r in queued):
            # A migrating slot with some of the block's keys moved and some not: neither node
            # can run the whole block, so it waits for the migration, as a multi-key command.
            refused = TryAgainError("TRYAGAIN: the keys of this slot are being migrated")
        if not isinstance(exec_reply, list):
            outcome[slot] = refused or exec_reply or ResponseError("EXECABORT: EXEC returned nil")
            continue
        outcome[slot] = [
            _parsed(callbacks, command, reply)
            for command, reply in zip(block, exec_reply, strict=True)
        ]
    return outcome


def _parsed(callbacks: Any, command: Command, reply: Any) -> Any:
    """Apply redis-py's reply callback of ``command``, as its own transactions do."""
    if isinstance(reply, BaseException):
        return reply
    callback = callbacks.get(str(command[0]).upper())
    return callback(reply) if callback is not None else reply


def scan(binding: Binding, pattern: str, count: int) -> Iterator[list[str]]:
    """Keys matching ``pattern`` on every primary, one ``SCAN`` reply at a time."""
    client = io.client(binding)
    for name in io.primary_names(client):
        node = io.node_client(client, name)
        cursor: Any = 0
        while True:
            cursor, found = node.execute_command(
                "SCAN", cursor, "MATCH", pattern, "COUNT", count
            )
            if found:
                yield list(found)
            if int(cursor) == 0:
                break
