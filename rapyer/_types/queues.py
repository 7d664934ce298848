"""``RedisPriorityQueue``: a Redis ZSET in its own key (a special field; no I/O here)."""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from rapyer._links import locate
from rapyer._types.base import GenericContainer, member_text
from rapyer.errors import CantSerializeRedisValueError, RapyerSerializationError

__all__ = ["PriorityQueueItem", "QueueShared"]

T = TypeVar("T")


@dataclass
class PriorityQueueItem(Generic[T]):
    """A queue value with its priority (lower comes first)."""

    value: T
    priority: float


class QueueShared(GenericContainer):
    """No local state; equal to another queue at the same key."""

    def _rapyer_plain(self) -> Any:
        return None

    @classmethod
    def _rapyer_from_plain(cls, plain: Any) -> Any:
        return cls()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        concrete = cls._rapyer_concrete(source)
        if typing.get_args(source):
            handler.generate_schema(typing.get_args(source)[0])  # the value type must be valid

        def validate(value: Any) -> Any:
            if value is None or isinstance(value, QueueShared):
                return concrete()
            raise RapyerSerializationError(
                f"A priority queue field cannot be set from {type(value).__name__}; "
                "use its push operations"
            )

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: None),
        )

    def _rapyer_member(self, value: Any) -> str:
        return member_text(type(self)._rapyer_item_adapter(), value)

    def _rapyer_value(self, member: Any) -> Any:
        try:
            data = json.loads(member)
        except ValueError as exc:
            raise CantSerializeRedisValueError(f"Queue member {member!r} is not JSON") from exc
        if not self._rapyer_args:
            return data
        return type(self)._rapyer_item_adapter().validate_json(json.dumps(data))

    def _rapyer_pairs(self, reply: Any) -> list[PriorityQueueItem[Any]]:
        """``PriorityQueueItem``s from a flat or paired ``WITHSCORES`` reply."""
        if not reply:
            return []
        if isinstance(reply[0], (list, tuple)):
            pairs = [(m, s) for m, s in reply]
        else:
            pairs = list(zip(reply[::2], reply[1::2], strict=False))
        return [PriorityQueueItem(self._rapyer_value(m), float(s)) for m, s in pairs]

    def _rapyer_dump_json(self) -> str:
        return "null"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueueShared):
            return NotImplemented
        if self is other:
            return True
        mine, theirs = locate(self), locate(other)
        if mine is None or theirs is None:
            return False
        return (mine[0].key, mine[1]) == (theirs[0].key, theirs[1])

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
