"""Ownership of nested models: each parent owns its nested models (no I/O).

A nested model placed under a second parent (or a second field of the same one) while the
first still holds it is deep-copied, so writes through one never land in the other's document.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from rapyer._links import LinkedModel
from rapyer._paths import DictKey, PathSegment
from rapyer._pydantic_internals import private

__all__ = ["detached_copy", "held_elsewhere", "iter_models", "link_value"]


def link_value(parent: Any, value: Any, rel_path: tuple[PathSegment, ...], take: bool) -> Any:
    """Link nested models found in ``value`` to ``parent`` at ``rel_path``; returns the
    value to keep there (a copy of a model another place still holds, see module doc).
    ``take`` moves the models regardless (values taken over from a discarded model)."""
    if isinstance(value, LinkedModel):
        if not take and held_elsewhere(value, parent, rel_path):
            value = detached_copy(value)
        value._rapyer_parent = parent
        value._rapyer_path = rel_path
        values = value.__dict__
        for name in value.__rapyer_nested_fields__:
            item = values.get(name)
            linked = value._link_value(item, (name,), take)
            if linked is not item:
                values[name] = linked
    elif isinstance(value, list):
        for i, item in enumerate(value):
            linked = parent._link_value(item, (*rel_path, i), take)
            if linked is not item:
                list.__setitem__(value, i, linked)
    elif isinstance(value, tuple):
        items = tuple(
            parent._link_value(item, (*rel_path, i), take) for i, item in enumerate(value)
        )
        if type(value) is tuple and any(a is not b for a, b in zip(items, value, strict=True)):
            value = items
    elif isinstance(value, dict):
        for k, item in value.items():
            linked = parent._link_value(item, (*rel_path, DictKey(k)), take)
            if linked is not item:
                dict.__setitem__(value, k, linked)
    return value


def _held_at(holder: Any, path: tuple[PathSegment, ...]) -> Any:
    """The value at ``path`` inside a model (``None`` when the path leads nowhere)."""
    value: Any = holder
    seg: Any
    for seg in path:
        try:
            if isinstance(value, BaseModel):
                value = value.__dict__[seg]
            elif isinstance(value, dict) or (
                isinstance(value, (list, tuple)) and isinstance(seg, int)
            ):
                value = value[seg]
            else:
                return None
        except (KeyError, IndexError, TypeError):
            return None
    return value


def held_elsewhere(value: Any, parent: Any, rel_path: tuple[PathSegment, ...]) -> bool:
    """Whether the nested model ``value`` still sits under another parent or path."""
    private_ = value.__pydantic_private__
    old = private_.get("_rapyer_parent") if private_ is not None else None
    if old is None:
        return False
    old_path = private_.get("_rapyer_path", ())
    if old is parent and old_path == rel_path:
        return False
    return _held_at(old, old_path) is value


def detached_copy(value: Any) -> Any:
    """A deep copy of a nested model that does not copy the parents it hangs from."""
    memo: dict[int, Any] = {}
    parent = private(value, "_rapyer_parent")
    while parent is not None:
        memo[id(parent)] = parent
        parent = private(parent, "_rapyer_parent")
    return value.__deepcopy__(memo)


def iter_models(value: Any) -> Iterator[Any]:
    """The models held in ``value``: itself, or inside lists, tuples and dicts."""
    if isinstance(value, LinkedModel):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_models(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_models(item)
