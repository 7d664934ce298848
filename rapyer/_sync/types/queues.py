# GENERATED from rapyer/_async/types/queues.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Operations of ``RedisPriorityQueue``: a Redis ZSET, lowest score first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from rapyer._sync import executor
from rapyer._groups import APPEND, ERASE, POP, READ
from rapyer._types.base import number_text, target_of

if TYPE_CHECKING:
    from rapyer._types.queues import QueueShared as _Base
else:
    _Base = object


class SyncRedisPriorityQueueOps(_Base):
    """The queue has no local state: every operation talks to the server."""

    def save_now(self) -> Self:
        """Nothing to write: the queue lives only on the server."""
        return self

    def load_now(self) -> list[Any]:
        """The stored items, ascending by priority."""
        return self.items_now()

    def push_now(self, value: Any, priority: float) -> None:
        """``ZADD`` one member. Queued in a pipeline."""
        target = target_of(self)
        member = self._rapyer_member(value)
        command = ("ZADD", target.special_key(), number_text(priority), member)
        executor.write(target.binding, [command, *target.ttl(APPEND)])

    def push_many_now(self, items: Any) -> None:
        """One ``ZADD`` of every ``PriorityQueueItem`` (nothing when empty). Queued."""
        target = target_of(self)
        args: list[Any] = []
        for item in items:
            args += [number_text(item.priority), self._rapyer_member(item.value)]
        if not args:
            return
        command = ("ZADD", target.special_key(), *args)
        executor.write(target.binding, [command, *target.ttl(APPEND)])

    def pop_now(self) -> Any:
        """``ZPOPMIN`` (at once): the first value, or ``None``."""
        target = target_of(self)
        command = ("ZPOPMIN", target.special_key())
        replies = executor.transaction(target.binding, [command, *target.ttl(POP)])
        pairs = self._rapyer_pairs(replies[0])
        return pairs[0].value if pairs else None

    def peek_now(self) -> Any:
        """``ZRANGE key 0 0`` (at once): the first value, or ``None``."""
        target = target_of(self)
        command = ("ZRANGE", target.special_key(), 0, 0)
        replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
        members = replies[0] or []
        return self._rapyer_value(members[0]) if members else None

    def size_now(self) -> int:
        """``ZCARD`` (at once)."""
        target = target_of(self)
        command = ("ZCARD", target.special_key())
        replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
        return int(replies[0])

    def items_now(self) -> list[Any]:
        """Every ``PriorityQueueItem``, ascending (at once)."""
        target = target_of(self)
        command = ("ZRANGE", target.special_key(), 0, -1, "WITHSCORES")
        replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
        return self._rapyer_pairs(replies[0])

    def remove_now(self, value: Any) -> bool | None:
        """``ZREM`` one member; whether it was stored (``None`` when queued)."""
        target = target_of(self)
        command = ("ZREM", target.special_key(), self._rapyer_member(value))
        replies = executor.write(target.binding, [command, *target.ttl(ERASE)])
        return None if replies is None else bool(replies[0])

    def clear_now(self) -> None:
        """``DEL`` the queue's key. Queued in a pipeline."""
        target = target_of(self)
        command = ("DEL", target.special_key())
        executor.write(target.binding, [command, *target.ttl(ERASE)])
