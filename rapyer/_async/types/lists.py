"""Atomic operations of ``RedisList``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer._async import executor
from rapyer._async.types.base import FAILED, send_plan, write_field, write_script
from rapyer._groups import APPEND, ERASE, POP
from rapyer._types import hot
from rapyer._types.base import missing_reply, target_of, wrong_type_reply

if TYPE_CHECKING:
    from rapyer._types.lists import ListShared as _Base
else:
    _Base = object


class AsyncRedisListOps(_Base):
    """Each operation changes the stored list atomically and then the local one."""

    async def aappend(self, item: Any) -> None:
        """``JSON.ARRAPPEND`` one item. Queued in a pipeline."""
        plan = hot.append_plan(self, item)
        if plan is not None:  # the common case, see rapyer._types.hot
            reply = await send_plan(plan)
            if reply is not FAILED:
                if hot.appended(self, plan, reply):
                    return
                if not missing_reply(reply) and not wrong_type_reply(reply):
                    list.append(self, plan[6])  # applied, as write_field takes such a reply
                    hot.general_target(plan).changed("append", (plan[7],), self)
                    return
        target = target_of(self)
        item = self._rapyer_validate_item(item)
        text = self._rapyer_item_json(item)
        command = ("JSON.ARRAPPEND", target.key, target.path, text)
        sent = await write_field(target, [command], APPEND, "append")
        list.append(self, self._rapyer_place_new([item], len(self))[0])
        if sent is not None:
            target.changed("append", (text,), self)

    async def aextend(self, items: Any) -> None:
        """One ``JSON.ARRAPPEND`` with every item (nothing when empty). Queued in a pipeline."""
        target = target_of(self)
        values = [self._rapyer_validate_item(item) for item in items]
        if not values:
            return
        texts = [self._rapyer_item_json(item) for item in values]
        command = ("JSON.ARRAPPEND", target.key, target.path, *texts)
        sent = await write_field(target, [command], APPEND, "extend")
        list.extend(self, self._rapyer_place_new(values, len(self)))
        if sent is not None:
            target.changed("append", texts, self)

    async def ainsert(self, index: int, item: Any) -> None:
        """``JSON.ARRINSERT`` at ``index``, clamped like Python's insert. Queued in a pipeline."""
        target = target_of(self)
        item = self._rapyer_validate_item(item)
        position = self._rapyer_insert_index(index)
        text = self._rapyer_item_json(item)
        command = ("JSON.ARRINSERT", target.key, target.path, position, text)
        sent = await write_field(target, [command], APPEND, "insert")
        list.insert(self, position, self._rapyer_place_new([item], position)[0])
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(position + 1)
        else:
            self._rapyer_shifts += 1
        if sent is not None:
            target.changed("insert", position, text, self)

    async def aclear(self) -> None:
        """Store an empty list at the path. Queued in a pipeline."""
        target = target_of(self)
        command = ("JSON.SET", target.key, target.path, "[]")
        sent = await write_field(target, [command], ERASE, "clear")
        list.clear(self)
        self._rapyer_shifts += 1
        if sent is not None:
            target.changed("set", "[]")

    async def apop(self, index: int = -1) -> Any:
        """``JSON.ARRPOP`` (runs at once, also in a pipeline); the server's item or ``None``."""
        target = target_of(self)
        command = ("JSON.ARRPOP", target.key, target.path, index)
        replies = await executor.transaction(target.binding, [command, *target.ttl(POP)])
        if len(self):
            # the server rounds an index outside the list to its nearest end: so does the copy
            index = min(index, len(self) - 1) if index >= 0 else max(index + len(self), 0)
            list.pop(self, index)
            if self._rapyer_placed is not False:
                self._rapyer_replace_from(index)
            else:
                self._rapyer_shifts += 1
        target.changed("pop", index, self)
        return self._rapyer_pop_reply(replies[0])

    async def aremove_range(self, start: int, end: int) -> None:
        """Delete items ``[start:end)`` (Python slice rules) with a script. Queued in a pipeline."""
        target = target_of(self)
        start, end = int(start), int(end)
        queued, _ = await write_script(target, "remove_range", [target.path, start, end], ERASE)
        first = slice(start, end).indices(len(self))[0]
        list.__delitem__(self, slice(start, end))
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(first)
        else:
            self._rapyer_shifts += 1
        if not queued:
            target.changed("remove_range", start, end, self)
