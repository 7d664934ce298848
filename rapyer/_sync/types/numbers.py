# GENERATED from rapyer/_async/types/numbers.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Atomic arithmetic on ``RedisInt`` and ``RedisFloat``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rapyer._sync.types.base import write_field
from rapyer._codec import check_number
from rapyer._groups import ARITHMETIC
from rapyer._scripts import evalsha_command
from rapyer._types.base import first_match, number_text, replace_in_parent, target_of
from rapyer.errors import CantSerializeRedisValueError, KeyNotFound

if TYPE_CHECKING:
    from rapyer._types.scalars import RedisNumber as _Base
else:
    _Base = object


class SyncRedisNumberOps(_Base):
    """``increase`` runs ``JSON.NUMINCRBY`` on the server and keeps the local value in step
    (for an int field in a script that first checks the stored number is an int)."""

    def increase_now(self, amount: Any = 1) -> Any:
        """Add ``amount`` on the server; returns the new value (``None`` when queued)."""
        target = target_of(self)
        local = self._rapyer_checked(self._rapyer_plain() + amount)
        self._rapyer_check_exact(amount, local._rapyer_plain())
        check_number(local._rapyer_plain())
        if isinstance(self, int):  # checked on the server: a stored float is left unchanged
            command = evalsha_command("int_increase", [target.key], [target.path, str(amount)])
        else:
            command = ("JSON.NUMINCRBY", target.key, target.path, number_text(amount))
        replies = write_field(target, [command], ARITHMETIC, "increase")
        if replies is None:
            replace_in_parent(self, local)
            return None
        found, new = first_match(replies[0])
        if not found or new is None:
            raise KeyNotFound(f"{target.key} has no number at {target.path}")
        try:
            value = self._rapyer_checked(new)
        except ValidationError as exc:  # not expected: the script refuses a stored float
            raise CantSerializeRedisValueError(
                f"The number at {target.path} of {target.key!r} is not a {type(self).__name__} "
                f"value (the increase gave {new!r})"
            ) from exc
        replace_in_parent(self, value)
        plain = value._rapyer_plain()
        target.changed("number", plain)
        return plain
