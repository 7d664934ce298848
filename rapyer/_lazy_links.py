"""The lazy-link descriptor: a model field linked to its model on first read."""

from __future__ import annotations

from typing import Any

from rapyer import _reserved
from rapyer._annotations import PlainOnLoad, plain_on_load_of
from rapyer._links import RedisValue, anchor_of
from rapyer._typeinfo import may_hold_redis_value

__all__ = ["LinkedField", "install_lazy_links"]


class LinkedField:
    """Class attribute of a field that can hold a Redis value: reading the field links the
    value to this model on first use (lazy), so loading a model creates no link per field.

    A data descriptor, so that it sees every read of the field; it keeps the value in the
    instance ``__dict__`` as pydantic does. On the class it raises AttributeError, as a field
    without a class attribute does (pydantic then takes the field from the parent class).
    """

    __slots__ = ("builtin", "name", "wrap")

    def __init__(self, name: str, plain: PlainOnLoad | None = None):
        self.name = name
        # a field kept plain at load (``PlainOnLoad``): its builtin and its Redis type
        self.wrap: Any = plain.wrap if plain is not None else None
        self.builtin: Any = plain.builtin if plain is not None else None

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            # a class-level method of the same name is never hidden (Model.find, Model.count)
            method = _reserved.class_level(owner, self.name)
            if method is not None:
                return method
            raise AttributeError(self.name)
        values = obj.__dict__
        try:
            value = values[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        if type(value) is self.builtin:  # kept plain at validation: wrap it now, once
            value = values[self.name] = self.wrap(value)
        if isinstance(value, RedisValue) and value._rapyer_link is None:
            value._rapyer_link = (anchor_of(obj), self.name)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value

    def __delete__(self, obj: Any) -> None:
        try:
            del obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None


def install_lazy_links(cls: Any) -> None:
    """Put a ``LinkedField`` on ``cls`` for each field that can hold a Redis value; the
    other fields are linked when the model is built."""
    lazy = []
    for name, info in cls.model_fields.items():
        if name in cls.__rapyer_nested_fields__ or not may_hold_redis_value(info.annotation):
            continue
        current = cls.__dict__.get(name)
        if current is not None and not isinstance(current, LinkedField):
            continue  # something of the user's own lives there: link eagerly
        type.__setattr__(cls, name, LinkedField(name, plain_on_load_of(info.metadata)))
        lazy.append(name)
    type.__setattr__(
        cls,
        "__rapyer_eager_fields__",
        tuple(n for n in cls.__rapyer_value_fields__ if n not in lazy),
    )
