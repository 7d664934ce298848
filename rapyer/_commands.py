"""Builders of the Redis commands behind model operations (no I/O).

Both APIs send exactly these commands; keeping them here makes every operation's command
list testable without a server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from rapyer import _changes, _codec, _keys, _layout
from rapyer import config as _config
from rapyer._binding import Binding, binding_of
from rapyer._groups import CREATE_UPDATE
from rapyer._paths import json_path_of
from rapyer._ttl import ttl_commands
from rapyer.actions import ActionGroup
from rapyer.fields import RapyerKey

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


# ---- fast path: reading one whole document ---------------------------------------------------
# Per class: (config generation, ``prefix:`` or None), as ``_layout.tagged`` caches its answer.
# Saves, per get of the usual class (plain layout, no TTL, no special or nested fields), the
# layout, prefix and TTL lookups of ``full_keys`` and ``read_document`` and the command list:
# about ten Python calls of ~230 per get (cProfile of ``benchmarks/run.py --profile --only get``).
# Checked against the general path by ``tests/common/test_plain_reads.py`` (hypothesis).
_plain_reads: dict[type, tuple[int, str | None]] = {}


def plain_read_head(cls: type[BaseRedisModel]) -> str | None:
    """``prefix:`` of ``cls`` when reading one of its documents is the single
    ``JSON.GET key .`` (plain layout, no TTL, no special or nested fields), else ``None``."""
    if cls.__rapyer_special_fields__ or cls.__rapyer_nested_fields__:
        return None
    generation = _config.generation()
    cached = _plain_reads.get(cls)
    if cached is not None and cached[0] == generation:
        return cached[1]
    head = None
    if not _layout.tagged(cls) and not has_ttl(cls):
        head = cls.class_key_initials() + _keys.SEPARATOR
    _plain_reads[cls] = (generation, head)
    return head


# ---- fast path: a get of one whole document, with its binding -------------------------------
# Per class: (config generation, ``prefix:`` or None, the binding when it is kept per class).
# One lookup instead of a ``plain_read_head`` and a ``binding_of`` (two generation reads and
# two dict lookups), and a ``RapyerKey`` (``Model.get(model.key)``) takes the fast path too.
# Checked against ``full_keys`` by ``tests/common/test_plain_reads.py`` (hypothesis).
_plain_gets: dict[type, tuple[int, str | None, Binding | None]] = {}


def plain_get(cls: type[BaseRedisModel], key_or_pk: Any) -> tuple[str, Binding] | None:
    """``(full_keys(cls, key_or_pk), binding_of(cls))`` when the get of that key is the
    single ``JSON.GET`` of ``plain_read_head`` on one server and the key needs no check beyond
    it; else ``None`` (general path, which also raises for what is refused)."""
    kind = type(key_or_pk)
    if kind is not str:
        if kind is not RapyerKey:
            return None
        key_or_pk = str.__str__(key_or_pk)
    generation = _config.generation()
    cached = _plain_gets.get(cls)
    if cached is None or cached[0] != generation:
        cached = _plain_get_entry(cls, generation)
    head = cached[1]
    if head is None or key_or_pk[:1] == _keys.TAG_OPEN:
        return None
    binding = cached[2] or binding_of(cls)
    if binding.is_cluster:
        return None
    full = key_or_pk if key_or_pk.startswith(head) else head + key_or_pk
    return None if full.endswith(_keys.LOCK_SUFFIX) else (full, binding)


def _plain_get_entry(
    cls: type[BaseRedisModel], generation: int
) -> tuple[int, str | None, Binding | None]:
    # ``binding_of`` keeps a class's binding for a generation only when the class resolves
    # ``redis`` to a value (else the environment is read at each call): the same here.
    binding = binding_of(cls) if _config.resolve(cls, "redis") is not None else None
    entry = (generation, plain_read_head(cls), binding)
    _plain_gets[cls] = entry
    return entry


# ---- fast path: saving a root model of a plain class -----------------------------------------
# Per class: (config generation, ``prefix:`` or None), cached as ``plain_read_head`` caches its
# answer. Saves, per save of a root model of the usual class (plain layout, no special or
# nested fields, a pk of its own, pydantic's own ``model_dump_json``), what ``save_plan``
# spends around the same commands: ``root_model`` twice, the ``key`` property (pk, layout and
# key checks), the exclude lookups and pydantic's ``model_dump_json`` wrapper of
# ``_codec.dump_json``, the (empty) special-field commands: 258 -> 241 Python calls per save
# (cProfile of ``benchmarks/run.py --profile --only save --api sync``). Checked against
# ``save_plan`` by ``tests/common/test_plain_writes.py`` (hypothesis).
_plain_writes: dict[type, tuple[int, tuple[str, bool] | None]] = {}
_PYDANTIC_DUMP_JSON = BaseModel.model_dump_json
_NO_PARENT: Any = object()


def plain_write(cls: type[BaseRedisModel]) -> tuple[str, bool] | None:
    """``(prefix:, has a TTL)`` of ``cls`` when saving a root model of it writes only its
    document and its TTL (plain layout, no special or nested fields, no Key field), else
    ``None``."""
    generation = _config.generation()
    cached = _plain_writes.get(cls)
    if cached is not None and cached[0] == generation:
        return cached[1]
    value = None
    if (
        not cls.__rapyer_special_fields__
        and not cls.__rapyer_nested_fields__
        and cls.__rapyer_key_field__ is None
        and _codec.exclude_of(cls) is None
        and not _layout.tagged(cls)
    ):
        value = (cls.class_key_initials() + _keys.SEPARATOR, has_ttl(cls))
    _plain_writes[cls] = (generation, value)
    return value


def plain_save_plan(model: BaseRedisModel) -> tuple[list[Command], str] | None:
    """``save_plan(model)`` for a root model of a ``plain_write`` class that keeps
    pydantic's ``model_dump_json``; ``None`` for anything else (the general path, which also
    raises what it refuses)."""
    cls = type(model)
    plain = plain_write(cls)
    if plain is None:
        return None
    head, ttl = plain
    private = model.__pydantic_private__
    if private is None or private.get("_rapyer_parent", _NO_PARENT) is not None:
        return None
    pk = private.get("_rapyer_pk")
    if pk is None:
        pk = model.pk  # a new model's pk: generated and kept, as ``key`` does
    if type(pk) is not str or cls.model_dump_json is not _PYDANTIC_DUMP_JSON:
        return None
    key = head + pk
    if key.endswith(_keys.LOCK_SUFFIX):
        return None
    try:
        # what ``_codec.dump_json`` sends to pydantic (no exclude: no special fields)
        dumped = cls.__pydantic_serializer__.to_json(
            model, context=_codec.DUMP_CONTEXT, by_alias=False
        )
    except (PydanticSerializationError, ValueError, TypeError):
        return None
    commands, text = _changes.root_save(model, key, _codec.checked_json(dumped.decode()))
    if ttl:
        commands.extend(ttl_commands(cls, [key], CREATE_UPDATE, creating=True))
    return commands, text


# ---- fast path: a save of several commands as one script -------------------------------------
# A save that writes changed fields, or a model with a TTL, sends several commands: as a
# MULTI/EXEC transaction, redis-py builds a pipeline, packs MULTI, each command and EXEC and
# parses a reply per command. ``save_document.lua`` runs the same commands the same way
# (every command runs, the first error is the reply) in one EVALSHA. Python calls per
# blocking save (cProfile): one changed field 607 -> 422, an unchanged model with a TTL
# 505 -> 293 (async: 1063 -> 640, 965 -> 509). Checked against the transaction on a server
# by ``tests/_async/test_save_script.py`` (hypothesis).


def document_args(commands: list[Command]) -> tuple[str, list[Any]] | None:
    """``(key, [text])`` of ``[JSON.SET key $ text]``, ``(key, [text, "NX", path, value, ...])``
    of ``[JSON.SET key $ text NX, JSON.SET key path value, ...]`` (the document commands of
    ``_changes.root_save``, one key); ``None`` for any other commands. The arguments the two
    document scripts take after their own (``save_document.lua``, ``lock_save_document.lua``)."""
    if not commands:
        return None
    first = commands[0]
    size = len(first)
    if first[0] != "JSON.SET" or first[2] != "$" or size not in (4, 5):
        return None
    key = first[1]
    if size == 4:
        return (key, [first[3]]) if len(commands) == 1 else None
    if first[4] != "NX":
        return None
    args = [first[3], "NX"]
    for command in commands[1:]:
        if len(command) != 4 or command[0] != "JSON.SET" or command[1] != key:
            return None
        args.append(command[2])
        args.append(command[3])
    return key, args


def document_read_args(commands: list[Command]) -> tuple[str, Any] | None:
    """``(key, ttl)`` of ``read_document.lua`` doing ``commands`` when they are the read of one
    whole document and the refresh of its TTL (``JSON.GET key .``, ``EXPIRE key ttl``, as
    ``read_document`` makes them for a class with ``Meta.ttl``); ``None`` for any other
    commands (sent as a transaction). One script instead of a MULTI/EXEC of redis-py's
    pipeline: 244 instead of 490 profiled calls per get."""
    if len(commands) != 2:
        return None
    read, expire = commands
    if len(read) != 3 or read[0] != "JSON.GET" or read[2] != ".":
        return None
    if len(expire) != 3 or expire[0] != "EXPIRE" or expire[1] != read[1]:
        return None
    return read[1], expire[2]


def document_script_args(commands: list[Command]) -> tuple[str, list[Any]] | None:
    """``(key, ARGV)`` of ``save_document.lua`` doing ``commands``: the document commands of
    ``document_args``, then at most one ``EXPIRE key ttl [NX]`` of the same key; ``None`` for
    any other commands (sent as a transaction)."""
    expire: list[Any] = ["", ""]
    if len(commands) > 1 and commands[-1][0] == "EXPIRE":
        last = commands[-1]
        if len(last) not in (3, 4) or (len(last) == 4 and last[3] != "NX"):
            return None
        expire = [last[2], "NX" if len(last) == 4 else ""]
        commands = commands[:-1]
        document = document_args(commands)
        if document is None or last[1] != document[0]:
            return None
    else:
        document = document_args(commands)
        if document is None:
            return None
    return document[0], [*expire, *document[1]]
