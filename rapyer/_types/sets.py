"""``RedisSet``: a set field stored in its own Redis SET (a special field; no I/O here)."""

from __future__ import annotations

import json
import typing
import uuid
from typing import Any, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from rapyer import _links
from rapyer._groups import APPEND, ERASE
from rapyer._types.base import GenericContainer, Target, member_text, pipeline_target, queue
from rapyer.actions import ActionGroup
from rapyer.errors import CantSerializeRedisValueError

__all__ = ["SetShared"]

T = TypeVar("T")


class SetShared(GenericContainer, set):  # type: ignore[type-arg]
    """Local behaviour of ``RedisSet``; builtin mutators are queued inside a pipeline."""

    def _rapyer_plain(self) -> Any:
        return set(self)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        concrete = cls._rapyer_concrete(source)
        args = typing.get_args(source) or concrete._rapyer_args
        items = handler.generate_schema(args[0]) if args else core_schema.any_schema()
        return core_schema.no_info_after_validator_function(concrete, core_schema.set_schema(items))

    # ---- members ------------------------------------------------------------------------

    def _rapyer_members(self, items: Any) -> list[str]:
        adapter = type(self)._rapyer_item_adapter()
        return [member_text(adapter, item) for item in items]

    def _rapyer_member_value(self, member: Any) -> Any:
        try:
            data = json.loads(member)
        except ValueError as exc:
            raise CantSerializeRedisValueError(f"Set member {member!r} is not JSON") from exc
        if not self._rapyer_args:
            return data
        return type(self)._rapyer_item_adapter().validate_json(json.dumps(data))

    def _rapyer_store_commands(self, key: str) -> list[tuple[Any, ...]]:
        """``DEL`` + ``SADD`` that make the stored set equal to the local one."""
        commands: list[tuple[Any, ...]] = [("DEL", key)]
        if self:
            commands.append(("SADD", key, *self._rapyer_members(self)))
        return commands

    def _rapyer_queue(self, build: Any, groups: ActionGroup) -> None:
        target = pipeline_target(self)
        if target is not None:
            queue(target, build(target), groups)

    def _rapyer_dump_json(self) -> str:
        return json.dumps([json.loads(m) for m in self._rapyer_members(self)])

    # ---- builtin mutators -----------------------------------------------------------------

    def _rapyer_add_queued(self, items: list[Any]) -> None:
        if items:
            members = self._rapyer_members(items)
            self._rapyer_queue(lambda t: [("SADD", t.special_key(), *members)], APPEND)

    def _rapyer_rem_queued(self, items: list[Any]) -> None:
        if items:
            members = self._rapyer_members(items)
            self._rapyer_queue(lambda t: [("SREM", t.special_key(), *members)], ERASE)

    def add(self, item: Any) -> None:
        item = self._rapyer_validate_item(item)
        set.add(self, item)
        self._rapyer_add_queued([item])

    def update(self, *others: Any) -> None:
        items = [self._rapyer_validate_item(i) for other in others for i in other]
        set.update(self, items)
        self._rapyer_add_queued(items)

    def __ior__(self, other: Any) -> Any:  # type: ignore[misc]
        self.update(other)
        return self._rapyer_inplace_done()

    def discard(self, item: Any) -> None:
        set.discard(self, item)
        self._rapyer_rem_queued([item])

    def remove(self, item: Any) -> None:
        set.remove(self, item)
        self._rapyer_rem_queued([item])

    def difference_update(self, *others: Any) -> None:
        items = [i for other in others for i in other]
        set.difference_update(self, items)
        self._rapyer_rem_queued(items)

    def __isub__(self, other: Any) -> Any:  # type: ignore[misc]
        self.difference_update(other)
        return self._rapyer_inplace_done()

    def clear(self) -> None:
        set.clear(self)
        self._rapyer_queue(lambda t: [("DEL", t.special_key())], ERASE)

    def pop(self) -> Any:
        item = set.pop(self)
        self._rapyer_rem_queued([item])
        return item

    def _rapyer_store_op(self, verb: str, others: tuple[Any, ...]) -> None:
        items = [self._rapyer_validate_item(i) for other in others for i in other]

        def build(t: Target) -> list[tuple[Any, ...]]:
            key = t.special_key()
            tmp = f"{key}:tmp:{uuid.uuid4()}"
            commands: list[tuple[Any, ...]] = [("DEL", tmp)]
            if items:
                commands.append(("SADD", tmp, *self._rapyer_members(items)))
            if verb == "SINTERSTORE":
                commands.append(("SINTERSTORE", key, key, tmp))
            else:  # symmetric difference: (A - B) + (B - A)
                tmp2 = f"{key}:tmp:{uuid.uuid4()}"
                commands += [
                    ("SDIFFSTORE", tmp2, tmp, key),
                    ("SDIFFSTORE", key, key, tmp),
                    ("SUNIONSTORE", key, key, tmp2),
                    ("DEL", tmp2),
                ]
            commands.append(("DEL", tmp))
            return commands

        self._rapyer_queue(build, ERASE)

    def intersection_update(self, *others: Any) -> None:
        set.intersection_update(self, *others)
        if len(others) > 1:
            common = set.intersection(*(set(o) for o in others))
            self._rapyer_store_op("SINTERSTORE", (common,))
        else:
            self._rapyer_store_op("SINTERSTORE", others)

    def __iand__(self, other: Any) -> Any:  # type: ignore[misc]
        self.intersection_update(other)
        return self._rapyer_inplace_done()

    def symmetric_difference_update(self, other: Any) -> None:
        set.symmetric_difference_update(self, other)
        self._rapyer_store_op("SDIFF", (other,))

    def __ixor__(self, other: Any) -> Any:  # type: ignore[misc]
        self.symmetric_difference_update(other)
        return self._rapyer_inplace_done()

    def _rapyer_inplace_done(self) -> Any:
        if _links.pipeline_active():
            _links.mark_pending(self, self)
        return self
