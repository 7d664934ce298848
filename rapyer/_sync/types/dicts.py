# GENERATED from rapyer/_async/types/dicts.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Atomic operations of ``RedisDict`` (keys addressed as ``["<key>"]``, never spliced; a
key no path names raises UnaddressableKeyError before anything is sent)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer._sync.scripts import run_script_with
from rapyer._sync.types.base import write_field
from rapyer._groups import ERASE, POP, UPDATE
from rapyer._types.base import dict_segment, target_of
from rapyer.actions import ActionGroup

if TYPE_CHECKING:
    from rapyer._types.dicts import DictShared as _Base
else:
    _Base = object


class SyncRedisDictOps(_Base):
    """Each operation changes the stored dict atomically and then the local one."""

    def set_item_now(self, key: Any, value: Any) -> None:
        """``JSON.SET`` of one key. Queued in a pipeline."""
        target = target_of(self)
        key, value = self._rapyer_validate_key(key), self._rapyer_validate_item(value)
        path = target.child_path(dict_segment(key))
        text = self._rapyer_item_json(value)
        command = ("JSON.SET", target.key, path, text)
        sent = write_field(target, [command], UPDATE, "set_item")
        dict.__setitem__(self, key, value)
        if sent is not None:
            target.changed("set_keys", ((key, text),), self)

    def del_item_now(self, key: Any) -> None:
        """``JSON.DEL`` of one key (no error when missing). Queued in a pipeline."""
        target = target_of(self)
        key = self._rapyer_validate_key(key)
        command = ("JSON.DEL", target.key, target.child_path(dict_segment(key)))
        sent = write_field(target, [command], ERASE, "del_item")
        self._rapyer_drop(key)
        if sent is not None:
            target.changed("del_key", key, self)

    def update_now(self, mapping: Any = None, /, **kwargs: Any) -> None:
        """``JSON.SET`` of each key, in one transaction. Queued in a pipeline."""
        target = target_of(self)
        items = self._rapyer_validated_items(mapping, kwargs)
        if not items:
            return
        texts = tuple((k, self._rapyer_item_json(v)) for k, v in items.items())
        commands = [
            ("JSON.SET", target.key, target.child_path(dict_segment(k)), text) for k, text in texts
        ]
        sent = write_field(target, commands, UPDATE, "update")
        dict.update(self, items)
        if sent is not None:
            target.changed("set_keys", texts, self)

    def clear_now(self) -> None:
        """Store an empty object at the path. Queued in a pipeline."""
        target = target_of(self)
        command = ("JSON.SET", target.key, target.path, "{}")
        sent = write_field(target, [command], ERASE, "clear")
        self._rapyer_forget_all()
        dict.clear(self)
        if sent is not None:
            target.changed("set", "{}")

    def pop_now(self, key: Any, default: Any = None) -> Any:
        """Read and delete one key atomically (at once, also in a pipeline).

        Returns the stored value, or ``default`` when the key is missing.
        """
        target = target_of(self)
        key = self._rapyer_validate_key(key)
        path = target.child_path(dict_segment(key))
        _, reply = write_script_direct(target, "dict_pop", [path], POP)
        self._rapyer_drop(key)
        target.changed("del_key", key, self)
        found, value = self._rapyer_stored_item(reply)
        return value if found else default

    def popitem_now(self) -> tuple[Any, Any]:
        """Remove the first stored key (server order) atomically; returns ``(key, value)``.

        Raises KeyError when the stored dict is empty.
        """
        target = target_of(self)
        _, reply = write_script_direct(target, "dict_popitem", [target.path], POP)
        if not reply:
            raise KeyError("popitem(): dictionary is empty")
        key = self._rapyer_validate_key(reply[0])
        self._rapyer_drop(key)
        target.changed("del_key", key, self)
        found, value = self._rapyer_stored_item(reply[1])
        return key, value


def write_script_direct(
    target: Any, name: str, args: list[Any], groups: ActionGroup
) -> tuple[bool, Any]:
    """Run a reading script at once, even inside a pipeline."""
    ttl = target.ttl(groups)
    return False, run_script_with(target.binding, name, [target.key], args, ttl)
