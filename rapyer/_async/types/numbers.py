"""Atomic arithmetic on ``RedisInt`` and ``RedisFloat``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer._async.types.base import FAILED, send_plan, write_field
from rapyer._codec import check_number
from rapyer._groups import ARITHMETIC
from rapyer._scripts import evalsha_command
from rapyer._types import hot
from rapyer._types.base import (
    missing_reply,
    number_text,
    replace_in_parent,
    target_of,
    wrong_type_reply,
)
from rapyer._types.scalars import increase_settled

if TYPE_CHECKING:
    from rapyer._types.scalars import RedisNumber as _Base
else:
    _Base = object


class AsyncRedisNumberOps(_Base):
    """``increase`` runs ``JSON.NUMINCRBY`` on the server and keeps the local value in step
    (for an int field in a script that first checks the stored number is an int)."""

    async def aincrease(self, amount: Any = 1) -> Any:
        """Add ``amount`` on the server; returns the new value (``None`` when queued)."""
        plan = hot.increase_plan(self, amount)
        while plan is not None:  # the common case, see rapyer._types.hot
            reply = await send_plan(plan)  # FAILED: a server without filters ...
            if reply is not FAILED:
                new = hot.increased(self, plan, reply)
                if new is not None:
                    return new
                if not missing_reply(reply) and not wrong_type_reply(reply):
                    return increase_settled(self, hot.general_target(plan), reply)
            # nothing applied: another number there (the script next), or none (in general)
            plan = hot.retry_plan(self, amount, plan)
        target = target_of(self)
        local = self._rapyer_checked_in_holder(self._rapyer_plain() + amount)
        self._rapyer_check_exact(amount, local._rapyer_plain())
        check_number(local._rapyer_plain())
        if isinstance(self, int):  # checked on the server: a stored float is left unchanged
            low, high = self._rapyer_int_bounds()  # the field's bounds, checked on the server
            arguments: list[object] = [target.path, str(amount), low, high]
            command = evalsha_command("int_increase", [target.key], arguments)
        else:
            command = ("JSON.NUMINCRBY", target.key, target.path, number_text(amount))
        replies = await write_field(target, [command], ARITHMETIC, "increase")
        if replies is None:
            replace_in_parent(self, local)
            return None
        return increase_settled(self, target, replies[0])
