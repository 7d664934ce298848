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
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import ResponseError

from rapyer import _bulk, _index, _pipeline_state, _query, _search, cascade
from rapyer import _io_async as io
from rapyer._async import executor, index_ops, scatter
from rapyer._binding import Binding, binding_of
from rapyer.results import DeleteResult

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

M = TypeVar("M", bound="BaseRedisModel")


async def _run(cls: type[BaseRedisModel], binding: Binding, *args: Any) -> Any:
    try:
        return await executor.execute(binding, *args)
    except ResponseError as exc:
        raise _search.map_error(cls, exc) from exc


async def _check(
    cls: type[BaseRedisModel],
    binding: Binding,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey | None = None,
) -> None:
    """The serving index has what the query uses (IndexFieldMissingError otherwise)."""
    attributes: Any = compiled.attributes
    if sort is not None:
        attributes = (*attributes, sort.field.name)
    await index_ops.check_serving(cls, binding, attributes)


async def _complete(cls: type[BaseRedisModel], binding: Binding, models: list[Any]) -> None:
    """Special fields and the READ/FETCH TTL refresh of a fetched batch (one round trip)."""
    plan = _search.completion_plan(cls, models)
    if not plan:
        return
    pipe = io.client(binding).pipeline(transaction=False)
    for _, reads, ttl in plan:
        for command in (*reads, *ttl):
            pipe.execute_command(*command)
    try:
        replies = await pipe.execute()
    except BaseException:
        if cascade.active:
            cascade.drop_pending()
        raise
    _search.apply_completion(plan, replies)
    if cascade.active:
        await executor.settle()


async def _cursor_rows(
    cls: type[BaseRedisModel],
    binding: Binding,
    compiled: _query.CompiledQuery,
    steps: Sequence[Any],
    batch: int,
    parse: Any = _search.parse_cursor,
) -> AsyncIterator[Any]:
    """Rows of ``FT.AGGREGATE q <steps> WITHCURSOR COUNT batch`` until the cursor ends, as
    ``parse`` gives them (pages without rows left out).

    The cursor is deleted when the consumer stops early.
    """
    index = _index.index_name(cls)
    args = _search.aggregate_args(cls, compiled, steps, batch)
    rows, cursor = parse(await _run(cls, binding, *args))
    try:
        while True:
            if rows:
                yield rows
            if not cursor:
                return
            reply = await _run(cls, binding, "FT.CURSOR", "READ", index, cursor, "COUNT", batch)
            rows, cursor = parse(reply)
    finally:
        if cursor:
            with contextlib.suppress(ResponseError):
                await executor.execute(binding, "FT.CURSOR", "DEL", index, cursor)


async def _batches(
    cls: type[M],
    expressions: Sequence[Any],
    max_results: int | None,
    offset: int,
    sort_by: Any,
    batch_size: int | None,
) -> AsyncIterator[list[M]]:
    _bulk.check_count("max_results", max_results)
    _bulk.check_count("offset", offset)
    batch = _bulk.batch_size_of(cls, batch_size)
    sort = _query.resolve_sort(cls, sort_by)
    compiled = _search.compile_expressions(cls, expressions)
    if max_results == 0:
        return
    binding = binding_of(cls)
    await _check(cls, binding, compiled, sort)
    if binding.is_cluster:
        found: Any = scatter.find_batches(cls, binding, compiled, sort, offset, max_results, batch)
        try:
            async for models in found:
                yield models
        finally:
            await found.aclose()
        return
    steps = _search.find_steps(sort, offset, max_results)
    remaining = max_results
    rows_iter = _cursor_rows(cls, binding, compiled, steps, batch, _search.parse_cursor_hits)
    try:
        async for keys, docs in rows_iter:
            if remaining is not None:
                keys, docs = keys[:remaining], docs[:remaining]
                remaining -= len(keys)
            models = _search.load_hits(cls, keys, docs)
            await _complete(cls, binding, models)
            if models:
                yield models
            if remaining is not None and remaining <= 0:
                return
    finally:
        await rows_iter.aclose()  # type: ignore[attr-defined]  # a generator


# ---- the operations -------------------------------------------------------------------------


async def find(
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
        async for models in batches:
            out.extend(models)
    finally:
        await batches.aclose()  # type: ignore[attr-defined]  # a generator
    return out


async def iterate(
    cls: type[M],
    expressions: Sequence[Any],
    *,
    batch_size: int | None = None,
    sort_by: Any = None,
) -> AsyncIterator[M]:
    """The models ``find`` would return, fetched in batches of ``batch_size``."""
    batches = _batches(cls, expressions, None, 0, sort_by, batch_size)
    try:
        async for models in batches:
            for model in models:  # noqa: UP028 (the blocking twin is generated from this)
                yield model
    finally:
        await batches.aclose()  # type: ignore[attr-defined]  # a generator


async def count(cls: type[BaseRedisModel], expressions: Sequence[Any]) -> int:
    """The number of documents matching the AND of ``expressions``."""
    compiled = _search.compile_expressions(cls, expressions)
    binding = binding_of(cls)
    await _check(cls, binding, compiled)
    if binding.is_cluster:
        return await scatter.count(cls, binding, compiled)
    args = _search.count_args(cls, compiled)
    total, _ = _search.parse_search(await _run(cls, binding, *args))
    return total


async def delete_many(cls: type[BaseRedisModel], expressions: Sequence[Any]) -> DeleteResult:
    """Delete every document matching the AND of ``expressions`` (and its special keys).

    Outside a pipeline, batches of ``max_delete_per_transaction`` keys each go in their own
    MULTI; inside a pipeline (or with ``None``) one DEL of everything, queued there.
    """
    compiled = _search.compile_expressions(cls, expressions)
    binding = binding_of(cls)
    await _check(cls, binding, compiled)
    in_pipeline = _pipeline_state.current() is not None
    per_batch, batch = _search.delete_batch_size(cls, in_pipeline)
    result = DeleteResult(was_committed=not in_pipeline)
    pending: list[str] = []
    rows_iter: Any = _matching_keys(cls, binding, compiled, batch)
    try:
        async for keys in rows_iter:
            if per_batch:
                await _delete_batch(cls, binding, keys, result)
            else:
                pending.extend(keys)
    finally:
        await rows_iter.aclose()
    if pending:
        await _delete_batch(cls, binding, pending, result)
    return result


async def _matching_keys(
    cls: type[BaseRedisModel], binding: Binding, compiled: _query.CompiledQuery, batch: int
) -> AsyncIterator[list[str]]:
    """The keys of every match, ``batch`` at a time (all of them are read before the first
    delete on a cluster: deleting while paging would shift the pages)."""
    if binding.is_cluster:
        keys = [key async for page in scatter.matching_keys(cls, binding, compiled) for key in page]
        for chunk in _bulk.chunks(keys, batch):
            yield list(chunk)
        return
    rows_iter = _cursor_rows(cls, binding, compiled, ["LOAD", 1, "@__key"], batch)
    try:
        async for rows in rows_iter:
            yield [row["__key"] for row in rows if row.get("__key")]
    finally:
        await rows_iter.aclose()  # type: ignore[attr-defined]  # a generator


async def _delete_batch(
    cls: type[BaseRedisModel], binding: Binding, keys: list[str], result: DeleteResult
) -> None:
    if not keys:
        return
    commands = _search.delete_commands(cls, keys)
    _search.count_deleted(result, commands, await executor.write(binding, commands))
