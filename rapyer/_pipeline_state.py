"""The active pipeline (transaction) of the current task or thread, shared by both APIs.

It is held in a contextvar, so every rapyer call in the same task or thread sees it. Each
client binding gets its own transaction, opened lazily on first use. Nothing here does I/O:
queueing a command appends it to rapyer's own record of the binding's transaction
(``RecordingPipeline``), whichever API queues it; the API that opened a frame executes it at
exit (one redis-py transaction replaying the record, or one per slot on a cluster).

Mixing the APIs: the record holds plain commands, so blocking code running inside an async
pipeline and async code inside a blocking one queue into the same record, and the exit of the
API that opened the frame sends it with that API's client (``client_factory``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from redis.commands import CoreCommands, RedisModuleCommands
from redis.exceptions import NoScriptError, ResponseError

from rapyer._binding import Binding
from rapyer._scripts import BY_SHA

Command = tuple[Any, ...]
ClientFactory = Callable[[Binding], Any]


@dataclass
class Savepoint:
    """The state of a frame when a nested block joined it (``use_existing_pipe``)."""

    stack_sizes: dict[Binding, int]
    expires: dict[Binding, dict[str, Command]]
    cascades: int = 0


def _expire_wins(new: Command, old: Command | None) -> bool:
    """Whether ``new`` replaces ``old`` for the same key: an unconditional EXPIRE beats ``NX``."""
    if old is None:
        return True
    return not (len(new) > 3 and len(old) == 3)


class PipelineFrame:
    """One open ``pipeline()`` block: a transaction per binding, in order of first use."""

    def __init__(self, client_factory: ClientFactory | None = None) -> None:
        self.client_factory = client_factory
        self.pipes: dict[Binding, Any] = {}
        self.expires: dict[Binding, dict[str, Command]] = {}
        # (class, key) of each model a queued refresh reaches: its TTL cascade runs after EXEC
        self.cascades: list[tuple[Any, str]] = []

    def client(self, binding: Binding) -> Any:
        """The direct client of ``binding`` of the API that opened this frame."""
        if self.client_factory is None:
            raise RuntimeError("this pipeline frame has no client factory")
        return self.client_factory(binding)

    def pipe_for(self, binding: Binding, client_factory: ClientFactory | None = None) -> Any:
        """The record of ``binding``'s transaction, created on first use.

        A frame needs a client factory (its own, or ``client_factory`` for callers that pass
        one) to be executed at its exit.
        """
        pipe = self.pipes.get(binding)
        if pipe is None:
            if (self.client_factory or client_factory) is None:
                raise RuntimeError("this pipeline frame has no client factory")
            pipe = self.pipes[binding] = RecordingPipeline()  # type: ignore[abstract]
        return pipe

    def queue(
        self,
        binding: Binding,
        commands: Iterable[Command],
        client_factory: ClientFactory | None = None,
    ) -> None:
        """Queue ``commands``; EXPIREs are deduplicated by key and sent before EXEC.

        For one key an unconditional ``EXPIRE key ttl`` replaces ``EXPIRE key ttl NX``
        (a refresh is stronger than a creation default), otherwise the latest wins.
        """
        pipe = self.pipe_for(binding, client_factory)
        expires = self.expires.setdefault(binding, {})
        for command in commands:
            if str(command[0]).upper() == "EXPIRE":
                if _expire_wins(command, expires.get(command[1])):
                    expires[command[1]] = command
            else:
                pipe.execute_command(*command)

    def flush_expires(self) -> None:
        """Append the deduplicated EXPIREs to their transactions."""
        for binding, commands in self.expires.items():
            pipe = self.pipes[binding]
            for command in commands.values():
                pipe.execute_command(*command)
        self.expires.clear()

    # ---- nesting and discarding ------------------------------------------------------

    def savepoint(self) -> Savepoint:
        """The current state, to roll back to when a joined block raises."""
        return Savepoint(
            {binding: len(pipe.command_stack) for binding, pipe in self.pipes.items()},
            {binding: dict(commands) for binding, commands in self.expires.items()},
            len(self.cascades),
        )

    def rollback(self, savepoint: Savepoint) -> None:
        """Drop everything queued since ``savepoint`` (pipelines created since stay empty)."""
        for binding, pipe in self.pipes.items():
            del pipe.command_stack[savepoint.stack_sizes.get(binding, 0) :]
        self.expires = {binding: dict(commands) for binding, commands in savepoint.expires.items()}
        del self.cascades[savepoint.cascades :]

    def discard(self) -> None:
        """Drop every queued command (no connection is held before EXEC)."""
        for pipe in self.pipes.values():
            del pipe.command_stack[:]
        self.expires.clear()
        self.cascades.clear()


class RecordingPipeline(RedisModuleCommands, CoreCommands):
    """The transaction of a binding in a frame: rapyer's own record of the queued commands.

    The commands are only recorded here (the redis-py command methods such as ``set`` or
    ``json().set`` record too) and run at the frame's exit: replayed into one redis-py
    transaction on a single server, one transaction per slot on a cluster
    (``rapyer._async.cluster``). Nothing reads a redis-py pipeline's internals.
    ``command_stack`` holds ``(args, options)`` pairs.
    """

    def __init__(self) -> None:
        self.command_stack: list[tuple[Command, dict[str, Any]]] = []

    def execute_command(self, *args: Any, **options: Any) -> RecordingPipeline:
        self.command_stack.append((args, options))
        return self

    def __len__(self) -> int:
        return len(self.command_stack)


# ---- scripts and replies (used at EXEC) ----------------------------------------------


def queued_commands(pipe: Any) -> list[Command]:
    """The argument tuples queued in ``pipe``, in order."""
    return [tuple(args) for args, _options in pipe.command_stack]


def replay(record: RecordingPipeline, client: Any) -> Any:
    """A redis-py transaction of ``client`` holding the commands of ``record`` (not sent)."""
    pipe = client.pipeline(transaction=True)
    for args, options in record.command_stack:
        pipe.execute_command(*args, **options)
    return pipe


def _is_evalsha(command: Command) -> bool:
    return len(command) > 1 and str(command[0]).upper() == "EVALSHA"


def known_shas(commands: Sequence[Command]) -> list[str]:
    """The distinct SHAs of rapyer's scripts queued as ``EVALSHA``, in order."""
    shas: dict[str, None] = {}
    for command in commands:
        if _is_evalsha(command) and str(command[1]) in BY_SHA:
            shas[str(command[1])] = None
    return list(shas)


def is_noscript(reply: Any) -> bool:
    return isinstance(reply, NoScriptError) or (
        isinstance(reply, ResponseError) and str(reply).startswith("NOSCRIPT")
    )


def noscript_failures(commands: Sequence[Command], replies: Sequence[Any]) -> list[int]:
    """Indices of rapyer ``EVALSHA`` commands whose reply is ``NOSCRIPT``."""
    return [
        i
        for i, (command, reply) in enumerate(zip(commands, replies, strict=True))
        if is_noscript(reply) and _is_evalsha(command) and str(command[1]) in BY_SHA
    ]


def reply_errors(commands: Sequence[Command], replies: Sequence[Any]) -> list[ResponseError]:
    """The error replies, each annotated with its command like redis-py does."""
    errors: list[ResponseError] = []
    for i, (command, reply) in enumerate(zip(commands, replies, strict=True)):
        if isinstance(reply, ResponseError):
            shown = " ".join(str(part) for part in command[:3])
            if not getattr(reply, "_rapyer_annotated", False):
                reply.args = (
                    f"Command # {i + 1} ({shown}) of pipeline caused error: {reply}",
                    *reply.args[1:],
                )
                reply._rapyer_annotated = True  # type: ignore[attr-defined]
            errors.append(reply)
    return errors


# ---- the contextvar --------------------------------------------------------------------

_current: ContextVar[PipelineFrame | None] = ContextVar("rapyer_pipeline", default=None)


# ``current()``: the innermost open pipeline of this task or thread, if any. The contextvar's
# own ``get`` (no Python frame): every field operation asks.
current: Callable[[], PipelineFrame | None] = _current.get


def push(frame: PipelineFrame) -> Any:
    """Make ``frame`` current; returns the token for ``pop``."""
    return _current.set(frame)


def pop(token: Any) -> None:
    _current.reset(token)


# ---- assignments kept local inside a pipeline ---------------------------------------------

_local_only: ContextVar[bool] = ContextVar("rapyer_local_assignments", default=False)


def local_only() -> bool:
    """Whether assignments stay local now (inside ``local_assignments()``)."""
    return _local_only.get()


@contextmanager
def local_assignments() -> Iterator[None]:
    """Assignments in this block stay local even inside a pipeline."""
    token = _local_only.set(True)
    try:
        yield
    finally:
        _local_only.reset(token)
