"""Builders of the Redis commands behind model operations (no I/O).

Both APIs send exactly these commands; keeping them here makes every operation's command
list testable without a server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer import _changes, _codec, _layout
from rapyer import config as _config
from rapyer._groups import CREATE_UPDATE
from rapyer._paths import json_path_of
from rapyer._ttl import ttl_commands
from rapyer.actions import ActionGroup

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

Command = tuple[Any, ...]


def save(model: BaseRedisModel) -> list[Command]:
    """Store the model: the document (or the nested part), its special fields, TTL."""
    return save_plan(model)[0]


def save_plan(model: BaseRedisModel) -> tuple[list[Command], str | None]:
    """The commands of ``save`` and, for a root model, the document text they store.

    A root model that was loaded or saved writes only the fields changed since (plus the
    whole document with ``NX``, for a document that no longer exists: ``rapyer._changes``).
    """
    root = model.root_model()
    root_cls = type(root)
    key = root.key
    if model is root:
        commands, text = _changes.root_save(model, key)
        commands.extend(model._special_save_commands())
        if has_ttl(root_cls):
            commands.extend(ttl_commands(root_cls, root.all_keys, CREATE_UPDATE, creating=True))
        return commands, text
    commands = [("JSON.SET", key, model.json_path, _codec.dump_json(model))]
    commands.extend(model._special_save_commands())
    if has_ttl(root_cls):
        commands.extend(ttl_commands(root_cls, root.all_keys, ActionGroup.UPDATE))
    return commands, None


def has_ttl(cls: type[BaseRedisModel]) -> bool:
    """Whether ``cls`` has a TTL now (else no EXPIRE goes with any action; saves building
    the key list on the hot path)."""
    return _config.resolve(cls, "ttl") is not None


def update_fields(model: BaseRedisModel, names: list[str]) -> list[Command]:
    """``JSON.SET`` of each named field (already validated and assigned locally) plus TTL."""
    root = model.root_model()
    key = root.key
    base = model._rapyer_path_from_root()
    fields = type(model).model_fields
    commands: list[Command] = [
        ("JSON.SET", key, json_path_of((*base, name)), _codec.dump_field_json(model, name))
        for name in names
        if not fields[name].exclude  # excluded fields are never stored
    ]
    if has_ttl(type(root)):
        commands.extend(ttl_commands(type(root), root.all_keys, ActionGroup.UPDATE))
    return commands


def read_document(cls: type[BaseRedisModel], key: str, groups: ActionGroup) -> list[Command]:
    """Read a whole stored document (plus special fields) and refresh TTL for ``groups``."""
    commands: list[Command] = [("JSON.GET", key, ".")]
    if cls.__rapyer_special_fields__ or cls.__rapyer_nested_fields__:
        commands.extend(cls._special_read_commands(key))
    if has_ttl(cls):
        commands.extend(ttl_commands(cls, [key, *cls._class_special_keys(key)], groups))
    return commands


def read_path(model: BaseRedisModel, groups: ActionGroup) -> list[Command]:
    """Read the stored value at a nested model's path (plus its set fields, as
    ``read_document`` does), with TTL refresh for ``groups``."""
    root = model.root_model()
    commands: list[Command] = [("JSON.GET", root.key, model.json_path)]
    if model.__rapyer_special_fields__ or model.__rapyer_nested_fields__:
        commands.extend(model._special_read_commands(root.key, model._rapyer_path_from_root()))
    if has_ttl(type(root)):
        commands.extend(ttl_commands(type(root), root.all_keys, groups))
    return commands


def delete_keys(keys: list[str]) -> list[Command]:
    return [("DEL", *keys)]


def full_keys(cls: type[BaseRedisModel], key_or_pk: str) -> str:
    return _layout.full_key(cls, key_or_pk)
