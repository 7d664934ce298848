"""Typed views for type checkers without rapyer's mypy plugin (pyright, plain mypy).

``ops(user.tags)`` is ``user.tags`` typed as its Redis type (``RedisList[str]`` for a
``list[str]`` field) and ``q(User.age)`` is ``User.age`` typed as a query field of ``int``.
Both return their argument unchanged: at run time field values already are Redis types and
class-level fields already are query fields. A value that is neither raises ``TypeError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from rapyer._query import FieldProxy
from rapyer._types.base import RedisType

if TYPE_CHECKING:
    from rapyer._query import Expression, SortKey
    from rapyer.types import (
        ForeignKey,
        RedisBytes,
        RedisDatetime,
        RedisDict,
        RedisFloat,
        RedisInt,
        RedisList,
        RedisPriorityQueue,
        RedisSet,
        RedisStr,
    )

__all__ = ["QueryField", "ops", "q"]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class QueryField(Generic[T]):
    """What ``q(Model.field)`` is for type checkers: the query operators of a ``T`` field.

    Never instantiated: at run time ``q`` returns the class-level field itself.
    """

    if TYPE_CHECKING:

        def __eq__(self, value: T | None) -> Expression: ...  # type: ignore[override]
        def __ne__(self, value: T | None) -> Expression: ...  # type: ignore[override]
        def __gt__(self, value: T) -> Expression: ...
        def __ge__(self, value: T) -> Expression: ...
        def __lt__(self, value: T) -> Expression: ...
        def __le__(self, value: T) -> Expression: ...
        def in_(self, values: Iterable[T]) -> Expression: ...
        def startswith(self, prefix: str) -> Expression: ...
        def match(self, text: str) -> Expression: ...
        def is_missing(self) -> Expression: ...
        def asc(self) -> SortKey: ...
        def desc(self) -> SortKey: ...
        @property
        def name(self) -> str: ...
        def __getattr__(self, name: str) -> QueryField[Any]: ...  # a field of a nested model


@overload
def ops(value: RedisPriorityQueue[T]) -> RedisPriorityQueue[T]: ...
@overload
def ops(value: ForeignKey[T]) -> ForeignKey[T]: ...
@overload
def ops(value: list[T]) -> RedisList[T]: ...
@overload
def ops(value: dict[K, V]) -> RedisDict[K, V]: ...
@overload
def ops(value: set[T]) -> RedisSet[T]: ...
@overload
def ops(value: int) -> RedisInt: ...
@overload
def ops(value: float) -> RedisFloat: ...
@overload
def ops(value: str) -> RedisStr: ...
@overload
def ops(value: bytes) -> RedisBytes: ...
@overload
def ops(value: dt.datetime) -> RedisDatetime: ...
def ops(value: Any) -> Any:
    """``value`` (a field value of a model) typed as its Redis type, to call its operations:
    ``ops(user.tags).aappend("x")``. Raises TypeError for a value that is not a Redis type."""
    if isinstance(value, RedisType):
        return value
    raise TypeError(
        f"ops() takes a field value of a rapyer model (a Redis type), got {type(value).__name__}"
    )


@overload
def q(field: QueryField[T]) -> QueryField[T]: ...
@overload
def q(field: T) -> QueryField[T]: ...
def q(field: Any) -> Any:
    """A class-level field (``User.age``) typed as a query field of its value type:
    ``User.find(q(User.age) > 30)``. Raises TypeError for anything else."""
    if isinstance(field, FieldProxy):
        return field
    raise TypeError(f"q() takes a class-level field of a rapyer model (Model.field), got {field!r}")
