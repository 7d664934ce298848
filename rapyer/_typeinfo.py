"""Inspection of (resolved) field annotations: which ones hold models or Redis values.

No model import: a model class is recognised by the ``LinkedModel`` mark of ``rapyer._links``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from rapyer._links import LinkedModel, RedisValue

__all__ = [
    "UNIONS",
    "contains_model",
    "direct_model_class",
    "has_marker",
    "may_hold_redis_value",
    "models_in_containers",
]

UNIONS = (typing.Union, getattr(types, "UnionType", typing.Union))


def _is_model_class(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, LinkedModel)


def contains_model(annotation: Any) -> bool:
    """Whether a (resolved) annotation can hold an AtomicRedisModel instance."""
    if isinstance(annotation, type):
        return issubclass(annotation, LinkedModel)
    if getattr(typing.get_origin(annotation), "_rapyer_is_reference", False):
        return False  # a reference holds a key, not a nested model
    return any(contains_model(arg) for arg in typing.get_args(annotation))


def models_in_containers(annotation: Any, inside: bool = False) -> Iterator[type[Any]]:
    """Model classes an annotation holds inside a list, tuple or dict (not directly)."""
    if isinstance(annotation, type):
        if inside and issubclass(annotation, LinkedModel):
            yield annotation
        return
    origin = typing.get_origin(annotation)
    if getattr(origin, "_rapyer_is_reference", False):
        return
    nested = inside or (
        origin is not None and origin not in UNIONS and origin is not typing.Annotated
    )
    for arg in typing.get_args(annotation):
        yield from models_in_containers(arg, nested)


def direct_model_class(annotation: Any) -> Any:
    """The model class of an annotation that is a model or ``Optional`` of one."""
    if _is_model_class(annotation):
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in UNIONS and len(args) == 1:
        return direct_model_class(args[0])
    return None


def has_marker(metadata: list[Any], marker: type) -> bool:
    """Whether field metadata holds an instance of ``marker`` (``Key``, ``Pickle`` ...)."""
    return any(isinstance(item, marker) for item in metadata)


def may_hold_redis_value(annotation: Any) -> bool:
    """Whether a (rewritten) annotation can validate into a Redis value."""
    if isinstance(annotation, type):
        return issubclass(annotation, RedisValue)
    origin = typing.get_origin(annotation)
    if isinstance(origin, type) and issubclass(origin, RedisValue):
        return True
    return any(may_hold_redis_value(arg) for arg in typing.get_args(annotation))
