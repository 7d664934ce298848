"""Expression queries without I/O: the ``FT.*`` arguments, the parsing of their replies
(RESP2 lists and RESP3 / redis-py dicts), the mapping of their errors, and the plans of the
reads and deletes that follow. ``rapyer._async.search`` (and its blocking twin) sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import ResponseError

from rapyer import _bulk, _codec, _index, _index_info, _query, _ttl
from rapyer import config as _config
from rapyer._groups import READ_FETCH
from rapyer.errors import BadFilterError, CorruptedModelError, IndexNotFoundError
from rapyer.results import DeleteResult

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

M = TypeVar("M", bound="BaseRedisModel")

_log = logging.getLogger("rapyer")
Hit = tuple[str, Any]  # (key, JSON text or None when the document is gone)
Command = tuple[Any, ...]

MAX_RESULTS = 2**31 - 1


# ---- reply parsing ----------------------------------------------------------------------------


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


_BYTES = (bytes, bytearray)


def _pairs(items: Any) -> dict[str, Any]:
    if isinstance(items, dict):
        # ``_text`` inlined: this runs for every hit of a query (no call per key)
        return {(k.decode() if isinstance(k, _BYTES) else k): v for k, v in items.items()}
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
            attrs = _pairs(item.get("extra_attributes"))
            # ``_text`` inlined: this runs for every hit of a query (no call per value)
            rows.append({k: v.decode() if isinstance(v, _BYTES) else v for k, v in attrs.items()})
    else:
        for item in list(result)[1:]:
            rows.append({k: _text(v) for k, v in _pairs(item).items()})
    return rows, cursor


Page = tuple[list[Any], list[Any]]  # keys and documents of a page of hits


def parse_cursor_hits(reply: Any) -> tuple[Page | tuple[()], int]:
    """``((keys, documents), cursor_id)`` of an ``FT.AGGREGATE ... LOAD 2 @__key $`` (or
    ``FT.CURSOR READ``) page: each row's ``__key`` and ``$`` as ``parse_cursor`` gives them;
    ``()`` for a page without rows.

    fast path: a RESP3 reply (a dict of str keys, as rapyer's decoding clients give) is read
    without building a row dict per hit (``parse_cursor`` builds three per hit); a reply the
    general parse would read otherwise (a bytes key where a name is looked up, an item that is
    no dict, a value to decode) goes through ``parse_cursor``. Checked against it by
    ``tests/common/test_search_replies.py``.
    """
    cursor = int(reply[1])
    result = reply[0]
    if type(result) is dict and b"results" not in result:
        keys: list[Any] = []
        docs: list[Any] = []
        for item in result.get("results") or ():
            if type(item) is not dict or b"extra_attributes" in item:
                break
            attrs = item.get("extra_attributes")
            if type(attrs) is not dict or b"__key" in attrs or b"$" in attrs:
                break
            key = attrs.get("__key")
            doc = attrs.get("$")
            keys.append(key if type(key) is str else _text(key))
            docs.append(doc if type(doc) is str else _text(doc))
        else:
            return ((keys, docs) if keys else ()), cursor
    rows, _ = parse_cursor(reply)
    if not rows:
        return (), cursor
    return ([row.get("__key") for row in rows], [row.get("$") for row in rows]), cursor


# ---- errors -----------------------------------------------------------------------------------


def is_missing_module(exc: Exception) -> bool:
    """Whether a ResponseError says the server has no RediSearch (unknown FT.* command)."""
    text = str(exc).lower()
    return "unknown command" in text or "unknown subcommand" in text


def is_missing_index(exc: Exception) -> bool:
    text = str(exc).lower()
    # "idx:X: no such index" (search, aggregate), "Unknown index name" (info, dropindex);
    # "Cursor not found" and other errors are not about the index.
    return "no such index" in text or "unknown index" in text


FIX = "run init_rapyer / init_rapyer_sync (or `python -m rapyer indexes --migrate <your models module>`)"


def not_found_message(cls: type[BaseRedisModel]) -> str:
    """The message of IndexNotFoundError for ``cls``: which index, and what to run."""
    return (
        f"The index {_index.index_name(cls)} of {cls.__name__} does not exist on the server "
        f"(or the server has no RediSearch); {FIX}"
    )


def map_error(cls: type[BaseRedisModel], exc: ResponseError) -> Exception:
    """The rapyer error of a failed query: IndexNotFoundError, BadFilterError, else ``exc``."""
    if is_missing_index(exc) or is_missing_module(exc):
        _index_info.forget(cls)
        return IndexNotFoundError(not_found_message(cls))
    if "syntax error" in str(exc).lower():
        return BadFilterError(f"RediSearch rejected the query: {exc}")
    return exc


# ---- arguments --------------------------------------------------------------------------------


def compile_expressions(
    cls: type[BaseRedisModel], expressions: Sequence[Any]
) -> _query.CompiledQuery:
    """The compiled query of the AND of ``expressions``; IndexNotFoundError without index."""
    if not _index.has_index(cls):
        raise IndexNotFoundError(f"{cls.__name__} has no indexed fields")
    return _query.compile_query(cls, list(expressions))


def aggregate_args(
    cls: type[BaseRedisModel], compiled: _query.CompiledQuery, steps: Sequence[Any], batch: int
) -> list[Any]:
    """``FT.AGGREGATE idx q <steps> WITHCURSOR COUNT batch PARAMS .. DIALECT 2``."""
    args: list[Any] = ["FT.AGGREGATE", _index.index_name(cls), compiled.text, *steps]
    return [*args, "WITHCURSOR", "COUNT", batch, *compiled.params_args(), "DIALECT", 2]


def count_args(cls: type[BaseRedisModel], compiled: _query.CompiledQuery) -> list[Any]:
    """``FT.SEARCH idx q NOCONTENT LIMIT 0 0 ..``: the number of matches only."""
    args: list[Any] = ["FT.SEARCH", _index.index_name(cls), compiled.text, "NOCONTENT"]
    return [*args, "LIMIT", 0, 0, *compiled.params_args(), "DIALECT", 2]


def find_steps(sort: _query.SortKey | None, offset: int, max_results: int | None) -> list[Any]:
    """The ``FT.AGGREGATE`` steps that fetch keys and documents.

    Without a sort the server's order is the index order (ascending document ids), the same
    for every page. With a sort the key breaks ties, so consecutive pages never repeat or
    skip a document while the data is unchanged.
    """
    limit = max_results if max_results is not None else MAX_RESULTS
    if sort is None:
        steps: list[Any] = ["LOAD", 2, "@__key", "$"]
        if offset or max_results is not None:
            steps += ["LIMIT", offset, limit]
        return steps
    name = "@" + sort.field.name
    steps = ["LOAD", 2, "@__key", name]
    steps += ["SORTBY", 4, name, "DESC" if sort.descending else "ASC", "@__key", "ASC"]
    steps += ["MAX", min(offset + limit, MAX_RESULTS), "LIMIT", offset, limit]
    steps += ["LOAD", 1, "$"]
    return steps


# ---- found documents --------------------------------------------------------------------------


def load_hits(cls: type[M], keys: Sequence[Any], docs: Sequence[Any]) -> list[M]:
    """The models of the hits (``docs`` read at ``keys``); gone documents are skipped,
    undecodable ones logged and skipped."""
    return _bulk.collector_paused(cls, len(docs), _load_hits, cls, keys, docs)


def _load_hits(cls: type[M], keys: Sequence[Any], docs: Sequence[Any]) -> list[M]:
    if set(map(type, keys)) == _ONLY_STR and _bulk.tight_load(cls):
        # fast path: the bulk loader's tight loop (``_bulk.load_documents``) gives what
        # ``_load_hit`` gives each hit (a gone document, ``None``, is skipped as here; "[]" is
        # left to ``_load_hit``), without its calls per hit. Checked against the loop below by
        # ``tests/common/test_search_loads.py``.
        models, _ = _bulk.load_documents(cls, keys, docs, _load_hit, empty_is_missing=False)
        return models
    models = []
    for key, doc in zip(keys, docs, strict=True):
        if doc is None:  # deleted between the index and the read
            continue
        model = _load_hit(cls, key, doc)
        if model is not _bulk.SKIPPED:
            models.append(model)
    return models


_ONLY_STR = {str}


def _load_hit(cls: type[M], key: str, doc: Any) -> Any:
    """The model of one hit, or ``SKIPPED`` for an undecodable document (logged)."""
    try:
        return _codec.load_model(cls, doc, key)
    except CorruptedModelError as exc:  # undecodable documents raise (docs/guide/errors.md)
        _log.warning("Skipping the document at %r: %s", key, exc)
        return _bulk.SKIPPED


CompletionPlan = list[tuple[Any, list[Command], list[Command]]]


def completion_plan(cls: type[BaseRedisModel], models: list[Any]) -> CompletionPlan:
    """``(model, special reads, TTL commands)`` of a fetched batch: the special fields and the
    READ/FETCH TTL refresh sent in one round trip (empty: nothing to send)."""
    if not models:
        return []
    refresh = _ttl.refreshes(cls, READ_FETCH)
    special = bool(cls._special_read_commands(models[0].key))
    if not refresh and not special:
        return []
    plan: CompletionPlan = []
    for model in models:
        key = model.key
        reads = cls._special_read_commands(key) if special else []
        ttl = _ttl.ttl_commands(cls, [key, *cls._class_special_keys(key)], READ_FETCH)
        plan.append((model, reads, ttl))
    return plan


def apply_completion(plan: CompletionPlan, replies: Sequence[Any]) -> None:
    """Fill the special fields of the plan's models from the replies of its commands."""
    pos = 0
    for model, reads, ttl in plan:
        if reads:
            model._apply_special_replies(replies[pos : pos + len(reads)])
        pos += len(reads) + len(ttl)


# ---- deletes ----------------------------------------------------------------------------------


def delete_batch_size(cls: type[BaseRedisModel], in_pipeline: bool) -> tuple[bool, int]:
    """``(delete per batch, keys per batch)``: outside a pipeline with a limit, each batch in
    its own MULTI of at most ``max_delete_per_transaction`` keys (with the special keys of
    each document); else one DEL of everything at the end."""
    limit = _config.resolve(cls, "max_delete_per_transaction")
    per_doc = 1 + len(cls._class_special_keys("x:x"))
    if limit and not in_pipeline:
        return True, max(1, limit // per_doc)
    return False, _bulk.batch_size_of(cls, None)


def delete_commands(cls: type[BaseRedisModel], keys: list[str]) -> list[Command]:
    """``DEL`` of the documents, then ``DEL`` of their special keys (if any)."""
    special = [k for key in keys for k in cls._class_special_keys(key)]
    commands: list[Command] = [("DEL", *keys)]
    if special:
        commands.append(("DEL", *special))
    return commands


def count_deleted(
    result: DeleteResult, commands: list[Command], replies: Sequence[Any] | None
) -> None:
    """Add the deletes of ``commands`` to ``result`` (``replies`` None: queued in a pipeline,
    every key counted)."""
    if replies is None:
        documents = len(commands[0]) - 1
        result.models_deleted += documents
        result.keys_deleted += sum(len(command) - 1 for command in commands)
        return
    result.models_deleted += int(replies[0])
    result.keys_deleted += sum(int(r) for r in replies)
