"""Links from Redis field values to their model, and queueing of builtin mutators (no I/O).

Every Redis value (``RedisInt``, ``RedisList`` ...) may carry ``_rapyer_link = (parent,
segment)``: its parent is the model or the Redis container holding it, the segment a field
name, a list index or a ``DictKey``. Model fields are linked when the model is built or
assigned; container items are linked when read through ``[]``. The path from the root is
computed on use, so it follows the current position of containers.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rapyer import _assign, _pipeline_state

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel, PathSegment

Command = tuple[Any, ...]


class RedisValue:
    """Mixin of every Redis field type: the link to the holder of the value."""

    _rapyer_link: tuple[Any, Any] | None = None

    def __reduce__(self) -> Any:
        # Copies and pickles keep the value, never the link (which would drag the model along).
        return (_rebuild, (type(self), self._rapyer_plain()))

    def __copy__(self) -> Any:
        return _rebuild(type(self), self._rapyer_plain())

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        import copy

        return _rebuild(type(self), copy.deepcopy(self._rapyer_plain(), memo))

    def _rapyer_plain(self) -> Any:
        """A plain builtin copy of the value."""
        raise NotImplementedError

    @classmethod
    def _rapyer_from_plain(cls, plain: Any) -> Any:
        return cls(plain)  # type: ignore[call-arg]


def _rebuild(cls: Any, plain: Any) -> Any:
    return cls._rapyer_from_plain(plain)


def link(value: Any, parent: Any, segment: Any) -> None:
    """Attach ``value`` to ``parent`` at ``segment`` when it is a Redis value."""
    if isinstance(value, RedisValue):
        value._rapyer_link = (parent, segment)


def locate(value: Any) -> tuple[BaseRedisModel, tuple[PathSegment, ...]] | None:
    """``(root model, segments from the root)`` of a linked value, else ``None``."""
    from rapyer._model import BaseRedisModel

    segments: list[Any] = []
    node = value
    while True:
        if isinstance(node, BaseRedisModel):
            return node.root_model(), (*node._rapyer_path_from_root(), *reversed(segments))
        link_ = getattr(node, "_rapyer_link", None)
        if link_ is None:
            return None
        parent, segment = link_
        segments.append(segment)
        node = parent


# ---- in-place operators: the queued command replaces the assignment that follows ----------

# (id of the holder, segment, id of the new value) of an in-place operator that already queued
# its atomic command: the assignment Python performs next must not queue a JSON.SET too.
_pending: ContextVar[tuple[int, Any, int] | None] = ContextVar("rapyer_pending", default=None)


def mark_pending(holder_link: tuple[Any, Any] | None, new_value: Any) -> None:
    if holder_link is not None:
        parent, segment = holder_link
        _pending.set((id(parent), segment, id(new_value)))


def consume_pending(holder: Any, segment: Any, value: Any) -> bool:
    """Whether the assignment ``holder[segment] = value`` was already queued."""
    pending = _pending.get()
    if pending is None:
        return False
    _pending.set(None)
    if pending == (id(holder), segment, id(value)):
        return True
    # A model whose values were merged from a fresh instance (the model form of a pipeline,
    # a lock) holds values linked to that instance: the operator ran on the same field.
    old = getattr(holder, "__dict__", {}).get(segment) if isinstance(segment, str) else None
    link_ = getattr(old, "_rapyer_link", None)
    return link_ is not None and pending == (id(link_[0]), segment, id(value))


def pipeline_active() -> bool:
    """Whether writes are queued now: a pipeline is open and not in ``local_assignments()``."""
    return _pipeline_state.current() is not None and not _assign._local_only.get()


def queue(root: BaseRedisModel, commands: Iterable[Command]) -> bool:
    """Queue ``commands`` of ``root``'s document into the open pipeline, if any."""
    frame = _pipeline_state.current()
    if frame is None or _assign._local_only.get():
        return False
    from rapyer._binding import binding_of

    frame.queue(binding_of(type(root)), list(commands))
    return True
