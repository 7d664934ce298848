"""Redis field types: values that know their model and path and change Redis atomically.

Annotations of rapyer models are rewritten to these types at class creation (``int`` ->
``RedisInt``, ``list`` -> ``RedisList`` ...); using them explicitly is allowed too. Every
async operation (``aappend``, ``aincrease`` ...) has a blocking twin ending in ``_now``.
"""

# The composition layer of the field types: each public class is its shared part (no I/O,
# ``rapyer._types``) plus the I/O mixins of both APIs. Importing this module registers the
# classes as the targets of the annotation rewrite (``rapyer._annotations.register_types``).

from __future__ import annotations

from typing import Any, Generic, TypeVar

from rapyer._annotations import RedisTypes, register_types
from rapyer._async.types.base import AsyncRedisValueOps
from rapyer._async.types.dicts import AsyncRedisDictOps
from rapyer._async.types.lists import AsyncRedisListOps
from rapyer._async.types.numbers import AsyncRedisNumberOps
from rapyer._async.types.queues import AsyncRedisPriorityQueueOps
from rapyer._async.types.references import AsyncReferenceOps
from rapyer._async.types.sets import AsyncRedisSetOps
from rapyer._sync.types.base import SyncRedisValueOps
from rapyer._sync.types.dicts import SyncRedisDictOps
from rapyer._sync.types.lists import SyncRedisListOps
from rapyer._sync.types.numbers import SyncRedisNumberOps
from rapyer._sync.types.queues import SyncRedisPriorityQueueOps
from rapyer._sync.types.references import SyncReferenceOps
from rapyer._sync.types.sets import SyncRedisSetOps
from rapyer._types.dicts import DictShared
from rapyer._types.lists import ListShared
from rapyer._types.queues import PriorityQueueItem, QueueShared
from rapyer._types.references import ReferenceShared
from rapyer._types.scalars import (
    BytesShared,
    DatetimeShared,
    FloatShared,
    IntShared,
    RedisScalar,
    StrShared,
    TimestampShared,
)
from rapyer._types.sets import SetShared

__all__ = [
    "ForeignKey",
    "PriorityQueueItem",
    "RedisBytes",
    "RedisDatetime",
    "RedisDatetimeTimestamp",
    "RedisDict",
    "RedisFloat",
    "RedisInt",
    "RedisList",
    "RedisPriorityQueue",
    "RedisSet",
    "RedisStr",
    "Reference",
]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class RedisInt(AsyncRedisNumberOps, SyncRedisNumberOps, AsyncRedisValueOps, SyncRedisValueOps, IntShared):  # fmt: skip
    """An ``int`` field value with atomic server-side arithmetic."""


class RedisFloat(AsyncRedisNumberOps, SyncRedisNumberOps, AsyncRedisValueOps, SyncRedisValueOps, FloatShared):  # fmt: skip
    """A ``float`` field value with atomic server-side arithmetic."""


class RedisStr(AsyncRedisValueOps, SyncRedisValueOps, StrShared):
    """A ``str`` field value: ``+=`` is ``JSON.STRAPPEND`` and ``*=`` a script in a pipeline."""


class RedisBytes(AsyncRedisValueOps, SyncRedisValueOps, BytesShared):
    """A ``bytes`` field value, stored as base64. ``+=`` rewrites the whole value."""


class RedisDatetime(AsyncRedisValueOps, SyncRedisValueOps, DatetimeShared):
    """A ``datetime`` field value stored as ISO 8601; ``+=``/``-=`` a timedelta is a script."""


class RedisDatetimeTimestamp(TimestampShared, RedisDatetime):
    """A datetime stored as float epoch seconds (UTC) and loaded as a naive UTC datetime."""


class RedisList(AsyncRedisListOps, SyncRedisListOps, AsyncRedisValueOps, SyncRedisValueOps, ListShared, Generic[T]):  # fmt: skip
    """A ``list`` field value: ``aappend``/``append_now`` and friends change Redis atomically."""


class RedisDict(AsyncRedisDictOps, SyncRedisDictOps, AsyncRedisValueOps, SyncRedisValueOps, DictShared, Generic[K, V]):  # fmt: skip
    """A ``dict[str, T]`` field value; ``RedisDict[T]`` means ``RedisDict[str, T]``."""

    def __class_getitem__(cls, params: Any) -> Any:
        if not isinstance(params, tuple):
            params = (str, params)
        return super().__class_getitem__(params)


class RedisSet(AsyncRedisSetOps, SyncRedisSetOps, SetShared, Generic[T]):  # fmt: skip
    """A ``set`` field value, stored in its own Redis SET key."""


class RedisPriorityQueue(AsyncRedisPriorityQueueOps, SyncRedisPriorityQueueOps, QueueShared, Generic[T]):  # fmt: skip
    """A priority queue field (beta): lowest priority first; lives only on the server."""


class ForeignKey(AsyncReferenceOps, SyncReferenceOps, AsyncRedisValueOps, SyncRedisValueOps, ReferenceShared, Generic[T]):  # fmt: skip
    """A reference to another model, stored as its key (beta)."""


Reference = ForeignKey

register_types(
    RedisTypes(
        int=RedisInt,
        float=RedisFloat,
        str=RedisStr,
        bytes=RedisBytes,
        datetime=RedisDatetime,
        timestamp=RedisDatetimeTimestamp,
        list=RedisList,
        dict=RedisDict,
        set=RedisSet,
        priority_queue=RedisPriorityQueue,
        scalar=RedisScalar,
    )
)
