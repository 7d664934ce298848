"""The active pipeline (transaction) of the current task or thread, shared by both APIs.

It is held in a contextvar, so every rapyer call in the same task or thread sees it. Each
client binding gets its own transaction, opened lazily on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from rapyer._binding import Binding

Command = tuple[Any, ...]


class PipelineFrame:
    """One open ``pipeline()`` block: a transaction per binding, in order of first use."""

    def __init__(self) -> None:
        self.pipes: dict[Binding, Any] = {}
        self.expires: dict[Binding, dict[str, Command]] = {}

    def pipe_for(self, binding: Binding, client_factory: Callable[[Binding], Any]) -> Any:
        pipe = self.pipes.get(binding)
        if pipe is None:
            pipe = self.pipes[binding] = client_factory(binding).pipeline(transaction=True)
        return pipe

    def queue(
        self,
        binding: Binding,
        commands: Iterable[Command],
        client_factory: Callable[[Binding], Any],
    ) -> None:
        """Queue ``commands``; EXPIREs are deduplicated by key and sent before EXEC."""
        pipe = self.pipe_for(binding, client_factory)
        expires = self.expires.setdefault(binding, {})
        for command in commands:
            if command[0] == "EXPIRE":
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


_current: ContextVar[PipelineFrame | None] = ContextVar("rapyer_pipeline", default=None)


def current() -> PipelineFrame | None:
    """The innermost open pipeline of this task or thread, if any."""
    return _current.get()


def push(frame: PipelineFrame) -> Any:
    """Make ``frame`` current; returns the token for ``pop``."""
    return _current.set(frame)


def pop(token: Any) -> None:
    _current.reset(token)
