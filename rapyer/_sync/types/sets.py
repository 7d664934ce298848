# GENERATED from rapyer/_async/types/sets.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Operations of ``RedisSet``: a Redis SET in its own key; members are JSON texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from rapyer._sync import executor
from rapyer._groups import APPEND, ERASE, POP, READ
from rapyer._types.base import target_of
from rapyer.actions import ActionGroup

if TYPE_CHECKING:
    from rapyer._types.sets import SetShared as _Base
else:
    _Base = object


class SyncRedisSetOps(_Base):
    """Writers change the stored set and the local one; readers never touch local state."""

    def save_now(self) -> Self:
        """Replace the stored set with the local members. Queued in a pipeline."""
        target = target_of(self)
        commands = self._rapyer_store_commands(target.special_key())
        executor.write(target.binding, [*commands, *target.ttl(ActionGroup.UPDATE)])
        return self

    def load_now(self) -> Any:
        """The stored members as a new set; the local set is unchanged."""
        return self.members_now()

    def add_now(self, value: Any) -> None:
        """``SADD`` one member. Queued in a pipeline."""
        self.add_many_now([value])

    def add_many_now(self, values: Any) -> None:
        """One ``SADD`` of every member (nothing when empty). Queued in a pipeline."""
        target = target_of(self)
        items = [self._rapyer_validate_item(v) for v in values]
        if not items:
            return
        command = ("SADD", target.special_key(), *self._rapyer_members(items))
        executor.write(target.binding, [command, *target.ttl(APPEND)])
        set.update(self, items)

    def remove_now(self, value: Any) -> bool | None:
        """``SREM`` one member; whether it was stored (``None`` when queued)."""
        target = target_of(self)
        item = self._rapyer_validate_item(value)
        command = ("SREM", target.special_key(), *self._rapyer_members([item]))
        replies = executor.write(target.binding, [command, *target.ttl(ERASE)])
        set.discard(self, item)
        return None if replies is None else bool(replies[0])

    def pop_now(self) -> Any:
        """``SPOP`` (at once, also in a pipeline): a stored member, or ``None``."""
        target = target_of(self)
        command = ("SPOP", target.special_key())
        replies = executor.transaction(target.binding, [command, *target.ttl(POP)])
        if replies[0] is None:
            return None
        item = self._rapyer_member_value(replies[0])
        set.discard(self, item)
        return item

    def clear_now(self) -> None:
        """``DEL`` the set's key. Queued in a pipeline."""
        target = target_of(self)
        command = ("DEL", target.special_key())
        executor.write(target.binding, [command, *target.ttl(ERASE)])
        set.clear(self)

    def contains_now(self, value: Any) -> bool:
        """``SISMEMBER`` (at once)."""
        target = target_of(self)
        member = self._rapyer_members([self._rapyer_validate_item(value)])[0]
        command = ("SISMEMBER", target.special_key(), member)
        replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
        return bool(replies[0])

    def members_now(self) -> set[Any]:
        """``SMEMBERS`` (at once) as a plain set; the local set is unchanged."""
        target = target_of(self)
        command = ("SMEMBERS", target.special_key())
        replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
        return {self._rapyer_member_value(m) for m in replies[0] or ()}

    def size_now(self) -> int:
        """``SCARD`` (at once)."""
        target = target_of(self)
        command = ("SCARD", target.special_key())
        replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
        return int(replies[0])

    def union_now(self, *others: Any) -> set[Any]:
        """``SUNION`` with other stored sets (at once)."""
        return combine(self, "SUNION", others)

    def intersect_now(self, *others: Any) -> set[Any]:
        """``SINTER`` with other stored sets (at once)."""
        return combine(self, "SINTER", others)

    def difference_now(self, *others: Any) -> set[Any]:
        """``SDIFF`` with other stored sets (at once)."""
        return combine(self, "SDIFF", others)


def combine(value: Any, verb: str, others: tuple[Any, ...]) -> set[Any]:
    target = target_of(value)
    keys = [target.special_key(), *(target_of(other).special_key() for other in others)]
    command = (verb, *keys)
    replies = executor.transaction(target.binding, [command, *target.ttl(READ)])
    return {value._rapyer_member_value(m) for m in replies[0] or ()}
