"""The migration of documents written by the original rapyer 1.3 (no I/O): which writes one
batch needs, the result, and the progress bar.

``rapyer.amigrate_original`` / ``rapyer.migrate_original`` send it; ``python -m rapyer
migrate-original app.models`` runs it from the shell.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import BaseModel, Field, ValidationError

from rapyer import _codec, _keys, _original
from rapyer._paths import json_path_of
from rapyer._typeinfo import direct_model_class
from rapyer.errors import CantSerializeRedisValueError, UnsupportedArgumentValueError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

logger = logging.getLogger("rapyer")

Command = tuple[Any, ...]

# Attempts of one batch when a concurrent write touches one of its keys meanwhile (WATCH).
ATTEMPTS = 10


class ModelMigration(BaseModel):
    """What the migration did (or, in a dry run, would do) for one model class."""

    model: str
    scanned: int = 0
    migrated: int = 0
    invalid: int = 0
    cursor: int = 0
    """The SCAN cursor to resume from; 0 once every key was visited."""


class MigrationResult(BaseModel):
    """The result of a migration: totals and one entry per model class."""

    dry_run: bool = False
    scanned: int = 0
    migrated: int = 0
    """Documents rewritten as plain JSON (in a dry run: documents that would be)."""
    invalid: int = 0
    """Documents left as they are: a refused pickle, or invalid after decoding (WARNING)."""
    models: list[ModelMigration] = Field(default_factory=list)


@dataclass
class BatchPlan:
    """The writes of one batch and its counts."""

    commands: list[Command] = field(default_factory=list)
    migrated: int = 0
    invalid: int = 0
    moved_sets: list[tuple[str, str]] = field(default_factory=list)
    """``(document key, set key)`` of each set moved out of its document: the set key gets
    the document's TTL."""


def check_arguments(
    models: Sequence[type[BaseRedisModel]], batch_size: int | None, cursor: int
) -> None:
    """Argument errors, raised before any I/O."""
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
        raise UnsupportedArgumentValueError(
            f"batch_size must be a positive int, not {batch_size!r}"
        )
    if not isinstance(cursor, int) or cursor < 0:
        raise UnsupportedArgumentValueError(f"cursor must be a non-negative int, not {cursor!r}")
    if cursor and len(models) != 1:
        raise UnsupportedArgumentValueError("a cursor resumes the migration of exactly one model")


def field_path(name: str) -> str:
    """The JSON path of a top-level field."""
    if name.isidentifier():
        return "$." + name
    return "$[" + json.dumps(name) + "]"


def plan_batch(cls: type[BaseRedisModel], keys: Sequence[str], replies: Sequence[Any]) -> BatchPlan:
    """The ``JSON.SET`` of each field holding the original's pickles, per document of a batch
    (the reply of ``JSON.MGET keys $``). Documents already in rapyer's form need nothing."""
    plan = BatchPlan()
    for key, raw in zip(keys, replies, strict=True):
        if raw is None or raw == "[]":
            continue  # deleted meanwhile, or not a JSON document
        try:
            items = _codec.decode_json_array(raw, key)
            data = _codec.decode_document(items[0] if items else None, key)
            data, moves = inline_sets(cls, key, data)
            revived, changed = _original.revive_document(cls, data, frozenset())
        except CantSerializeRedisValueError as exc:
            logger.warning("migrate-original: %r left as it is: %s", key, exc)
            plan.invalid += 1
            continue
        if not changed and not moves:
            continue
        try:
            cls.model_validate_json(json.dumps(revived), context=_codec.LOAD_CONTEXT)
        except ValidationError as exc:
            logger.warning(
                "migrate-original: %r left as it is, not a valid %s: %s",
                key,
                cls.__name__,
                exc.errors(include_url=False),
            )
            plan.invalid += 1
            continue
        plan.migrated += 1
        for name, value in revived.items():
            if value is not data.get(name):
                plan.commands.append(("JSON.SET", key, field_path(name), json.dumps(value)))
        for path, set_key, members in moves:
            if members:
                plan.commands.append(("SADD", set_key, *members))
            plan.commands.append(("JSON.DEL", key, json_path_of(path)))
            plan.moved_sets.append((key, set_key))
    return plan


def inline_sets(
    cls: type[BaseRedisModel], key: str, data: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[tuple[str, ...], str, list[str]]]]:
    """The set fields the original 1.2.5 stored inside the document (it had no Redis set
    type: a ``base64(pickle(set))`` string, or a JSON array), to move to their own keys.

    Returns the document without them, and per set ``(path, set key, members)`` with the
    members in rapyer's stored form (``SADD`` adds them to what the key holds, so a move
    repeated after an interruption changes nothing). Raises CantSerializeRedisValueError for
    a value that is not such a set.
    """
    moves: list[tuple[tuple[str, ...], str, list[str]]] = []
    out = data
    for path, is_set in cls._class_special_fields():
        if not is_set:
            continue
        owner, holder = _owner_of(cls, out, path[:-1])
        name = path[-1]
        if owner is None or not isinstance(holder, dict) or holder.get(name) is None:
            continue
        members = _set_members(owner, name, holder[name], key)
        out = _without(out, path)
        moves.append((path, _keys.special_key(key, ".".join(path)), members))
    return out, moves


def _owner_of(cls: Any, data: Any, path: tuple[str, ...]) -> tuple[Any, Any]:
    """The model class and the stored object at ``path`` (nested models held directly)."""
    owner: Any = cls
    for name in path:
        if not isinstance(data, dict):
            return None, None
        owner = direct_model_class(owner.model_fields[name].annotation)
        data = data.get(name)
        if owner is None:
            return None, None
    return owner, data


def _without(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``data`` without the value at ``path`` (the nested objects on it copied)."""
    out = dict(data)
    if len(path) == 1:
        out.pop(path[0], None)
    else:
        out[path[0]] = _without(out[path[0]], path[1:])
    return out


def _set_members(owner: Any, name: str, value: Any, key: str) -> list[str]:
    adapter = _codec.field_adapter(owner, name)
    annotation = _original.field_annotation(owner, name)
    try:
        if isinstance(value, str):
            payload = _original.pickled_payload(value)
            if payload is None:
                raise CantSerializeRedisValueError(f"{value!r} is not a pickled set")
            found = _original.unpickle(payload, _original.allowed_globals(annotation))
            if not isinstance(found, (set, frozenset, list, tuple)):
                raise CantSerializeRedisValueError(f"the pickle holds a {type(found).__name__}")
            members = adapter.validate_python(list(found), context=_codec.LOAD_CONTEXT)
        elif isinstance(value, list):
            members = adapter.validate_json(json.dumps(value), context=_codec.LOAD_CONTEXT)
        else:
            raise CantSerializeRedisValueError(f"{value!r} is not a set")
    except (ValidationError, ValueError, TypeError) as exc:
        raise CantSerializeRedisValueError(
            f"the set field {name!r} stored in the document of {key!r} is invalid: {exc}"
        ) from exc
    return list(members._rapyer_members(members)) if members else []


class Progress:
    """A one-line progress bar on stderr (no dependency), redrawn after each batch."""

    WIDTH = 30

    def __init__(self, name: str, total: int, stream: TextIO | None = None) -> None:
        self.name = name
        self.total = total
        self.stream = stream if stream is not None else sys.stderr

    def update(self, done: int, migrated: int) -> None:
        total = max(self.total, done)
        filled = self.WIDTH if total == 0 else self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        percent = 100 if total == 0 else 100 * done // total
        self.stream.write(f"\r{self.name} [{bar}] {percent:3d}% {done}/{total} migrated {migrated}")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
