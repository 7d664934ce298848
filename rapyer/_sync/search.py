# GENERATED from rapyer/_async/search.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Running expression queries: find, count, iterate and delete_many on a model's index.

The model's class methods classify their arguments and call these functions for the
expression mode (and for ``sort_by`` without arguments, with no expressions: the ``*``
query). Documents come in the same round trip as the hits, through an ``FT.AGGREGATE``
cursor: ``LOAD 2 @__key $ [LIMIT off n]`` without ``sort_by``, otherwise ``LOAD @__key @f
SORTBY 4 @f ASC|DESC @__key ASC MAX .. LIMIT off n LOAD 1 $``: the key breaks ties, so pages
are stable (``FT.SEARCH ... SORTBY`` pages repeat and skip tied documents).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import ResponseError

from rapyer import _bulk, _codec, _index, _index_info, _pipeline_state, _query, _ttl
from rapyer import _io_sync as io
from rapyer import config as _config
from rapyer._sync import executor, index_ops
from rapyer._sync.index_ops import is_missing_index, is_missing_module
from rapyer._binding import Binding, binding_of
from rapyer._groups import READ_FETCH
from rapyer.errors import (
    BadFilterError,
    CorruptedModelError,
    IndexNotFoundError,
)
from rapyer.results import DeleteResult

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

M = TypeVar("M", bound="BaseRedisModel")

_log = logging.getLogger("rapyer")
Hit = tuple[str, Any]  # (key, JSON text or None when the document is gone)


# ---- reply parsing (RESP2 lists and RESP3 / redis-py dicts) ---------------------------------


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


def _pairs(items: Any) -> dict[str, Any]:
    if isinstance(items, dict):
        return {_text(k): v for k, v in items.items()}
    if isinstance(items, (list, tuple)):
        return {_text(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}
    return {}


def parse_search(reply: Any) -> tuple[int, list[Hit]]:
    """``(total, [(key, doc)])`` from an ``FT.SEARCH`` reply (with ``RETURN 1 $`` or
    ``NOCONTENT``)."""
    hits: list[Hit] = []
    if isinstance(reply, dict):
        reply = _pairs(reply)
        for item in reply.get("results") or []:
            item = _pairs(item)
            attrs = _pairs(item.get("extra_attributes") or {})
            hits.append((_text(item.get("id")), _text(attrs.get("$"))))
        return int(reply.get("total_results") or 0), hits
    total = int(reply[0])
    items = list(reply[1:])
    i = 0
    while i < len(items):
        key = _text(items[i])
        i += 1
        doc = None
        if i < len(items) and (items[i] is None or isinstance(items[i], (list, tuple, dict))):
            doc = _text(_pairs(items[i]).get("$")) if items[i] is not None else None
            i += 1
        hits.append((key, doc))
    return total, hits


def parse_cursor(reply: Any) -> tuple[list[dict[str, Any]], int]:
    """``(rows, cursor_id)`` from an ``FT.AGGREGATE ... WITHCURSOR`` or ``FT.CURSOR READ``."""
    result, cursor = reply[0], int(reply[1])
    rows: list[dict[str, Any]] = []
    if isinstance(result, dict):
        for item in _pairs(result).get("results") or []:
            item = _pairs(item)
            rows.append({k: _text(v) for k, v in _pairs(item.get("extra_attributes")).items()})
    else:
        for item in list(result)[1:]:
            rows.append({k: _text(v) for k, v in _pairs(item).items()})
    return rows, cursor


# ---- helpers --------------------------------------------------------------------------------


def _map_error(cls: type[BaseRedisModel], exc: ResponseError) -> Exception:
    if is_missing_index(exc) or is_missing_module(exc):
        _index_info.forget(cls)
        return IndexNotFoundError(index_ops.not_found_message(cls))
    if "syntax error" in str(exc).lower():
        return BadFilterError(f"RediSearch rejected the query: {exc}")
    return exc


def _run(cls: type[BaseRedisModel], binding: Binding, *args: Any) -> Any:
    try:
        return executor.execute(binding, *args)
    except ResponseError as exc:
        raise _map_error(cls, exc) from exc


def _compile(cls: type[BaseRedisModel], expressions: Sequence[Any]) -> _query.CompiledQuery:
    if not _index.has_index(cls):
        raise IndexNotFoundError(f"{cls.__name__} has no indexed fields")
    return _query.compile_query(cls, list(expressions))


def _check(
    cls: type[BaseRedisModel],
    binding: Binding,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey | None = None,
) -> None:
    """The serving index has what the query uses (IndexFieldMissingError otherwise)."""
    attributes: Any = compiled.attributes
    if sort is not None:
        attributes = (*attributes, sort.field.name)
    index_ops.check_serving(cls, binding, attributes)


def _load(cls: type[M], hits: list[Hit]) -> list[M]:
    models = []
    for key, doc in hits:
        if doc is None:  # deleted between the index and the read
            continue
        try:
            models.append(_codec.load_model(cls, doc, key))
        except CorruptedModelError as exc:  # undecodable documents raise (spec §11)
            _log.warning("Skipping the document at %r: %s", key, exc)
    return models


def _complete(cls: type[BaseRedisModel], binding: Binding, models: list[Any]) -> None:
    """Special fields and the READ/FETCH TTL refresh of a fetched batch (one round trip)."""
    if not models:
        return
    refresh = _ttl.refreshes(cls, READ_FETCH)
    special = bool(cls._special_read_commands(models[0].key))
    if not refresh and not special:
        return
    plan = []
    for model in models:
        key = model.key
        reads = cls._special_read_commands(key) if special else []
        ttl = _ttl.ttl_commands(cls, [key, *cls._class_special_keys(key)], READ_FETCH)
        plan.append((model, reads, ttl))
    pipe = io.client(binding).pipeline(transaction=False)
    for _, reads, ttl in plan:
        for command in (*reads, *ttl):
            pipe.execute_command(*command)
    replies = pipe.execute()
    pos = 0
    for model, reads, ttl in plan:
        if reads:
            model._apply_special_replies(replies[pos : pos + len(reads)])
        pos += len(reads) + len(ttl)


def _cursor_rows(
    cls: type[BaseRedisModel],
    binding: Binding,
    compiled: _query.CompiledQuery,
    steps: Sequence[Any],
    batch: int,
) -> Iterator[list[dict[str, Any]]]:
    """Rows of ``FT.AGGREGATE q <steps> WITHCURSOR COUNT batch`` until the cursor ends.

    The cursor is deleted when the consumer stops early.
    """
    index = _index.index_name(cls)
    args: list[Any] = ["FT.AGGREGATE", index, compiled.text, *steps]
    args += ["WITHCURSOR", "COUNT", batch, *compiled.params_args(), "DIALECT", 2]
    rows, cursor = parse_cursor(_run(cls, binding, *args))
    try:
        while True:
            if rows:
                yield rows
            if not cursor:
                return
            reply = _run(cls, binding, "FT.CURSOR", "READ", index, cursor, "COUNT", batch)
            rows, cursor = parse_cursor(reply)
    finally:
        if cursor:
            with contextlib.suppress(ResponseError):
                executor.execute(binding, "FT.CURSOR", "DEL", index, cursor)


def find_steps(sort: _query.SortKey | None, offset: int, max_results: int | None) -> list[Any]:
    """The ``FT.AGGREGATE`` steps that fetch keys and documents.

    Without a sort the server's order is the index order (ascending document ids), the same
    for every page. With a sort the key breaks ties, so consecutive pages never repeat or
    skip a document while the data is unchanged.
    """
    limit = max_results if max_results is not None else _MAX_RESULTS
    if sort is None:
        steps: list[Any] = ["LOAD", 2, "@__key", "$"]
        if offset or max_results is not None:
            steps += ["LIMIT", offset, limit]
        return steps
    name = "@" + sort.field.name
    steps = ["LOAD", 2, "@__key", name]
    steps += ["SORTBY", 4, name, "DESC" if sort.descending else "ASC", "@__key", "ASC"]
    steps += ["MAX", min(offset + limit, _MAX_RESULTS), "LIMIT", offset, limit]
    steps += ["LOAD", 1, "$"]
    return steps


_MAX_RESULTS = 2**31 - 1


def _batches(
    cls: type[M],
    expressions: Sequence[Any],
    max_results: int | None,
    offset: int,
    sort_by: Any,
    batch_size: int | None,
) -> Iterator[list[M]]:
    _bulk.check_count("max_results", max_results)
    _bulk.check_count("offset", offset)
    batch = _bulk.batch_size_of(cls, batch_size)
    sort = _query.resolve_sort(cls, sort_by)
    compiled = _compile(cls, expressions)
    if max_results == 0:
        return
    binding = binding_of(cls)
    _check(cls, binding, compiled, sort)
    steps = find_steps(sort, offset, max_results)
    remaining = max_results
    rows_iter = _cursor_rows(cls, binding, compiled, steps, batch)
    try:
        for rows in rows_iter:
            hits = [(row.get("__key"), row.get("$")) for row in rows]
            if remaining is not None:
                hits = hits[:remaining]
                remaining -= len(hits)
            models = _load(cls, hits)
            _complete(cls, binding, models)
            if models:
                yield models
            if remaining is not None and remaining <= 0:
                return
    finally:
        rows_iter.close()


# ---- the operations -------------------------------------------------------------------------


def find(
    cls: type[M],
    expressions: Sequence[Any],
    *,
    max_results: int | None = None,
    offset: int = 0,
    sort_by: Any = None,
) -> list[M]:
    """Every model matching the AND of ``expressions`` (all documents when empty).

    Raises IndexNotFoundError, BadFilterError, UnsupportedArgumentValueError.
    """
    out: list[M] = []
    batches = _batches(cls, expressions, max_results, offset, sort_by, None)
    try:
        for models in batches:
            out.extend(models)
    finally:
        batches.close()
    return out


def iterate(
    cls: type[M],
    expressions: Sequence[Any],
    *,
    batch_size: int | None = None,
    sort_by: Any = None,
) -> Iterator[M]:
    """The models ``find`` would return, fetched in batches of ``batch_size``."""
    batches = _batches(cls, expressions, None, 0, sort_by, batch_size)
    try:
        for models in batches:
            for model in models:  # noqa: UP028 (the blocking twin is generated from this)
                yield model
    finally:
        batches.close()


def count(cls: type[BaseRedisModel], expressions: Sequence[Any]) -> int:
    """The number of documents matching the AND of ``expressions``."""
    compiled = _compile(cls, expressions)
    binding = binding_of(cls)
    _check(cls, binding, compiled)
    args: list[Any] = ["FT.SEARCH", _index.index_name(cls), compiled.text, "NOCONTENT"]
    args += ["LIMIT", 0, 0, *compiled.params_args(), "DIALECT", 2]
    total, _ = parse_search(_run(cls, binding, *args))
    return total


def delete_many(cls: type[BaseRedisModel], expressions: Sequence[Any]) -> DeleteResult:
    """Delete every document matching the AND of ``expressions`` (and its special keys).

    Outside a pipeline, batches of ``max_delete_per_transaction`` keys each go in their own
    MULTI; inside a pipeline (or with ``None``) one DEL of everything, queued there.
    """
    compiled = _compile(cls, expressions)
    binding = binding_of(cls)
    _check(cls, binding, compiled)
    limit = _config.resolve(cls, "max_delete_per_transaction")  # type: ignore[arg-type]
    in_pipeline = _pipeline_state.current() is not None
    # Each document also deletes its special keys: keep a MULTI within ``limit`` keys.
    per_doc = 1 + len(cls._class_special_keys("x:x"))
    batch = (
        max(1, limit // per_doc) if limit and not in_pipeline else _bulk.batch_size_of(cls, None)
    )
    result = DeleteResult(was_committed=not in_pipeline)
    pending: list[str] = []
    rows_iter = _cursor_rows(cls, binding, compiled, ["LOAD", 1, "@__key"], batch)
    try:
        for rows in rows_iter:
            keys = [row["__key"] for row in rows if row.get("__key")]
            if limit and not in_pipeline:
                _delete_batch(cls, binding, keys, result)
            else:
                pending.extend(keys)
    finally:
        rows_iter.close()
    if pending:
        _delete_batch(cls, binding, pending, result)
    return result


def _delete_batch(
    cls: type[BaseRedisModel], binding: Binding, keys: list[str], result: DeleteResult
) -> None:
    if not keys:
        return
    special = [k for key in keys for k in cls._class_special_keys(key)]
    commands: list[tuple[Any, ...]] = [("DEL", *keys)]
    if special:
        commands.append(("DEL", *special))
    replies = executor.write(binding, commands)
    if replies is None:  # queued into the active pipeline
        result.models_deleted += len(keys)
        result.keys_deleted += len(keys) + len(special)
        return
    result.models_deleted += int(replies[0])
    result.keys_deleted += sum(int(r) for r in replies)
