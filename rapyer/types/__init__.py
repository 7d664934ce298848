"""Redis field types: values that know their model and path and change Redis atomically.

Annotations of rapyer models are rewritten to these types at class creation (``int`` ->
``RedisInt``, ``list`` -> ``RedisList`` ...); using them explicitly is allowed too. Every
async operation (``aappend``, ``aincrease`` ...) has a blocking twin ending in ``_now``.
"""

from __future__ import annotations

from rapyer.types._dict import RedisDict
from rapyer.types._list import RedisList
from rapyer.types._queue import PriorityQueueItem, RedisPriorityQueue
from rapyer.types._reference import ForeignKey, Reference
from rapyer.types._scalars import (
    RedisBytes,
    RedisDatetime,
    RedisDatetimeTimestamp,
    RedisFloat,
    RedisInt,
    RedisStr,
)
from rapyer.types._set import RedisSet

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
