"""``RedisList``: a list field with atomic server-side operations (shared, no I/O).

``rapyer.types`` composes the public class from ``ListShared`` and the I/O mixins.
"""

from __future__ import annotations

import json
import typing
from typing import Any, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from rapyer import _links, _original
from rapyer._groups import APPEND, ERASE, UPDATE
from rapyer._model import BaseRedisModel
from rapyer._nesting import iter_models, link_value
from rapyer._scripts import evalsha_command
from rapyer._typeinfo import contains_model
from rapyer._types.base import GenericContainer, item_schema_source, pipeline_target, queue
from rapyer.actions import ActionGroup

__all__ = ["ListShared"]

T = TypeVar("T")


def _item_schema(handler: GetCoreSchemaHandler, args: tuple[Any, ...]) -> core_schema.CoreSchema:
    return (
        handler.generate_schema(item_schema_source(args[-1])) if args else core_schema.any_schema()
    )


class ListShared(GenericContainer, list):  # type: ignore[type-arg]
    """Local behaviour of ``RedisList``; builtin mutators are queued inside a pipeline."""

    # Whether items can remember their position (``_rapyer_items_placed``), ``None`` until
    # known; own to each class. Mutators test it before calling anything: a list of scalars
    # pays one attribute read for the re-placing of shifted items.
    _rapyer_placed: bool | None = None
    # Lists of scalars count the operations that move or remove items instead of re-linking
    # every item: a scalar read before a shift raises StaleItemError (``_links.check_seen``).
    _rapyer_shifts: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._rapyer_placed = None

    def _rapyer_plain(self) -> Any:
        return list.copy(self)

    def __iter__(self) -> Any:
        """The items as indexing gives them: Redis-typed and linked to this list."""
        index = 0
        while index < len(self):
            yield self[index]
            index += 1

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        concrete = cls._rapyer_concrete(source)
        args = typing.get_args(source) or concrete._rapyer_args
        return core_schema.no_info_after_validator_function(
            concrete, core_schema.list_schema(_item_schema(handler, args))
        )

    # ---- helpers ------------------------------------------------------------------------

    def _rapyer_insert_index(self, index: int) -> int:
        size = len(self)
        index = int(index)
        if index < 0:
            index = max(0, index + size)
        return min(index, size)

    @classmethod
    def _rapyer_items_placed(cls) -> bool:
        """Whether the items can be (or hold) nested models or Redis containers: the things
        that remember their position in the list (a list of scalars never re-places)."""
        cached = cls._rapyer_placed
        if cached is None:
            item = cls._rapyer_args[-1] if cls._rapyer_args else Any
            origin = typing.get_origin(item) or item
            cached = (
                item is Any
                or contains_model(item)
                or (isinstance(origin, type) and issubclass(origin, GenericContainer))
            )
            type.__setattr__(cls, "_rapyer_placed", cached)
        return cached

    def _rapyer_replace_from(self, start: int) -> None:
        """Items from ``start`` on moved (insert, pop, sort ...): models in them and linked
        containers follow their new position, so writes through them land there."""
        if not type(self)._rapyer_items_placed():
            self._rapyer_shifts += 1  # scalars: linked again on each read through []
            return
        found = _links.holder_of(self)
        if found is None:
            return  # not placed in a model yet: placed with the list later
        holder, segments = found
        for position in range(max(0, start), len(self)):
            item = list.__getitem__(self, position)
            if isinstance(item, _links.RedisValue) and item._rapyer_link is not None:
                _links.link(item, self, position)
            for model in iter_models(item):
                _replace(model, holder, segments, position, model is item)

    def _rapyer_place_new(self, values: list[Any], first: int) -> list[Any]:
        """New items about to sit at ``first`` on: models in them placed there (a copy of a
        model another place still holds, as assignments do)."""
        if not values or not type(self)._rapyer_items_placed():
            return values
        found = _links.holder_of(self)
        if found is None:
            return values
        holder, segments = found
        return [
            link_value(holder, value, (*segments, first + offset), False)
            for offset, value in enumerate(values)
        ]

    def _rapyer_validate_stored_item(self, data: Any) -> Any:
        if not self._rapyer_args:
            return data
        data = _original.revive_item(self._rapyer_args[-1], data)
        return type(self)._rapyer_item_adapter().validate_json(json.dumps(data))

    def _rapyer_pop_reply(self, reply: Any) -> Any:
        if isinstance(reply, list):
            reply = reply[0] if reply else None
        if reply is None:
            return None
        data = json.loads(reply) if isinstance(reply, (str, bytes)) else reply
        return None if data is None else self._rapyer_validate_stored_item(data)

    def _rapyer_queue(self, build: Any, groups: ActionGroup) -> None:
        target = pipeline_target(self)
        if target is not None:
            queue(target, build(target), groups)

    def _rapyer_queue_whole(self) -> None:
        self._rapyer_queue(
            lambda t: [("JSON.SET", t.key, t.path, self._rapyer_dump_json())], UPDATE
        )

    # ---- reads link items -----------------------------------------------------------------

    def __getitem__(self, index: Any) -> Any:
        item = list.__getitem__(self, index)
        if isinstance(index, int):
            wrapped = self._rapyer_wrap_read(item)
            if wrapped is not item:
                list.__setitem__(self, index, wrapped)
                item = wrapped
            if isinstance(item, _links.RedisValue):
                _links.link(item, self, index if index >= 0 else index + len(self))
        return item

    # ---- builtin mutators -----------------------------------------------------------------

    def append(self, item: Any) -> None:
        item = self._rapyer_validate_item(item)
        if self._rapyer_placed is not False:
            item = self._rapyer_place_new([item], len(self))[0]
        list.append(self, item)
        self._rapyer_queue(
            lambda t: [("JSON.ARRAPPEND", t.key, t.path, self._rapyer_item_json(item))], APPEND
        )

    def extend(self, items: Any) -> None:
        values = [self._rapyer_validate_item(item) for item in items]
        if self._rapyer_placed is not False:
            values = self._rapyer_place_new(values, len(self))
        list.extend(self, values)
        if values:
            texts = [self._rapyer_item_json(v) for v in values]
            self._rapyer_queue(lambda t: [("JSON.ARRAPPEND", t.key, t.path, *texts)], APPEND)

    def __iadd__(self, items: Any) -> Any:  # type: ignore[misc]
        self.extend(items)
        if _links.pipeline_active():
            _links.mark_pending(self, self)
        return self

    def insert(self, index: Any, item: Any) -> None:
        item = self._rapyer_validate_item(item)
        position = self._rapyer_insert_index(index)
        if self._rapyer_placed is not False:
            item = self._rapyer_place_new([item], position)[0]
        list.insert(self, position, item)
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(position + 1)
        else:
            self._rapyer_shifts += 1
        text = self._rapyer_item_json(item)
        self._rapyer_queue(lambda t: [("JSON.ARRINSERT", t.key, t.path, position, text)], APPEND)

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            values = [self._rapyer_validate_item(v) for v in value]
            start = index.indices(len(self))[0] if index.step in (None, 1) else 0
            if self._rapyer_placed is not False:
                values = self._rapyer_place_new(values, start)
            list.__setitem__(self, index, values)
            if self._rapyer_placed is not False:
                self._rapyer_replace_from(start)
            else:
                self._rapyer_shifts += 1
            self._rapyer_queue_whole()
            return
        assigned = value
        value = self._rapyer_validate_item(value)
        position = int(index) + len(self) if int(index) < 0 else int(index)
        list.__setitem__(self, index, value)
        if isinstance(value, BaseRedisModel):
            _link_model(self, value, position)
        else:
            _links.link(value, self, position)
        if _links.consume_pending(self, position, assigned):
            return
        text = self._rapyer_item_json(value)
        self._rapyer_queue(lambda t: [("JSON.SET", t.key, t.child_path(position), text)], UPDATE)

    def __delitem__(self, index: Any) -> None:
        if isinstance(index, slice):
            start = index.indices(len(self))[0] if index.step in (None, 1) else 0
            list.__delitem__(self, index)
            if self._rapyer_placed is not False:
                self._rapyer_replace_from(start)
            else:
                self._rapyer_shifts += 1
            self._rapyer_queue_whole()
            return
        position = int(index) + len(self) if int(index) < 0 else int(index)
        list.__delitem__(self, index)
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(position)
        else:
            self._rapyer_shifts += 1
        # ARRPOP at the index, not JSON.DEL of path[i]: same effect, and fakeredis's JSON.DEL
        # of "$.field[i]" empties the whole list.
        self._rapyer_queue(lambda t: [("JSON.ARRPOP", t.key, t.path, position)], ERASE)

    def clear(self) -> None:
        list.clear(self)
        self._rapyer_shifts += 1
        self._rapyer_queue(lambda t: [("JSON.SET", t.key, t.path, "[]")], ERASE)

    def pop(self, index: Any = -1) -> Any:
        position = int(index) + len(self) if int(index) < 0 else int(index)
        item = list.pop(self, index)
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(position)
        else:
            self._rapyer_shifts += 1
        self._rapyer_queue(
            lambda t: [("JSON.ARRPOP", t.key, t.path, position)],
            ERASE | ActionGroup.READ,
        )
        return item

    def remove(self, value: Any) -> None:
        try:
            position = list.index(self, value)
        except ValueError:
            raise ValueError("list.remove(x): x not in list") from None
        list.__delitem__(self, position)
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(position)
        else:
            self._rapyer_shifts += 1
        self._rapyer_queue_whole()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        list.sort(self, *args, **kwargs)
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(0)
        else:
            self._rapyer_shifts += 1
        self._rapyer_queue_whole()

    def reverse(self) -> None:
        list.reverse(self)
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(0)
        else:
            self._rapyer_shifts += 1
        self._rapyer_queue_whole()

    def __imul__(self, count: Any) -> Any:  # type: ignore[misc]
        list.__imul__(self, count)
        self._rapyer_queue_whole()
        if _links.pipeline_active():
            _links.mark_pending(self, self)
        return self

    def remove_range(self, start: int, end: int) -> None:
        """Delete ``[start:end)`` locally; in a pipeline also on the server (a script)."""
        first = slice(start, end).indices(len(self))[0]
        list.__delitem__(self, slice(start, end))
        if self._rapyer_placed is not False:
            self._rapyer_replace_from(first)
        else:
            self._rapyer_shifts += 1
        self._rapyer_queue(
            lambda t: [evalsha_command("remove_range", [t.key], [t.path, int(start), int(end)])],
            ERASE,
        )


def _replace(
    model: Any, holder: Any, segments: tuple[Any, ...], position: int, direct: bool
) -> None:
    """Put ``model``, held at ``position`` of the list at ``segments`` below ``holder`` (the
    item itself when ``direct``, else inside it), at that position; its anchor follows."""
    private = model.__pydantic_private__
    parent = private.get("_rapyer_parent")
    depth = len(segments)
    if parent is holder:
        old = private.get("_rapyer_path", ())
    elif parent is not None:  # placed from another model (the root): compare full paths
        base = holder._rapyer_path_from_root()
        full = model._rapyer_path_from_root()
        old = full[len(base) :] if full[: len(base)] == base else ()
    elif direct:
        old = (*segments, None)  # a model just added to the list, not placed yet
    else:
        return
    if len(old) <= depth or old[:depth] != segments:
        return  # held elsewhere: not this list's to move
    if parent is holder and old[depth] == position:
        return
    private["_rapyer_parent"] = holder
    private["_rapyer_path"] = (*segments, position, *old[depth + 1 :])
    _links.refresh_anchor(model)


def _link_model(container: Any, model: BaseRedisModel, position: int) -> None:
    found = _links.holder_of(container)
    if found is not None:
        holder, segments = found
        model._rapyer_parent = holder
        model._rapyer_path = (*segments, position)
