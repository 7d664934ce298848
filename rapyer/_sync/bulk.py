# GENERATED from rapyer/_async/bulk.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Bulk operations: insert, find (keys, scans, queries), count, iterate, delete many,
get-or-create, duplicate, and TTL control."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import ResponseError
from typing_extensions import Self

from rapyer import _bulk, _codec, _keys, _layout, _pipeline_state, _ttl
from rapyer import cascade as _cascade
from rapyer import config as _config
from rapyer._sync import cluster, executor, scripts, search
from rapyer._binding import Binding, binding_of
from rapyer._query import Expression, check_not_bare
from rapyer.errors import (
    KeyNotFound,
    UnsupportedArgumentTypeError,
    UnsupportedArgumentValueError,
)
from rapyer.fields import RapyerKey
from rapyer.results import (
    DeleteResult,
    GetOrCreateResult,
    GetOrCreateStatus,
    RapyerDeleteResult,
)

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._model import BaseRedisModel as _Base
else:
    _Base = object

M = TypeVar("M", bound="BaseRedisModel")
R = TypeVar("R", bound=DeleteResult)


# ---- reads ----------------------------------------------------------------------------------


def read_items(
    binding: Binding,
    keys: Sequence[str],
    classes: type[BaseRedisModel] | Sequence[type[BaseRedisModel]],
) -> list[Any]:
    """One round trip: the documents at ``keys`` (plus special fields and the read refresh);
    ``classes`` is one class for all or the class of each key. Per item: a model,
    ``MISSING`` or ``SKIPPED``."""
    plan = _bulk.ReadPlan(keys, classes)
    replies = executor.transaction(binding, plan.commands, raise_on_error=False)
    return plan.results(replies)


def read_models(
    binding: Binding, cls: type[M], keys: Sequence[str]
) -> tuple[list[M], str | None]:
    """One round trip: the ``cls`` models at ``keys`` in order (invalid ones skipped with a
    WARNING), and the first missing key (``None`` when none is)."""
    plan = _bulk.ReadPlan(keys, cls)
    replies = executor.transaction(binding, plan.commands, raise_on_error=False)
    return plan.models(replies)


def read_keys(
    cls: type[M], keys: Sequence[str], size: int, skip_missing: bool
) -> Iterator[list[M]]:
    """The models at full ``keys``, in order, one ``JSON.MGET`` chunk at a time."""
    binding = binding_of(cls)
    for chunk in _bulk.chunks(keys, size):
        models, missing = read_models(binding, cls, chunk)
        if missing is not None and not skip_missing:
            raise KeyNotFound(f"{missing} is missing in redis")
        yield models
        del models  # not kept while the next chunk is read


def scan_keys(cls: type[BaseRedisModel], count: int) -> Iterator[list[str]]:
    """Keys under ``cls``'s prefix, one ``SCAN`` reply at a time (lock keys left out)."""
    binding = binding_of(cls)
    pattern = _layout.scan_pattern(cls)
    is_lock = _keys.is_lock_key
    may_hold_locks = _keys.may_hold_lock_keys
    if binding.is_cluster:  # every primary, one after the other
        for found in cluster.scan(binding, pattern, count):
            if may_hold_locks(found):
                found = [key for key in found if not is_lock(key)]
            if found:
                yield found
        return
    cursor: Any = 0
    while True:
        cursor, found = executor.execute(
            binding, "SCAN", cursor, "MATCH", pattern, "COUNT", count
        )
        if may_hold_locks(found):
            found = [key for key in found if not is_lock(key)]
        if found:
            yield found
        if int(cursor) == 0:
            return


def scan_models(
    cls: type[M], size: int, seen: set[str] | None = None, scan_count: int | None = None
) -> Iterator[list[M]]:
    """Every stored ``cls`` document, in batches of about ``size`` (SCAN, then JSON.MGET).

    Keys that hold no JSON document are skipped, invalid documents too (with a WARNING).
    With ``seen``, a key that SCAN returns again is fetched only once. ``scan_count`` is the
    SCAN ``COUNT`` hint (default ``size``).
    """
    binding = binding_of(cls)
    pending: list[str] = []
    for found in scan_keys(cls, scan_count or size):
        if seen is not None:
            if seen.isdisjoint(found):
                seen.update(found)
            else:
                fresh = [key for key in found if key not in seen]
                seen.update(fresh)
                found = fresh
        pending.extend(found)
        while len(pending) >= size:
            chunk, pending = pending[:size], pending[size:]
            # yielded without a name in this frame: the batch is freed while the next one is
            # read (one batch in memory, not two)
            yield (read_models(binding, cls, chunk))[0]
    if pending:
        yield (read_models(binding, cls, pending))[0]


def find_all(cls: type[M], max_results: int | None, offset: int) -> list[M]:
    """Every stored ``cls`` model (scan mode), sliced by ``offset`` and ``max_results``."""
    out: list[M] = []
    batch_size = _bulk.batch_size_of(cls)
    size = batch_size if max_results is None else max(1, min(batch_size, offset + max_results))
    for batch in scan_models(cls, size, set(), batch_size):
        out.extend(batch)
        if max_results is not None and len(out) >= offset + max_results:
            break
    if max_results is None and not offset:
        return out
    end = None if max_results is None else offset + max_results
    return out[offset:end]


# ---- writes ---------------------------------------------------------------------------------


def insert_models(models: Sequence[BaseRedisModel]) -> None:
    """Store ``models``: one transaction per binding, queued inside a pipeline."""
    for binding, commands in _bulk.insert_commands(models).items():
        executor.write(binding, commands)


def delete_keys_of_class(simple: _bulk.KeysOfClass, result_cls: type[R]) -> R:
    """Delete main keys of one class without special keys: ``DEL`` in batches of
    ``max_delete_per_transaction`` keys (one ``DEL`` queued inside a pipeline)."""
    cls, keys = simple.cls, simple.keys
    binding = binding_of(cls)
    committed = _pipeline_state.current() is None
    if not committed:
        executor.write(binding, [("DEL", *keys)])
        deleted = len(keys)
    else:
        limit = _config.resolve(cls, "max_delete_per_transaction")
        size = len(keys) if limit is None or limit < 1 else limit
        deleted = 0
        for batch in (keys,) if len(keys) <= size else _bulk.chunks(keys, size):
            deleted += int(executor.execute(binding, "DEL", *batch))
    # one validation of the result instead of one per assigned field
    if issubclass(result_cls, RapyerDeleteResult):
        return result_cls(
            models_deleted=deleted,
            keys_deleted=deleted,
            was_committed=committed,
            by_model={cls: deleted},
        )
    return result_cls(models_deleted=deleted, keys_deleted=deleted, was_committed=committed)


def delete_targets(
    targets: Sequence[_bulk.DeleteTarget] | _bulk.KeysOfClass, result_cls: type[R]
) -> R:
    """Delete the targets' keys, in batches per binding (queued inside a pipeline)."""
    if isinstance(targets, _bulk.KeysOfClass):
        return delete_keys_of_class(targets, result_cls)
    groups = _bulk.by_binding((binding_of(t.cls), t) for t in targets)
    result = result_cls()
    by_model: dict[type, int] = {}
    if _pipeline_state.current() is not None:
        for binding, group in groups.items():
            keys = _bulk.all_delete_keys(group)
            executor.write(binding, [("DEL", *keys)])
            result.models_deleted += len(group)
            result.keys_deleted += len(keys)
            for target in group:
                by_model[target.cls] = by_model.get(target.cls, 0) + 1
        result.was_committed = False
    else:
        for binding, group in groups.items():
            limit = _config.resolve(group[0].cls, "max_delete_per_transaction")
            for batch in _bulk.delete_batches(group, limit):
                commands, owners = _bulk.delete_batch_commands(batch)
                replies = executor.transaction(binding, commands)
                for owner, reply in zip(owners, replies, strict=True):
                    count = int(reply)
                    result.keys_deleted += count
                    if owner is not None:
                        result.models_deleted += count
                        by_model[owner] = by_model.get(owner, 0) + count
    if isinstance(result, RapyerDeleteResult):
        result.by_model = by_model
    return result


def get_or_create(model: M) -> GetOrCreateResult[M]:
    """Return the stored model at ``model.key``, or store ``model``: atomically (Lua)."""
    cls = type(model)
    keys, args = _bulk.get_or_create_args(model)
    try:
        reply = scripts.run_script(binding_of(cls), "get_or_create", keys, args)
    except ResponseError as exc:
        raise _codec.wrong_type_error(exc, keys[0]) from exc
    created = int(reply[0]) == 0
    if _bulk.note_get_or_create(cls, keys[0], created):
        executor.settle()
    if created:
        return GetOrCreateResult(model, GetOrCreateStatus.CREATED)
    found = _codec.load_model(cls, reply[1], keys[0])
    special = list(reply[2]) if len(reply) > 2 else []
    if special:
        found._apply_special_replies(special)
    return GetOrCreateResult(found, GetOrCreateStatus.FOUND)


def refresh_groups(model: BaseRedisModel, groups: Any) -> None:
    """The TTL refresh of an operation of ``groups`` on ``model`` (a root), if it applies."""
    cls = type(model)
    commands = _ttl.ttl_commands(cls, model.all_keys, groups)
    if commands:
        executor.write(binding_of(cls), commands)


class SyncBulkOps(_Base):
    """Bulk operations and TTL control of a model (mixed into ``AtomicRedisModel``)."""

    @classmethod
    def insert(cls, *models: Self) -> list[Self]:
        """Store every model in one transaction (queued inside a pipeline).

        Models must be top-level instances of this class or its subclasses.
        """
        _bulk.models_to_insert(models, cls)
        insert_models(models)
        return list(models)

    @classmethod
    def find(
        cls,
        *args: Any,
        max_results: int | None = None,
        offset: int = 0,
        sort_by: Any = None,
        skip_missing: bool = False,
    ) -> list[Self]:
        """Stored models of this class.

        No arguments: every model (SCAN). Keys (full or bare pks): exactly those, in order;
        a missing one raises KeyNotFound unless ``skip_missing``. Expressions: the matches
        of their AND. ``offset`` and ``max_results`` slice the result.
        """
        _bulk.check_count("max_results", max_results)
        _bulk.check_count("offset", offset)
        _bulk.check_sort_by(sort_by)
        keys, expressions = _bulk.classify(args)
        if expressions or (sort_by is not None and not keys):
            return search.find(
                cls, expressions, max_results=max_results, offset=offset, sort_by=sort_by
            )
        if sort_by is not None:
            raise UnsupportedArgumentValueError("sort_by cannot be used with keys")
        if max_results == 0:
            return []
        if not keys:
            return find_all(cls, max_results, offset)
        full = _layout.full_keys(cls, keys)
        end = None if max_results is None else offset + max_results
        if end is not None and not skip_missing:
            full = full[:end]  # keys past the slice are neither read nor checked
        found: list[Self] = []
        for batch in read_keys(cls, full, _bulk.batch_size_of(cls), skip_missing):
            found.extend(batch)
            if end is not None and len(found) >= end:
                break
        if max_results is None and not offset:
            return found
        return found[offset:end]

    @classmethod
    def find_one(cls, *args: Any, sort_by: Any = None) -> Self | None:
        """The first model ``find`` gives for ``args``, or ``None`` (also for a missing key)."""
        try:
            found = cls.find(*args, max_results=1, sort_by=sort_by)
        except KeyNotFound:
            return None
        return found[0] if found else None

    @classmethod
    def find_keys(cls, max_results: int | None = None) -> list[RapyerKey]:
        """The keys under this class's prefix (SCAN, never KEYS), lock keys left out."""
        _bulk.check_count("max_results", max_results)
        out: list[RapyerKey] = []
        if max_results == 0:
            return out
        seen: set[str] = set()
        for found in scan_keys(cls, _bulk.batch_size_of(cls)):
            for key in found:
                if key in seen:
                    continue
                seen.add(key)
                out.append(RapyerKey(key))
                if max_results is not None and len(out) >= max_results:
                    return out
        return out

    @classmethod
    def count(cls, *expressions: Any) -> int:
        """The number of matches of the expressions; without any, the number of keys under
        this class's prefix (lock keys left out), counted by SCAN."""
        for expression in expressions:
            check_not_bare(expression)
            if not isinstance(expression, Expression):
                raise UnsupportedArgumentTypeError(
                    f"count takes query expressions, got {type(expression).__name__}"
                )
        if expressions:
            return search.count(cls, list(expressions))
        seen: set[str] = set()
        for found in scan_keys(cls, _bulk.batch_size_of(cls)):
            seen.update(found)
        return len(seen)

    @classmethod
    def iterator(
        cls, *args: Any, batch_size: int | None = None, sort_by: Any = None
    ) -> Iterator[Self]:
        """The models ``find`` would give, fetched one batch at a time (bounded memory).

        Without arguments it follows the SCAN cursor and keeps no record of the keys seen, so
        a key may come twice when the keyspace is resized during the scan (as SCAN allows).
        """
        size = _bulk.batch_size_of(cls, batch_size)
        _bulk.check_sort_by(sort_by)
        keys, expressions = _bulk.classify(args)
        if expressions or (sort_by is not None and not keys):
            for model in search.iterate(cls, expressions, batch_size=size, sort_by=sort_by):
                yield model
            return
        if sort_by is not None:
            raise UnsupportedArgumentValueError("sort_by cannot be used with keys")
        if keys:
            full = _layout.full_keys(cls, keys)
            for batch in read_keys(cls, full, size, skip_missing=False):
                for model in batch:
                    yield model
                batch = []  # not kept while the next batch is read
            return
        for batch in scan_models(cls, size):
            for model in batch:
                yield model
            batch = []  # not kept while the next batch is read

    @classmethod
    def delete_many(cls, *args: Any) -> DeleteResult:
        """Delete models given as models, keys (full or bare) or expressions (not mixed).

        Counts the main documents that existed; batches of ``max_delete_per_transaction``
        keys, each its own transaction (queued as one ``DEL`` inside a pipeline).
        """
        if args and all(isinstance(arg, Expression) for arg in args):
            return search.delete_many(cls, list(args))
        targets = _bulk.class_delete_targets(cls, args)
        return delete_targets(targets, DeleteResult)

    @classmethod
    def get_or_create(cls, model: Self) -> GetOrCreateResult[Self]:
        """The stored model at ``model.key`` (FOUND), or ``model`` stored now (CREATED).

        Atomic under concurrency (one Lua script); runs at once even inside a pipeline.
        """
        if not isinstance(model, cls):
            raise UnsupportedArgumentTypeError(
                f"{cls.__name__}.get_or_create got a {type(model).__name__}"
            )
        return get_or_create(model)

    def duplicate(self) -> Self:
        """A stored copy of this model under a new pk, built from the stored state."""
        copies = self.duplicate_many(1)
        return copies[0]

    def duplicate_many(self, num: int) -> list[Self]:
        """``num`` stored copies (server-side COPY, new uuid4 pks), in one transaction."""
        cls = type(self)
        new_keys, commands, get_index = _bulk.duplicate_plan(self, num)
        key = self.key
        try:
            replies = executor.transaction(binding_of(cls), commands)
        except ResponseError as exc:
            raise _codec.wrong_type_error(exc, key) from exc
        raw = replies[get_index]
        if raw is None:
            raise KeyNotFound(f"{key} is missing in redis")
        special = replies[get_index + 1 :]
        copies: list[Self] = []
        for new_key in new_keys:
            copy = _codec.load_model(cls, raw, new_key)
            if special:
                copy._apply_special_replies(list(special))
            copies.append(copy)
        return copies

    def set_ttl(self, ttl: int | None, cascade: bool = False) -> Any:
        """Expire this model's keys in ``ttl`` seconds (``None`` makes them persistent).

        Queued inside a pipeline. With ``cascade``, the models this one references by enabled
        edges get their own TTL extended too (``EXPIRE ... GT``); the result lists dangling
        and mismatched references (``None`` inside a pipeline, where the EXPIREs are queued).
        Returns ``None`` without ``cascade``.
        """
        _bulk.check_top_level(self, "set_ttl")
        keys = self.all_keys
        binding = binding_of(type(self))
        frame = _pipeline_state.current()
        if frame is not None and ttl is None:
            # A refresh queued earlier in this pipeline would follow the PERSIST at EXEC.
            pending = frame.expires.get(binding)
            if pending:
                for key in keys:
                    pending.pop(key, None)
        executor.write(binding, _ttl.set_ttl_commands(keys, ttl))
        if not cascade:
            return None
        result = executor.run_cascade([(type(self), self.key)])
        return None if frame is not None else result

    def refresh_ttl(self) -> None:
        """Re-apply ``Meta.ttl`` to the root's keys (nothing when it is ``None``), and extend
        the TTL of the models it references by enabled cascade edges."""
        root = self.root_model()
        cls = type(root)
        if _cascade.cascades_on_refresh(cls):
            _cascade.note_refresh(cls, [root.key])
        commands = _ttl.refresh_commands(cls, root.all_keys)
        if commands:
            executor.write(binding_of(cls), commands)
        else:
            executor.settle()
