"""``RedisDict``: a ``dict[str, T]`` field with atomic server-side operations (no I/O)."""

from __future__ import annotations

import json
import typing
from collections.abc import ItemsView, ValuesView
from typing import Any, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from rapyer import _links, _original
from rapyer._groups import ERASE, UPDATE
from rapyer._model import BaseRedisModel
from rapyer._types.base import (
    GenericContainer,
    adapter_for,
    dict_segment,
    first_match,
    item_schema_source,
    pipeline_target,
    queue,
)
from rapyer.actions import ActionGroup

__all__ = ["DictShared"]

K = TypeVar("K")
V = TypeVar("V")


_MISSING: Any = object()


class DictShared(GenericContainer, dict):  # type: ignore[type-arg]
    """Local behaviour of ``RedisDict``; builtin mutators are queued inside a pipeline."""

    # Dict items never move; a value whose key was deleted is marked -1 (``_links.forget``).
    _rapyer_shifts: int = 0

    def _rapyer_plain(self) -> Any:
        return dict(self)

    @classmethod
    def _rapyer_normalize_args(cls, args: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(args) == 1:
            return (str, args[0])
        return args

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        concrete = cls._rapyer_concrete(source)
        args = cls._rapyer_normalize_args(typing.get_args(source)) or concrete._rapyer_args
        if args:
            schema = core_schema.dict_schema(
                handler.generate_schema(args[0]),
                handler.generate_schema(item_schema_source(args[1])),
            )
        else:
            schema = core_schema.dict_schema()
        return core_schema.no_info_after_validator_function(concrete, schema)

    # ---- helpers ------------------------------------------------------------------------

    def _rapyer_validate_key(self, key: Any) -> Any:
        if not self._rapyer_args:
            return key
        return adapter_for(self._rapyer_args[0]).validate_python(key)

    def _rapyer_validated_items(self, mapping: Any, kwargs: dict[str, Any]) -> dict[Any, Any]:
        merged: dict[Any, Any] = {}
        if mapping is not None:
            pairs = mapping.items() if hasattr(mapping, "items") else mapping
            for key, value in pairs:
                merged[key] = value
        merged.update(kwargs)
        return {
            self._rapyer_validate_key(k): self._rapyer_validate_item(v) for k, v in merged.items()
        }

    def _rapyer_stored_item(self, reply: Any) -> tuple[bool, Any]:
        """``(found, value)`` from a script's JSON text of a ``$`` match list."""
        found, data = first_match(reply)
        if not found:
            return False, None
        if not self._rapyer_args:
            return True, data
        data = _original.revive_item(self._rapyer_args[-1], data)
        return True, type(self)._rapyer_item_adapter().validate_json(json.dumps(data))

    def _rapyer_planned(self, build: Any) -> Any:
        """The commands of a builtin mutator when a pipeline is open, built before the local
        change: a key no path names raises UnaddressableKeyError with nothing changed."""
        target = pipeline_target(self)
        return None if target is None else (target, build(target))

    @staticmethod
    def _rapyer_send(planned: Any, groups: ActionGroup) -> None:
        if planned is not None:
            queue(planned[0], planned[1], groups)

    def _rapyer_set_commands(self, items: dict[Any, Any]) -> Any:
        texts = {k: self._rapyer_item_json(v) for k, v in items.items()}
        return lambda t: [
            ("JSON.SET", t.key, t.child_path(dict_segment(k)), text) for k, text in texts.items()
        ]

    @staticmethod
    def _rapyer_del_commands(key: Any) -> Any:
        return lambda t: [("JSON.DEL", t.key, t.child_path(dict_segment(key)))]

    def _rapyer_drop(self, key: Any) -> None:
        """Remove ``key`` locally (when present); a value read from it raises StaleItemError."""
        _links.forget(dict.pop(self, key, None), self)

    def _rapyer_forget_all(self) -> None:
        for value in dict.values(self):
            _links.forget(value, self)

    def _rapyer_link_item(self, key: Any, value: Any) -> None:
        if isinstance(value, BaseRedisModel):
            found = _links.holder_of(self)  # relative: follows that model when it moves
            if found is not None:
                value._rapyer_parent = found[0]
                value._rapyer_path = (*found[1], dict_segment(key))
        else:
            _links.link(value, self, dict_segment(key))

    # ---- reads link items -----------------------------------------------------------------

    def values(self) -> Any:
        """The values as indexing gives them: Redis-typed and linked to this dict."""
        return ValuesView(self)

    def items(self) -> Any:
        """The ``(key, value)`` pairs, the values as indexing gives them."""
        return ItemsView(self)

    def __getitem__(self, key: Any) -> Any:
        item = dict.__getitem__(self, key)
        wrapped = self._rapyer_wrap_read(item)
        if wrapped is not item:
            dict.__setitem__(self, key, wrapped)
            item = wrapped
        if isinstance(item, _links.RedisValue):
            _links.link(item, self, dict_segment(key))
        return item

    # ---- builtin mutators -----------------------------------------------------------------

    def __setitem__(self, key: Any, value: Any) -> None:
        assigned = value
        key, value = self._rapyer_validate_key(key), self._rapyer_validate_item(value)
        pending = _links.consume_pending(self, dict_segment(key), assigned)
        planned = None if pending else self._rapyer_planned(self._rapyer_set_commands({key: value}))
        dict.__setitem__(self, key, value)
        self._rapyer_link_item(key, value)
        self._rapyer_send(planned, UPDATE)

    def __delitem__(self, key: Any) -> None:
        if key not in self:
            raise KeyError(key)
        planned = self._rapyer_planned(self._rapyer_del_commands(key))
        _links.forget(dict.pop(self, key), self)
        self._rapyer_send(planned, ERASE)

    def update(self, mapping: Any = None, /, **kwargs: Any) -> None:
        items = self._rapyer_validated_items(mapping, kwargs)
        planned = self._rapyer_planned(self._rapyer_set_commands(items)) if items else None
        dict.update(self, items)
        for key, value in items.items():
            self._rapyer_link_item(key, value)
        self._rapyer_send(planned, UPDATE)

    def __ior__(self, other: Any) -> Any:  # type: ignore[misc]
        self.update(other)
        if _links.pipeline_active():
            _links.mark_pending(self, self)
        return self

    def clear(self) -> None:
        planned = self._rapyer_planned(lambda t: [("JSON.SET", t.key, t.path, "{}")])
        self._rapyer_forget_all()
        dict.clear(self)
        self._rapyer_send(planned, ERASE)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        if key not in self:
            if default is _MISSING:
                raise KeyError(key)
            return default
        planned = self._rapyer_planned(self._rapyer_del_commands(key))
        value = dict.pop(self, key)
        _links.forget(value, self)
        self._rapyer_send(planned, ERASE)
        return value

    def popitem(self) -> tuple[Any, Any]:
        if not self:
            raise KeyError("popitem(): dictionary is empty")
        planned = self._rapyer_planned(self._rapyer_del_commands(next(reversed(self))))
        key, value = dict.popitem(self)
        _links.forget(value, self)
        self._rapyer_send(planned, ERASE)
        return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        key, value = self._rapyer_validate_key(key), self._rapyer_validate_item(default)
        text = self._rapyer_item_json(value)
        planned = self._rapyer_planned(
            lambda t: [("JSON.SET", t.key, t.child_path(dict_segment(key)), text, "NX")]
        )
        dict.__setitem__(self, key, value)
        self._rapyer_link_item(key, value)
        self._rapyer_send(planned, UPDATE)
        return value
