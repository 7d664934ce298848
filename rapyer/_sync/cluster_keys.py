# GENERATED from rapyer/_async/cluster_keys.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Moving stored keys from the plain layout ``Prefix:pk`` to the cluster layout
``{Prefix:pk}``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rapyer import _keys, _layout, _registry, _slots
from rapyer._sync import cluster, executor
from rapyer._binding import Binding, binding_of
from rapyer.results import KeyLayoutMigration

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

Command = tuple[Any, ...]


def migrate_cluster_keys(
    *models: type[BaseRedisModel], batch_size: int = 500
) -> list[KeyLayoutMigration]:
    """Rename the stored keys of ``models`` (default: every registered model whose layout is
    the cluster one) from ``Prefix:pk`` to ``{Prefix:pk}``; idempotent and resumable.

    Documents are renamed (``RENAMENX``: the same slot on a cluster); set and queue keys are
    copied member by member to their new names with their TTL, then deleted. A document whose
    new key already exists is left as it is and listed in ``conflicts``; on a cluster, a
    document whose pk holds its own hash tag (another slot) is listed in ``skipped``. Lock
    keys are leases and are left alone.

    Raises ValueError for a model that does not use the cluster layout.
    """
    chosen = models or tuple(m for m in _registry.models() if _layout.tagged(m))
    report: list[KeyLayoutMigration] = []
    for cls in chosen:
        if not _layout.tagged(cls):
            raise ValueError(
                f"{cls.__name__} does not use the cluster layout: set Meta.cluster_keys=True "
                "or bind it to a cluster first"
            )
        report.append(_migrate_class(cls, batch_size))
    return report


def _plain_keys(
    cls: type[BaseRedisModel], binding: Binding, count: int
) -> Iterator[list[str]]:
    pattern = _keys.scan_pattern(cls.class_key_initials())
    if binding.is_cluster:
        for found in cluster.scan(binding, pattern, count):
            yield [key for key in found if not _keys.is_lock_key(key)]
        return
    cursor: Any = 0
    while True:
        cursor, found = executor.execute(
            binding, "SCAN", cursor, "MATCH", pattern, "COUNT", count
        )
        yield [key for key in found if not _keys.is_lock_key(key)]
        if int(cursor) == 0:
            return


def _migrate_class(cls: type[BaseRedisModel], batch_size: int) -> KeyLayoutMigration:
    binding = binding_of(cls)
    entry = KeyLayoutMigration(model=cls.__name__)
    paths = [".".join(path) for path, _ in cls._class_special_fields()]
    for keys in _plain_keys(cls, binding, batch_size):
        for start in range(0, len(keys), batch_size):
            _migrate_batch(binding, cls, keys[start : start + batch_size], paths, entry)
    return entry


def _migrate_batch(
    binding: Binding,
    cls: type[BaseRedisModel],
    keys: list[str],
    paths: list[str],
    entry: KeyLayoutMigration,
) -> None:
    prefix = cls.class_key_initials()
    moves = [(key, _keys.tagged_key(prefix, _keys.pk_of(key))) for key in keys]
    if binding.is_cluster:  # a pk with its own hash tag would move to another slot
        same_slot = [(o, n) for o, n in moves if _slots.slot_of(o) == _slots.slot_of(n)]
        entry.skipped.extend(old for old, new in moves if (old, new) not in same_slot)
    else:
        same_slot = moves
    if not same_slot:
        return
    renamed = executor.transaction(
        binding, [("RENAMENX", old, new) for old, new in same_slot]
    )
    for (old, new), reply in zip(same_slot, renamed, strict=True):
        if int(reply) == 1:
            entry.migrated += 1
            _move_special_keys(binding, old, new, paths)
        else:
            entry.conflicts.append(old)


def _move_special_keys(binding: Binding, old: str, new: str, paths: list[str]) -> None:
    """Copy each set or queue key of ``old`` to its name under ``new`` (members, scores, TTL)."""
    for path in paths:
        source, target = _keys.special_key(old, path), _keys.special_key(new, path)
        kind, ttl = executor.transaction(binding, [("TYPE", source), ("PTTL", source)])
        if kind == "set":
            members = executor.execute(binding, "SMEMBERS", source)
            write: list[Command] = [("DEL", target), ("SADD", target, *members)]
        elif kind == "zset":
            reply = executor.execute(binding, "ZRANGE", source, 0, -1, "WITHSCORES")
            pairs = (
                reply
                if reply and isinstance(reply[0], (list, tuple))
                else zip(reply[::2], reply[1::2], strict=True)
            )
            flat = [part for member, score in pairs for part in (score, member)]
            write = [("DEL", target), ("ZADD", target, *flat)]
        else:
            continue  # no such key (an empty set or queue is not stored)
        if int(ttl) > 0:
            write.append(("PEXPIRE", target, int(ttl)))
        executor.transaction(binding, write)
        executor.execute(binding, "DEL", source)
