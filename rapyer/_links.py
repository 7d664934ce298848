"""Links from Redis field values to their model, and queueing of builtin mutators (no I/O).

Every Redis value (``RedisInt``, ``RedisList`` ...) may carry ``_rapyer_link = (weak
reference to its parent, segment)``: its parent is the model or the Redis container holding
it, the segment a field name, a list index or a ``DictKey``. The reference is weak so that a
model and its values form no reference cycle: a dropped model is freed at once (bounded memory
when streaming many models), and a value whose model is gone refuses Redis operations.

Model fields that can hold a Redis value are linked on first read (a ``LinkedField`` class
attribute, see ``rapyer._lazy_links``), so loading a model creates no link; top-level ``int``,
``float`` and ``str`` fields even stay plain builtins until read (``PlainScalar``). Fields are
also linked when assigned or merged from another model; container items are linked when read
through ``[]``. The path from the root is computed on use, so it follows the current position
of containers.
"""

from __future__ import annotations

import copy
import typing
import weakref
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rapyer import _pipeline_state
from rapyer._binding import binding_of

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._paths import PathSegment

Command = tuple[Any, ...]


class LinkedModel:
    """Mark of ``BaseRedisModel`` (a base class of it): the layers below the model recognise
    a model class or instance by it without importing the model module."""

    __slots__ = ()


class RedisValue:
    """Mixin of every Redis field type: the link to the holder of the value."""

    _rapyer_link: tuple[weakref.ref[Any], Any] | None = None

    def __reduce__(self) -> Any:
        # Copies and pickles keep the value, never the link (which would drag the model along).
        # A parametrised container class is pickled as its alias (``RedisList[RedisInt]``).
        return (_rebuild, (type(self)._rapyer_pickle_source(), self._rapyer_plain()))

    @classmethod
    def _rapyer_pickle_source(cls) -> Any:
        return cls

    def __copy__(self) -> Any:
        return _rebuild(type(self), self._rapyer_plain())

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return _rebuild(type(self), copy.deepcopy(self._rapyer_plain(), memo))

    def _rapyer_plain(self) -> Any:
        """A plain builtin copy of the value."""
        raise NotImplementedError

    @classmethod
    def _rapyer_from_plain(cls, plain: Any) -> Any:
        return cls(plain)  # type: ignore[call-arg]


def _rebuild(source: Any, plain: Any) -> Any:
    if not isinstance(source, type):  # a generic alias: its concrete class
        source = typing.get_origin(source)._rapyer_concrete(source)
    return source._rapyer_from_plain(plain)


def link(value: Any, parent: Any, segment: Any) -> None:
    """Attach ``value`` to ``parent`` at ``segment`` when it is a Redis value."""
    if isinstance(value, RedisValue):
        value._rapyer_link = (weakref.ref(parent), segment)


def parent_of(value: Any) -> tuple[Any, Any] | None:
    """``(parent, segment)`` of a linked value whose parent is alive, else ``None``."""
    link_ = getattr(value, "_rapyer_link", None)
    if link_ is None:
        return None
    parent = link_[0]()
    return None if parent is None else (parent, link_[1])


def locate(value: Any) -> tuple[BaseRedisModel, tuple[PathSegment, ...]] | None:
    """``(root model, segments from the root)`` of a linked value, else ``None``."""
    model_cls: Any = LinkedModel
    if isinstance(value, model_cls):
        return value.root_model(), value._rapyer_path_from_root()
    link_ = getattr(value, "_rapyer_link", None)
    if link_ is None:
        return None
    parent = link_[0]()
    if parent is None:
        return None
    if isinstance(parent, model_cls):
        private = parent.__pydantic_private__
        if private is not None and private.get("_rapyer_parent") is None:
            return parent, (link_[1],)  # a field of a root model: the common case
        return parent.root_model(), (*parent._rapyer_path_from_root(), link_[1])
    segments: list[Any] = [link_[1]]
    node = parent
    while True:
        if isinstance(node, model_cls):
            return node.root_model(), (*node._rapyer_path_from_root(), *reversed(segments))
        found = parent_of(node)
        if found is None:
            return None
        parent, segment = found
        segments.append(segment)
        node = parent


# ---- in-place operators: the queued command replaces the assignment that follows ----------

# (id of the holder, segment, id of the new value) of an in-place operator that already queued
# its atomic command: the assignment Python performs next must not queue a JSON.SET too.
_pending: ContextVar[tuple[int, Any, int] | None] = ContextVar("rapyer_pending", default=None)


def mark_pending(value: Any, new_value: Any) -> None:
    """``value``'s in-place operator queued its command; ``new_value`` is assigned next."""
    found = parent_of(value)
    if found is not None:
        parent, segment = found
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
    found = parent_of(old)
    return found is not None and pending == (id(found[0]), segment, id(value))


def pipeline_active() -> bool:
    """Whether writes are queued now: a pipeline is open and not in ``local_assignments()``."""
    return _pipeline_state.current() is not None and not _pipeline_state.local_only()


def queue(root: BaseRedisModel, commands: Iterable[Command]) -> bool:
    """Queue ``commands`` of ``root``'s document into the open pipeline, if any."""
    frame = _pipeline_state.current()
    if frame is None or _pipeline_state.local_only():
        return False
    frame.queue(binding_of(type(root)), list(commands))
    return True
