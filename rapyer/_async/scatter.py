"""Queries on a cluster: every primary's index asked for ids (and sort keys), merged here.

``rapyer._gather`` builds the per-primary ``FT.SEARCH`` and merges the rows in a single
server's order; this module sends them to every primary concurrently, reads the bodies of the
page per slot (``JSON.MGET`` per slot, one ``MULTI`` per slot, every slot of a node in one
round trip) and sums the counts. A primary that answers ``MOVED`` or lacks its index (the
topology changed) gets the cluster's topology read again and its index created, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import ResponseError

from rapyer import _bulk, _gather, _index, _index_info, _query, _search
from rapyer import _io_async as io
from rapyer._async import cluster, executor, index_ops
from rapyer._binding import Binding
from rapyer._index_info import Target
from rapyer.errors import IndexNotFoundError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

M = TypeVar("M", bound="BaseRedisModel")

__all__ = ["count", "find_batches", "matching_keys"]


async def _search_on(
    cls: type[BaseRedisModel],
    target: Target,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey | None,
    offset: int,
    size: int,
) -> tuple[int, list[_gather.Row]]:
    index = _index.index_name(cls, target.tag)
    args = _gather.search_args(cls, compiled, index, sort, offset, size)
    try:
        reply = await index_ops.run(target, *args)
    except ResponseError as exc:
        raise _search.map_error(cls, exc) from exc
    return _gather.parse_rows(reply, sort is not None)


async def _with_topology_retry(
    cls: type[BaseRedisModel], binding: Binding, attributes: Iterable[str], call: Any
) -> Any:
    """``call(targets)`` on the current primaries; after ``MOVED`` or a missing index the
    topology is read again, the missing indexes are created, and it runs once more."""
    try:
        return await call(await index_ops.targets(binding))
    except (IndexNotFoundError, ResponseError) as exc:
        if not (isinstance(exc, IndexNotFoundError) or cluster.is_redirect(exc)):
            raise
    await io.refresh_topology(io.client(binding))
    _index_info.forget(cls)
    await index_ops.check_serving(cls, binding, attributes)
    return await call(await index_ops.targets(binding))


async def _shard_rows(
    cls: type[BaseRedisModel],
    target: Target,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey,
    need: int | None,
) -> list[_gather.Row]:
    """The first rows of one primary that hold its part of the first ``need`` merged rows."""
    size = _gather.PAGE if need is None else need + 1
    while True:
        total, rows = await _search_on(cls, target, compiled, sort, 0, size)
        more = _gather.more_needed(rows, total, need, sort)
        if more is None:
            return rows
        size = more


async def _sorted_keys(
    cls: type[BaseRedisModel],
    binding: Binding,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey,
    offset: int,
    max_results: int | None,
) -> list[str]:
    need = None if max_results is None else offset + max_results

    async def call(targets: list[Target]) -> list[list[_gather.Row]]:
        calls = [_shard_call(cls, target, compiled, sort, need) for target in targets]
        return await io.each(calls)

    per_shard = await _with_topology_retry(cls, binding, compiled.attributes, call)
    rows = [row for shard in per_shard for row in shard]
    return _gather.merge(rows, sort, offset, max_results)


def _shard_call(
    cls: type[BaseRedisModel],
    target: Target,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey,
    need: int | None,
) -> Any:
    async def call() -> list[_gather.Row]:
        return await _shard_rows(cls, target, compiled, sort, need)

    return call


async def matching_keys(
    cls: type[BaseRedisModel],
    binding: Binding,
    compiled: _query.CompiledQuery,
    offset: int = 0,
    max_results: int | None = None,
) -> AsyncIterator[list[str]]:
    """The keys of the matches without a sort: primary after primary (in the cluster's
    order of primaries), each in its index order, a page at a time."""
    remaining = max_results
    skip = offset
    for target in await index_ops.targets(binding):
        if remaining == 0:
            return
        position, total = skip, 0
        while remaining is None or remaining > 0:
            size = _gather.PAGE if remaining is None else min(_gather.PAGE, remaining)
            total, rows = await _search_on(cls, target, compiled, None, position, size)
            keys = [key for key, _ in rows]
            if remaining is not None:
                keys = keys[:remaining]
                remaining -= len(keys)
            if keys:
                yield keys
            position += len(rows)
            if not rows or position >= total:
                break
        skip = max(0, skip - total)


async def _read(binding: Binding, cls: type[M], keys: list[str]) -> list[M]:
    """The models at ``keys`` in order, read per slot (gone ones skipped)."""
    plan = _bulk.ReadPlan(keys, cls)
    replies = await executor.transaction(binding, plan.commands, raise_on_error=False)
    return plan.models(replies)[0]


async def find_batches(
    cls: type[M],
    binding: Binding,
    compiled: _query.CompiledQuery,
    sort: _query.SortKey | None,
    offset: int,
    max_results: int | None,
    batch: int,
) -> AsyncIterator[list[M]]:
    """The models of a query on a cluster, ``batch`` at a time."""
    if sort is not None:
        keys = await _sorted_keys(cls, binding, compiled, sort, offset, max_results)
        for chunk in _bulk.chunks(keys, batch):
            models = await _read(binding, cls, list(chunk))
            if models:
                yield models
        return
    pages: Any = matching_keys(cls, binding, compiled, offset, max_results)
    try:
        async for page in pages:
            for chunk in _bulk.chunks(page, batch):
                models = await _read(binding, cls, list(chunk))
                if models:
                    yield models
    finally:
        await pages.aclose()


async def count(cls: type[BaseRedisModel], binding: Binding, compiled: _query.CompiledQuery) -> int:
    """The number of matches: the primaries' totals summed."""

    async def call(targets: list[Target]) -> list[int]:
        calls = [_count_call(cls, target, compiled) for target in targets]
        return await io.each(calls)

    return sum(await _with_topology_retry(cls, binding, compiled.attributes, call))


def _count_call(cls: type[BaseRedisModel], target: Target, compiled: _query.CompiledQuery) -> Any:
    async def call() -> int:
        total, _ = await _search_on(cls, target, compiled, None, 0, 0)
        return total

    return call
