"""Queries on a cluster without I/O: the per-primary ``FT.SEARCH`` and the client-side merge.

A cluster's RediSearch has no coordinator: each primary indexes only its own documents, and it
cannot load a document body in another slot than the index name's. So every primary answers
``FT.SEARCH <its index> q NOCONTENT [WITHSORTKEYS SORTBY f] LIMIT 0 n`` (ids and sort keys
only; on a cluster every attribute is ``SORTABLE``, so the sort keys come from the index), the
rows are merged and re-sorted here in the order a single server gives, paged, and the bodies
are read per slot afterwards.

The order of a single server (``FT.AGGREGATE ... SORTBY 4 @f ASC|DESC @__key ASC``): numbers as
numbers, strings by their bytes, a document without a value before every value in ascending
order and after every value in descending order, the key breaking ties. A primary's
``FT.SEARCH`` puts documents without a value last in both directions and orders ties
arbitrarily, so ``more_needed`` asks a primary for more rows until its rows certainly hold its
part of the merged page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rapyer import _query

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = ["Row", "merge", "more_needed", "parse_rows", "search_args", "sort_value"]

Row = tuple[str, Any]  # (key, sort value: None, a float or a str)

# Rows a primary returns per unsorted ``FT.SEARCH`` page.
PAGE = 10_000


def search_args(
    cls: type[BaseRedisModel],
    compiled: _query.CompiledQuery,
    index: str,
    sort: _query.SortKey | None,
    offset: int,
    count: int,
) -> list[Any]:
    """``FT.SEARCH index q NOCONTENT [WITHSORTKEYS SORTBY f ASC|DESC] LIMIT offset count``."""
    args: list[Any] = ["FT.SEARCH", index, compiled.text, "NOCONTENT"]
    if sort is not None:
        direction = "DESC" if sort.descending else "ASC"
        args += ["WITHSORTKEYS", "SORTBY", sort.field.name, direction]
    return [*args, "LIMIT", offset, count, *compiled.params_args(), "DIALECT", 2]


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


def sort_value(raw: Any) -> Any:
    """The sort key of a row as comparable Python: ``#12.5`` a float, ``$abc`` a str, None."""
    raw = _text(raw)
    if raw is None or raw == "":
        return None
    if raw[0] == "#":
        return float(raw[1:])
    return raw[1:] if raw[0] == "$" else raw


def parse_rows(reply: Any, with_sort_keys: bool) -> tuple[int, list[Row]]:
    """``(total, [(key, sort value)])`` of an ``FT.SEARCH ... NOCONTENT`` reply (RESP2 lists
    or RESP3 / redis-py dicts)."""
    if isinstance(reply, dict):
        reply = {_text(k): v for k, v in reply.items()}
        rows = []
        for item in reply.get("results") or []:
            item = {_text(k): v for k, v in item.items()}
            value = sort_value(item.get("sortkey")) if with_sort_keys else None
            rows.append((_text(item.get("id")), value))
        return int(reply.get("total_results") or 0), rows
    items = list(reply[1:])
    if not with_sort_keys:
        return int(reply[0]), [(_text(key), None) for key in items]
    pairs = zip(items[0::2], items[1::2], strict=True)
    return int(reply[0]), [(_text(key), sort_value(value)) for key, value in pairs]


def more_needed(
    rows: Sequence[Row], total: int, need: int | None, sort: _query.SortKey | None
) -> int | None:
    """How many rows to ask a primary for instead (from its first), or None when ``rows``
    (its first rows in its order) hold every row of it the first ``need`` merged rows can
    take.

    ``rows`` suffice when they are all the primary has; else, with a sort, when the row at
    ``need`` has a value, and a later returned row a different one (every tie of that value
    is in), and no row without a value can come first (a descending sort, or a field that is
    never missing).
    """
    if len(rows) >= total:
        return None
    if need is None:
        return total
    if sort is None:
        return None if len(rows) >= need else total
    if not sort.descending and sort.field.optional:
        return total  # rows without a value come first, and the primary sends them last
    if len(rows) < need:
        return total
    boundary = rows[need - 1][1]
    if boundary is None:
        return total
    if rows[-1][1] != boundary:
        return None
    return min(total, max(2 * len(rows), need + 1))


def _missing_first(value: Any) -> tuple[int, Any]:
    return (0, 0) if value is None else (1, value)


def merge(rows: list[Row], sort: _query.SortKey, offset: int, limit: int | None) -> list[str]:
    """The keys of the merged page: ``rows`` of every primary in a single server's order
    (the sort value, missing values first in ascending order and last in descending order,
    then the key), from ``offset``, at most ``limit``."""
    ordered = sorted(rows, key=lambda row: row[0])
    ordered.sort(key=lambda row: _missing_first(row[1]), reverse=sort.descending)
    end = None if limit is None else offset + limit
    return [key for key, _ in ordered[offset:end]]
