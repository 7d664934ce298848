"""Rewriting documents written by the original rapyer 1.3 as plain JSON (the migration)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from redis.exceptions import WatchError

from rapyer import _io_async as io
from rapyer import _keys, _migration, _registry
from rapyer import config as _config
from rapyer._binding import Binding, binding_of
from rapyer.errors import ClusterUnsupportedError, RapyerError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel


async def amigrate_original(
    *models: type[BaseRedisModel],
    batch_size: int | None = None,
    dry_run: bool = False,
    cursor: int = 0,
    progress: bool | TextIO = False,
) -> _migration.MigrationResult:
    """Rewrite the documents of ``models`` (default: every registered model) that hold values
    the original rapyer pickled, as plain JSON.

    Keys are visited with ``SCAN`` in batches of ``batch_size`` (default ``Meta.batch_size``);
    each batch is read and rewritten in one optimistic transaction (``WATCH``), field by field,
    so concurrent writes are never overwritten. Documents already in rapyer's form are left
    alone, so the migration can run again at any time; ``cursor`` (one model only) resumes an
    interrupted run from the cursor its result reported. ``dry_run`` only counts.
    ``progress`` draws a progress bar on stderr (or on the given stream).
    A refused pickle or a document invalid after decoding is left as it is, counted in
    ``invalid`` and logged as a WARNING.
    """
    classes = list(models) if models else list(_registry.models())
    _migration.check_arguments(classes, batch_size, cursor)
    result = _migration.MigrationResult(dry_run=dry_run)
    for cls in classes:
        size = batch_size or _config.resolve(cls, "batch_size")
        entry = await _migrate_class(cls, size, dry_run, cursor, progress)
        result.models.append(entry)
        result.scanned += entry.scanned
        result.migrated += entry.migrated
        result.invalid += entry.invalid
    return result


async def _migrate_class(
    cls: type[BaseRedisModel], size: int, dry_run: bool, cursor: int, progress: bool | TextIO
) -> _migration.ModelMigration:
    binding = binding_of(cls)
    if binding.is_cluster:
        raise ClusterUnsupportedError(
            "migrate-original keeps one SCAN cursor and watches whole batches, which a cluster "
            "cannot do; migrate on a single server before moving the data to the cluster"
        )
    entry = _migration.ModelMigration(model=cls.__name__, cursor=cursor)
    bar = None
    if progress:
        total = await _count_keys(binding, cls, size)
        stream = None if progress is True else progress
        bar = _migration.Progress(cls.__name__, total, stream)
        bar.update(0, 0)
    pattern = _keys.scan_pattern(cls.class_key_initials())
    while True:
        next_cursor, found = await io.client(binding).execute_command(
            "SCAN", entry.cursor, "MATCH", pattern, "COUNT", size
        )
        keys = [key for key in found if not _keys.is_lock_key(key)]
        if keys:
            plan = await _migrate_batch(binding, cls, keys, dry_run)
            entry.scanned += len(keys)
            entry.migrated += plan.migrated
            entry.invalid += plan.invalid
        entry.cursor = int(next_cursor)
        if bar is not None:
            bar.update(entry.scanned, entry.migrated)
        if entry.cursor == 0:
            break
    if bar is not None:
        bar.finish()
    return entry


async def _count_keys(binding: Binding, cls: type[BaseRedisModel], size: int) -> int:
    pattern = _keys.scan_pattern(cls.class_key_initials())
    cursor: Any = 0
    total = 0
    while True:
        cursor, found = await io.client(binding).execute_command(
            "SCAN", cursor, "MATCH", pattern, "COUNT", size
        )
        total += sum(1 for key in found if not _keys.is_lock_key(key))
        if int(cursor) == 0:
            return total


async def _migrate_batch(
    binding: Binding, cls: type[BaseRedisModel], keys: Sequence[str], dry_run: bool
) -> _migration.BatchPlan:
    """Read the batch and rewrite its original-format fields, all while the keys are watched."""
    if dry_run:
        replies = await io.client(binding).execute_command("JSON.MGET", *keys, "$")
        return _migration.plan_batch(cls, keys, replies)
    for _ in range(_migration.ATTEMPTS):
        async with io.client(binding).pipeline(transaction=True) as pipe:
            await pipe.watch(*keys)
            replies = await pipe.execute_command("JSON.MGET", *keys, "$")
            plan = _migration.plan_batch(cls, keys, replies)
            if not plan.commands:
                return plan
            ttls = [await pipe.execute_command("PTTL", key) for key, _ in plan.moved_sets]
            pipe.multi()
            for (_, set_key), ttl in zip(plan.moved_sets, ttls, strict=True):
                if int(ttl) > 0:  # a set moved out of its document expires with it
                    plan.commands.append(("PEXPIRE", set_key, int(ttl)))
            for command in plan.commands:
                pipe.execute_command(*command)
            try:
                await pipe.execute()
            except WatchError:
                continue
            return plan
    raise RapyerError(
        f"migrate-original: the batch starting at {keys[0]!r} kept changing during "
        f"{_migration.ATTEMPTS} attempts; run the migration again"
    )
