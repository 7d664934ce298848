# GENERATED from rapyer/_async/types/numbers.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Atomic arithmetic on ``RedisInt`` and ``RedisFloat``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer._sync import executor
from rapyer._groups import ARITHMETIC
from rapyer._types.base import first_match, number_text, replace_in_parent, target_of
from rapyer.errors import KeyNotFound

if TYPE_CHECKING:
    from rapyer._types.scalars import RedisNumber as _Base
else:
    _Base = object


class SyncRedisNumberOps(_Base):
    """``increase`` runs ``JSON.NUMINCRBY`` on the server and keeps the local value in step."""

    def increase_now(self, amount: Any = 1) -> Any:
        """Add ``amount`` on the server; returns the new value (``None`` when queued)."""
        target = target_of(self)
        local = self._rapyer_checked(self._rapyer_plain() + amount)
        self._rapyer_check_exact(amount, local._rapyer_plain())
        commands = [("JSON.NUMINCRBY", target.key, target.path, number_text(amount))]
        replies = executor.write(target.binding, [*commands, *target.ttl(ARITHMETIC)])
        if replies is None:
            replace_in_parent(self, local)
            return None
        found, new = first_match(replies[0])
        if not found or new is None:
            raise KeyNotFound(f"{target.key} has no number at {target.path}")
        value = self._rapyer_checked(new)
        replace_in_parent(self, value)
        return value._rapyer_plain()
