#!/usr/bin/env python3
"""rapyer against raw redis-py, measured side by side on the same server.

Usage (from the repository root, in a venv with ``pip install -e ".[server]"``)::

    python benchmarks/run.py            # full run, about 5-10 minutes
    python benchmarks/run.py --quick    # short run (3 rounds)
    python benchmarks/run.py --smoke    # CI check that every row runs, about 10-15 s
    python benchmarks/run.py --help

Without ``REDIS_URL`` an embedded server (valkey + RedisJSON + RediSearch from
``rapyer.testing``) is started for the run; with it, that server is used. Only keys under
the prefix ``BenchUser:`` and the index ``idx:BenchUser`` are touched (no FLUSHDB).

For every operation and both APIs (async and blocking), rapyer and a raw redis-py baseline
that sends the same Redis commands run interleaved, in rounds, on the same server. Each round
times a batch of each side (the order alternates between rounds) and gives

    ratio = raw time / rapyer time          (1.0 = as fast as raw; higher is better)

The table shows the median of the rounds. The baseline is the physical limit of a program
that gives its user the same validated pydantic model: redis-py ``execute_command`` with the
same commands, a plain pydantic model with the same fields and ``model_config``
(``model_dump_json`` / ``model_validate_json``), no rapyer code. ``--baseline json`` swaps
the plain model for dicts with ``json.dumps`` / ``json.loads`` (no validation at all).

Peak memory (tracemalloc) of finding 10,000 models is reported the other way round:
``rapyer peak / raw peak`` (lower is better; the goal is <= 1.15). The find rows also have a
second baseline, timed in the same rounds: redis-py returning the documents as dicts.

Operations whose rapyer API is not on this branch yet are reported as
``n/a (not implemented)``. Results go to ``benchmarks/results/latest.json`` and
``latest.md`` (``--quick`` and ``--smoke`` write ``quick.*`` / ``smoke.*`` instead).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as _dt
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import redis
import redis.asyncio as aredis
from pydantic import BaseModel, ConfigDict

import rapyer
from rapyer import AtomicRedisModel, Index

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

PREFIX = "BenchUser"
INDEX = f"idx:{PREFIX}"
BATCH = 1000  # rapyer's default Meta.batch_size: MGET chunk, SCAN COUNT, cursor COUNT
LOCK_LEASE_MS = 60_000  # rapyer's default Meta.lock_lease (60 s)
EXPR_THRESHOLD = 30  # find by expression: age > 30 (ages are i % 60, so about half match)

RATIO_DEFINITION = (
    "raw time / rapyer time (1.0 = as fast as raw redis-py; higher is better): per round, the "
    "median time of a raw call over the median time of a rapyer call; the median of the rounds"
)
MEMORY_DEFINITION = "rapyer peak / raw peak of tracemalloc (1.0 = same memory; lower is better)"
SCALE_DEFINITION = (
    "rapyer's time per document at 1,000 / (that + the growth per document rapyer adds from 1,000 "
    "to 100,000 beyond raw redis-py's own growth, if raw grows) (1.0 = flat, or no more growth "
    "than raw's; capped at 1.0)"
)

# The lock's token-checked save and release in one step (what rapyer's lock does with its own
# generic script), written for the one JSON.SET of this model.
SAVE_AND_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
redis.call('JSON.SET', KEYS[2], '$', ARGV[2])
redis.call('DEL', KEYS[1])
return 1
"""


# ---- the model ----------------------------------------------------------------------------


class BenchUser(AtomicRedisModel):
    name: str
    age: Index[int]
    email: str
    tags: list[str]
    meta: dict[str, str]


class PlainUser(BaseModel):
    """The baseline's model: the same fields and model_config, without rapyer."""

    model_config = ConfigDict(validate_assignment=True, validate_default=True)

    name: str
    age: int
    email: str
    tags: list[str]
    meta: dict[str, str]


def user_data(i: int) -> dict[str, Any]:
    return {
        "name": f"user {i}",
        "age": i % 60,
        "email": f"user{i}@example.com",
        "tags": ["alpha", "beta", "gamma"],
        "meta": {"team": f"team-{i % 7}", "plan": "pro"},
    }


def rapyer_user(i: int, pk: str) -> BenchUser:
    model = BenchUser(**user_data(i))
    model.pk = pk
    return model


def key_of(pk: str) -> str:
    return f"{PREFIX}:{pk}"


class Codec:
    """How the baseline turns its objects into stored JSON text and back."""

    name = "pydantic"

    def make(self, i: int) -> Any:
        return PlainUser(**user_data(i))

    def dumps(self, obj: Any) -> str:
        return obj.model_dump_json()

    def loads(self, text: str | bytes) -> Any:
        return PlainUser.model_validate_json(text)

    def set_field(self, obj: Any, name: str, value: Any) -> None:
        setattr(obj, name, value)

    def get_field(self, obj: Any, name: str) -> Any:
        return getattr(obj, name)


class JsonCodec(Codec):
    name = "json"

    def make(self, i: int) -> Any:
        return user_data(i)

    def dumps(self, obj: Any) -> str:
        return json.dumps(obj, separators=(",", ":"))

    def loads(self, text: str | bytes) -> Any:
        return json.loads(text)

    def set_field(self, obj: Any, name: str, value: Any) -> None:
        obj[name] = value

    def get_field(self, obj: Any, name: str) -> Any:
        return obj[name]


CODEC: Codec = Codec()


# ``JSON.MGET keys .`` answers each document itself (``$`` would wrap it in ``[...]``); rapyer's
# bulk reads use the same legacy path.
MGET_PATH = "."


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# ---- data set-up (untimed, blocking raw client) ---------------------------------------------


def clear_prefix(r: redis.Redis, pattern: str = f"{PREFIX}:*") -> None:
    keys = list(r.scan_iter(match=pattern, count=BATCH))
    for chunk in chunks(keys, BATCH):
        r.delete(*chunk)


_doc_texts: dict[int, str] = {}


def doc_text(i: int) -> str:
    text = _doc_texts.get(i)
    if text is None:
        text = _doc_texts[i] = json.dumps(user_data(i))
    return text


def store_docs(r: redis.Redis, pks: list[str], start: int = 0) -> list[str]:
    """Store documents ``user_data(start + n)`` at ``PREFIX:pk``; return their keys."""
    keys = [key_of(pk) for pk in pks]
    for offset in range(0, len(keys), BATCH):
        pipe = r.pipeline(transaction=False)
        for n, key in enumerate(keys[offset : offset + BATCH], start=offset):
            pipe.execute_command("JSON.SET", key, "$", doc_text(start + n))
        pipe.execute()
    return keys


def as_dict(reply: Any) -> dict[str, Any]:
    """A RESP3 map as is, a RESP2 flat list ``[k1, v1, k2, v2 ...]`` as a dict."""
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2], strict=False))


def wait_indexed(r: redis.Redis) -> None:
    with contextlib.suppress(redis.ResponseError):
        for _ in range(500):
            if str(as_dict(r.execute_command("FT.INFO", INDEX)).get("indexing", "0")) == "0":
                return
            time.sleep(0.01)


def age_attribute(r: redis.Redis) -> str:
    """The index attribute name rapyer gave ``$.age`` (``age`` per the spec)."""
    try:
        info = as_dict(r.execute_command("FT.INFO", INDEX))
    except redis.ResponseError:
        return "age"
    for attr in info.get("attributes", []):
        pairs = as_dict(attr)
        if pairs.get("identifier") == "$.age":
            return str(pairs.get("attribute", "age"))
    return "age"


def first_number(reply: Any) -> Any:
    """The value of a ``$``-path numeric reply: ``[n]`` (RESP3) or ``"[n]"`` (RESP2)."""
    if isinstance(reply, (str, bytes)):
        reply = json.loads(reply)
    return reply[0]


# ---- availability of rapyer APIs -------------------------------------------------------------


def _is_expression(value: Any) -> bool:
    try:
        from rapyer._query import Expression
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, Expression)


def has_expressions() -> bool:
    try:
        return _is_expression(BenchUser.age > EXPR_THRESHOLD)  # type: ignore[operator]
    except Exception:
        return False


def field_method(model: BenchUser, name: str, method: str) -> bool:
    return callable(getattr(getattr(model, name, None), method, None))


def has_api(api: str, obj: Any, async_name: str) -> bool:
    """Whether ``obj`` has the operation (the blocking twin drops the leading ``a``)."""
    name = async_name[1:] if api == "sync" else async_name
    return callable(getattr(obj, name, None))


# ---- benchmark definitions -----------------------------------------------------------------


@dataclass
class Sides:
    """One operation ready to time: one call of each side (coroutine functions for async).

    ``raw`` and ``rapyer`` are timed; ``*_before_step`` (before each call) and ``before_batch``
    (before each round) run untimed.
    """

    raw: Callable[[], Any]
    rapyer: Callable[[], Any]
    raw_before_step: Callable[[], Any] | None = None
    rapyer_before_step: Callable[[], Any] | None = None
    before_batch: Callable[[], None] | None = None
    # The second baseline of the find rows: the same commands, the documents as dicts
    # (``json.loads``, no model at all), timed in the same rounds.
    dicts: Callable[[], Any] | None = None
    cleanup: Callable[[], Any] | None = None  # after the operation (a coroutine function: async)


@dataclass
class Op:
    id: str
    label: str
    goal: float
    # "time" (ratio raw/rapyer), "memory" (ratio rapyer/raw peak), "scale" (time per document
    # of the small set over that of the large one: 1.0 = flat)
    kind: str = "time"
    fixed_iterations: int | None = None  # slow ops: no calibration
    build: Callable[[Context, str], Sides] | None = None
    available: Callable[[str], bool] = lambda api: True
    dicts_goal: float | None = None  # a goal of the ratio against the dicts baseline too
    # scale rows: the ids of the rows timed at the small size (their mean is the small figure)
    # and of the row timed at the large size, and the two sizes
    small_ops: tuple[str, ...] = ()
    large_op: str | None = None
    sizes: tuple[int, int] | None = None
    async_only: bool = False  # the blocking API has no such operation (n/a: async only)
    max_rounds: int | None = None  # the 100,000-document rows: a few rounds, no warm-up call


@dataclass
class Context:
    quick: bool
    url: str
    raw_sync: redis.Redis
    smoke: bool = False
    raw_async: aredis.Redis | None = None
    save_and_release_async: Any = None
    save_and_release_sync: Any = None
    cache: dict[str, Any] = field(default_factory=dict)
    # Server time per document of SCAN + JSON.MGET of each data set written (by its size, one
    # figure each time it is written): the part of a find that no client can change
    # (``server_seconds_per_document``).
    server_time: dict[int, list[float]] = field(default_factory=dict)

    def size(self, n: int) -> int:
        """The document count of a data set of ``n`` (``--smoke``: small stand-ins)."""
        if not self.smoke:
            return n
        return {10_000: 1_500, 100_000: 2_000}.get(n, n)

    def dataset(self, n: int) -> list[str]:
        """Exactly ``n`` documents under the prefix (keys ``PREFIX:d-i``); their keys."""
        n = self.size(n)
        name = f"dataset:{n}"
        if name not in self.cache:
            clear_prefix(self.raw_sync)
            self.cache.clear()
            pks = [f"d-{i}" for i in range(n)]
            self.cache[name] = store_docs(self.raw_sync, pks)
            wait_indexed(self.raw_sync)
            seconds = server_seconds_per_document(self.raw_sync, n)
            self.server_time.setdefault(n, []).append(seconds)
        return self.cache[name]

    def forget_dataset(self) -> None:
        for name in [k for k in self.cache if k.startswith("dataset:")]:
            del self.cache[name]


def _single(ctx: Context, api: str, tag: str) -> tuple[str, str, Any, BenchUser]:
    """One stored document per side: (raw key, rapyer key, raw object, rapyer model)."""
    ctx.forget_dataset()
    clear_prefix(ctx.raw_sync)
    raw_key, rap_key = key_of(f"raw-{tag}"), key_of(f"rap-{tag}")
    store_docs(ctx.raw_sync, [f"raw-{tag}", f"rap-{tag}"], start=7)
    model = rapyer_user(7, f"rap-{tag}")
    return raw_key, rap_key, CODEC.make(7), model


def build_save(ctx: Context, api: str) -> Sides:
    raw_key, _, obj, model = _single(ctx, api, "save")
    if api == "async":
        r = ctx.raw_async

        async def raw() -> None:
            await r.execute_command("JSON.SET", raw_key, "$", CODEC.dumps(obj))

        async def rap() -> None:
            await model.asave()

        return Sides(raw, rap)
    rs = ctx.raw_sync

    def raw_s() -> None:
        rs.execute_command("JSON.SET", raw_key, "$", CODEC.dumps(obj))

    return Sides(raw_s, model.save)


def _build_get(ctx: Context, api: str, global_form: bool) -> Sides:
    raw_key, rap_key, _, _ = _single(ctx, api, "get")
    if api == "async":
        r = ctx.raw_async

        async def raw() -> Any:
            return CODEC.loads(await r.execute_command("JSON.GET", raw_key, "."))

        if global_form:

            async def rap() -> Any:
                return await rapyer.aget(rap_key)
        else:

            async def rap() -> Any:
                return await BenchUser.aget(rap_key)

        return Sides(raw, rap)
    rs = ctx.raw_sync

    def raw_s() -> Any:
        return CODEC.loads(rs.execute_command("JSON.GET", raw_key, "."))

    if global_form:
        return Sides(raw_s, lambda: rapyer.get(rap_key))
    return Sides(raw_s, lambda: BenchUser.get(rap_key))


def build_get(ctx: Context, api: str) -> Sides:
    return _build_get(ctx, api, False)


def build_get_global(ctx: Context, api: str) -> Sides:
    return _build_get(ctx, api, True)


def _reset_singles(ctx: Context, tag: str) -> Callable[[], None]:
    def reset() -> None:
        store_docs(ctx.raw_sync, [f"raw-{tag}", f"rap-{tag}"], start=7)

    return reset


def build_append(ctx: Context, api: str) -> Sides:
    raw_key, rap_key, obj, _ = _single(ctx, api, "append")
    model = BenchUser.get(rap_key)  # a loaded model, as a user would have
    reset = _reset_singles(ctx, "append")
    if api == "async":
        r = ctx.raw_async

        async def raw() -> None:
            await r.execute_command("JSON.ARRAPPEND", raw_key, "$.tags", json.dumps("delta"))
            CODEC.get_field(obj, "tags").append("delta")

        async def rap() -> None:
            await model.tags.aappend("delta")  # type: ignore[attr-defined]

        return Sides(raw, rap, before_batch=reset)
    rs = ctx.raw_sync

    def raw_s() -> None:
        rs.execute_command("JSON.ARRAPPEND", raw_key, "$.tags", json.dumps("delta"))
        CODEC.get_field(obj, "tags").append("delta")

    return Sides(raw_s, lambda: model.tags.append_now("delta"), before_batch=reset)  # type: ignore[attr-defined]


def build_increase(ctx: Context, api: str) -> Sides:
    raw_key, rap_key, obj, _ = _single(ctx, api, "incr")
    model = BenchUser.get(rap_key)
    if api == "async":
        r = ctx.raw_async

        async def raw() -> None:
            reply = await r.execute_command("JSON.NUMINCRBY", raw_key, "$.age", 1)
            CODEC.set_field(obj, "age", first_number(reply))

        async def rap() -> None:
            await model.age.aincrease(1)  # type: ignore[attr-defined]

        return Sides(raw, rap)
    rs = ctx.raw_sync

    def raw_s() -> None:
        reply = rs.execute_command("JSON.NUMINCRBY", raw_key, "$.age", 1)
        CODEC.set_field(obj, "age", first_number(reply))

    return Sides(raw_s, lambda: model.age.increase_now(1))  # type: ignore[attr-defined]


def build_lock(ctx: Context, api: str) -> Sides:
    """``SET NX PX`` -> ``JSON.GET`` -> modify -> one Lua token-checked save and release."""
    raw_key, rap_key, _, _ = _single(ctx, api, "lock")
    lock_name = f"{raw_key}/default:lock"
    if api == "async":
        r = ctx.raw_async
        save_and_release = ctx.save_and_release_async

        async def raw() -> None:
            token = str(uuid.uuid4())
            while not await r.execute_command("SET", lock_name, token, "NX", "PX", LOCK_LEASE_MS):
                await asyncio.sleep(0.1)
            obj = CODEC.loads(await r.execute_command("JSON.GET", raw_key, "."))
            CODEC.set_field(obj, "name", "locked")
            doc = CODEC.dumps(obj)
            if not await save_and_release(keys=[lock_name, raw_key], args=[token, doc]):
                raise RuntimeError("lock lost")

        async def rap() -> None:
            async with BenchUser.alock_from_key(rap_key, save_at_end=True) as m:  # type: ignore[attr-defined]
                m.name = "locked"

        return Sides(raw, rap)
    rs = ctx.raw_sync
    save_and_release_s = ctx.save_and_release_sync

    def raw_s() -> None:
        token = str(uuid.uuid4())
        while not rs.execute_command("SET", lock_name, token, "NX", "PX", LOCK_LEASE_MS):
            time.sleep(0.1)
        obj = CODEC.loads(rs.execute_command("JSON.GET", raw_key, "."))
        CODEC.set_field(obj, "name", "locked")
        if not save_and_release_s(keys=[lock_name, raw_key], args=[token, CODEC.dumps(obj)]):
            raise RuntimeError("lock lost")

    def rap_s() -> None:
        with BenchUser.lock_from_key(rap_key, save_at_end=True) as m:  # type: ignore[attr-defined]
            m.name = "locked"

    return Sides(raw_s, rap_s)


def _build_insert(ctx: Context, api: str, global_form: bool) -> Sides:
    n = 1000
    ctx.forget_dataset()
    clear_prefix(ctx.raw_sync)
    raw_pks = [f"raw-ins-{i}" for i in range(n)]
    objs = [CODEC.make(i) for i in range(n)]
    models = [rapyer_user(i, f"rap-ins-{i}") for i in range(n)]
    # Like rapyer, the raw side builds each key when it writes (from the object's id).
    pairs = list(zip(raw_pks, objs, strict=True))
    if api == "async":
        r = ctx.raw_async

        async def raw() -> None:
            pipe = r.pipeline(transaction=True)
            for pk, obj in pairs:
                pipe.execute_command("JSON.SET", f"{PREFIX}:{pk}", "$", CODEC.dumps(obj))
            await pipe.execute()

        if global_form:

            async def rap() -> None:
                await rapyer.ainsert(*models)  # type: ignore[attr-defined]
        else:

            async def rap() -> None:
                await BenchUser.ainsert(*models)  # type: ignore[attr-defined]

        return Sides(raw, rap)
    rs = ctx.raw_sync

    def raw_s() -> None:
        pipe = rs.pipeline(transaction=True)
        for pk, obj in pairs:
            pipe.execute_command("JSON.SET", f"{PREFIX}:{pk}", "$", CODEC.dumps(obj))
        pipe.execute()

    if global_form:
        return Sides(raw_s, lambda: rapyer.insert(*models))  # type: ignore[attr-defined]
    return Sides(raw_s, lambda: BenchUser.insert(*models))  # type: ignore[attr-defined]


def build_insert(ctx: Context, api: str) -> Sides:
    return _build_insert(ctx, api, False)


def build_insert_global(ctx: Context, api: str) -> Sides:
    return _build_insert(ctx, api, True)


def _raw_load_replies(replies: list[Any]) -> list[Any]:
    loads = CODEC.loads
    return [loads(text) for text in replies if text is not None]


def _dict_replies(replies: list[Any]) -> list[Any]:
    """The dicts baseline: each document as ``json.loads`` gives it, no model."""
    loads = json.loads
    return [loads(text) for text in replies if text is not None]


async def _scan_all_async(r: aredis.Redis) -> list[str]:
    keys: list[str] = []
    cursor = 0
    while True:
        cursor, batch = await r.scan(cursor, match=f"{PREFIX}:*", count=BATCH)
        keys.extend(batch)
        if cursor == 0:
            return keys


def _scan_all_sync(r: redis.Redis) -> list[str]:
    keys: list[str] = []
    cursor = 0
    while True:
        cursor, batch = r.scan(cursor, match=f"{PREFIX}:*", count=BATCH)
        keys.extend(batch)
        if cursor == 0:
            return keys


async def raw_find_all_async(r: aredis.Redis, load: Callable[[list[Any]], list[Any]]) -> list[Any]:
    out: list[Any] = []
    for chunk in chunks(await _scan_all_async(r), BATCH):
        out.extend(load(await r.execute_command("JSON.MGET", *chunk, MGET_PATH)))
    return out


def raw_find_all_sync(r: redis.Redis, load: Callable[[list[Any]], list[Any]]) -> list[Any]:
    out: list[Any] = []
    for chunk in chunks(_scan_all_sync(r), BATCH):
        out.extend(load(r.execute_command("JSON.MGET", *chunk, MGET_PATH)))
    return out


async def raw_iterate_async(r: aredis.Redis, load: Callable[[list[Any]], list[Any]]) -> int:
    """What a raw program streaming every document does: SCAN, then MGET each page."""
    seen = 0
    cursor = 0
    while True:
        cursor, batch = await r.scan(cursor, match=f"{PREFIX}:*", count=BATCH)
        if batch:
            for _ in load(await r.execute_command("JSON.MGET", *batch, MGET_PATH)):
                seen += 1
        if cursor == 0:
            return seen


# The commands of a find all, whose time the server reports in INFO commandstats.
FIND_COMMANDS = ("cmdstat_scan", "cmdstat_json.mget")


def _server_read_usec(r: redis.Redis) -> int:
    """The server's total time (µs) in SCAN and JSON.MGET since its start."""
    stats = r.info("commandstats")
    return sum(int(stats.get(name, {}).get("usec", 0)) for name in FIND_COMMANDS)


def server_seconds_per_document(r: redis.Redis, n: int) -> float:
    """The server's own time per document of a find all of the ``n`` stored documents: the
    median over ``max(3, 50_000 // n)`` raw finds (after one warm-up) of the time the server
    spent in SCAN and JSON.MGET, from INFO commandstats. It grows with the data set (a larger
    keyspace to scan, documents out of the CPU caches) whatever the client does."""
    raw_find_all_sync(r, list)
    samples: list[float] = []
    for _ in range(max(3, 50_000 // n)):
        before = _server_read_usec(r)
        raw_find_all_sync(r, list)
        samples.append((_server_read_usec(r) - before) / 1e6 / n)
    return statistics.median(samples)


def raw_iterate_sync(r: redis.Redis, load: Callable[[list[Any]], list[Any]]) -> int:
    seen = 0
    cursor = 0
    while True:
        cursor, batch = r.scan(cursor, match=f"{PREFIX}:*", count=BATCH)
        if batch:
            for _ in load(r.execute_command("JSON.MGET", *batch, MGET_PATH)):
                seen += 1
        if cursor == 0:
            return seen


def _build_find_all(ctx: Context, api: str, n: int) -> Sides:
    ctx.dataset(n)
    if api == "async":
        r = ctx.raw_async

        async def raw() -> Any:
            return await raw_find_all_async(r, _raw_load_replies)

        async def dicts() -> Any:
            return await raw_find_all_async(r, _dict_replies)

        async def rap() -> Any:
            return await BenchUser.afind()  # type: ignore[attr-defined]

        return Sides(raw, rap, dicts=dicts)
    rs = ctx.raw_sync
    rap_s = lambda: BenchUser.find()  # type: ignore[attr-defined]  # noqa: E731
    return Sides(
        lambda: raw_find_all_sync(rs, _raw_load_replies),
        rap_s,
        dicts=lambda: raw_find_all_sync(rs, _dict_replies),
    )


def build_find_all_1k(ctx: Context, api: str) -> Sides:
    return _build_find_all(ctx, api, 1000)


def build_find_all_10k(ctx: Context, api: str) -> Sides:
    return _build_find_all(ctx, api, 10_000)


def build_find_all_100k(ctx: Context, api: str) -> Sides:
    return _build_find_all(ctx, api, 100_000)


def build_find_all_100k_paused(ctx: Context, api: str) -> Sides:
    """find all of 100,000 with the opt-in ``Meta.gc_pause_min_batch`` on rapyer's side (the
    collector paused while each batch of 1,000 loads); the raw side runs as usual."""
    sides = _build_find_all(ctx, api, 100_000)
    BenchUser.Meta.gc_pause_min_batch = BATCH  # type: ignore[attr-defined]

    def restore() -> None:
        BenchUser.Meta.gc_pause_min_batch = None  # type: ignore[attr-defined]

    async def restore_async() -> None:
        restore()

    sides.cleanup = restore_async if api == "async" else restore
    return sides


def build_iterate_100k(ctx: Context, api: str) -> Sides:
    ctx.dataset(100_000)
    if api == "async":
        r = ctx.raw_async

        async def raw() -> Any:
            return await raw_iterate_async(r, _raw_load_replies)

        async def dicts() -> Any:
            return await raw_iterate_async(r, _dict_replies)

        async def rap() -> Any:
            seen = 0
            async for _ in BenchUser.aiterator():  # type: ignore[attr-defined]
                seen += 1
            return seen

        return Sides(raw, rap, dicts=dicts)
    rs = ctx.raw_sync

    def rap_s() -> Any:
        seen = 0
        for _ in BenchUser.iterator():  # type: ignore[attr-defined]
            seen += 1
        return seen

    return Sides(
        lambda: raw_iterate_sync(rs, _raw_load_replies),
        rap_s,
        dicts=lambda: raw_iterate_sync(rs, _dict_replies),
    )


def build_memory_iterate(ctx: Context, api: str) -> Sides:
    """Peak memory of iterating the large set, rapyer's iterator against the raw loop (SCAN,
    then ``JSON.MGET`` and the model of each document, page by page). Both stay bounded: one
    batch, plus pydantic-core's cache of short strings (bounded; it fills in the first 10,000
    documents, so the peak of iterating 100,000 equals that of 20,000)."""
    large = ctx.size(100_000)
    ctx.dataset(100_000)
    if api == "async":
        r = ctx.raw_async

        async def raw() -> Any:
            return await raw_iterate_async(r, _raw_load_replies)

        async def rap() -> Any:
            seen = 0
            async for _ in BenchUser.aiterator():  # type: ignore[attr-defined]
                seen += 1
            assert seen == large, seen
            return seen

        return Sides(raw, rap)
    rs = ctx.raw_sync

    def rap_s() -> Any:
        seen = 0
        for _ in BenchUser.iterator():  # type: ignore[attr-defined]
            seen += 1
        assert seen == large, seen
        return seen

    return Sides(lambda: raw_iterate_sync(rs, _raw_load_replies), rap_s)


def _build_find_keys(ctx: Context, api: str, global_form: bool) -> Sides:
    keys = ctx.dataset(1000)[::10][:100]
    if api == "async":
        r = ctx.raw_async

        async def raw() -> Any:
            return _raw_load_replies(await r.execute_command("JSON.MGET", *keys, MGET_PATH))

        async def dicts() -> Any:
            return _dict_replies(await r.execute_command("JSON.MGET", *keys, MGET_PATH))

        if global_form:

            async def rap() -> Any:
                return await rapyer.afind(*keys)  # type: ignore[attr-defined]
        else:

            async def rap() -> Any:
                return await BenchUser.afind(*keys)  # type: ignore[attr-defined]

        return Sides(raw, rap, dicts=dicts)
    rs = ctx.raw_sync

    def raw_s() -> Any:
        return _raw_load_replies(rs.execute_command("JSON.MGET", *keys, MGET_PATH))

    def dicts_s() -> Any:
        return _dict_replies(rs.execute_command("JSON.MGET", *keys, MGET_PATH))

    if global_form:
        return Sides(raw_s, lambda: rapyer.find(*keys), dicts=dicts_s)  # type: ignore[attr-defined]
    return Sides(raw_s, lambda: BenchUser.find(*keys), dicts=dicts_s)  # type: ignore[attr-defined]


def build_find_keys(ctx: Context, api: str) -> Sides:
    return _build_find_keys(ctx, api, False)


def build_find_keys_global(ctx: Context, api: str) -> Sides:
    return _build_find_keys(ctx, api, True)


def _aggregate_args(attribute: str) -> list[Any]:
    query = f"@{attribute}:[($p +inf]"
    return [
        "FT.AGGREGATE",
        INDEX,
        query,
        "LOAD",
        1,
        "@__key",
        "WITHCURSOR",
        "COUNT",
        BATCH,
        "PARAMS",
        2,
        "p",
        EXPR_THRESHOLD,
        "DIALECT",
        2,
    ]


def _keys_of_rows(rows: Any, into: list[str]) -> None:
    """Collect ``__key`` from an FT.AGGREGATE page (RESP3 map or RESP2 list)."""
    if isinstance(rows, dict):
        for row in rows.get("results", []):
            key = row.get("extra_attributes", {}).get("__key")
            if key is not None:
                into.append(key)
        return
    for row in rows[1:]:  # rows[0] is the total
        key = as_dict(row).get("__key")
        if key is not None:
            into.append(key)


def build_find_expr(ctx: Context, api: str) -> Sides:
    ctx.dataset(1000)
    args = _aggregate_args(age_attribute(ctx.raw_sync))
    if api == "async":
        r = ctx.raw_async

        async def raw() -> Any:
            keys: list[str] = []
            rows, cursor = await r.execute_command(*args)
            _keys_of_rows(rows, keys)
            while cursor:
                rows, cursor = await r.execute_command(
                    "FT.CURSOR", "READ", INDEX, cursor, "COUNT", BATCH
                )
                _keys_of_rows(rows, keys)
            out: list[Any] = []
            for chunk in chunks(keys, BATCH):
                out.extend(
                    _raw_load_replies(await r.execute_command("JSON.MGET", *chunk, MGET_PATH))
                )
            return out

        async def rap() -> Any:
            return await BenchUser.afind(BenchUser.age > EXPR_THRESHOLD)  # type: ignore[attr-defined,operator]

        return Sides(raw, rap)
    rs = ctx.raw_sync

    def raw_s() -> Any:
        keys: list[str] = []
        rows, cursor = rs.execute_command(*args)
        _keys_of_rows(rows, keys)
        while cursor:
            rows, cursor = rs.execute_command("FT.CURSOR", "READ", INDEX, cursor, "COUNT", BATCH)
            _keys_of_rows(rows, keys)
        out: list[Any] = []
        for chunk in chunks(keys, BATCH):
            out.extend(_raw_load_replies(rs.execute_command("JSON.MGET", *chunk, MGET_PATH)))
        return out

    return Sides(raw_s, lambda: BenchUser.find(BenchUser.age > EXPR_THRESHOLD))  # type: ignore[attr-defined,operator]


def build_concurrent_get(ctx: Context, api: str) -> Sides:
    """200 tasks doing ``aget`` at once on one client, against raw ``JSON.GET`` tasks on a
    redis-py client sharing that client's connection pool.

    The client has a ``BlockingConnectionPool`` of 50 connections: tasks beyond it wait for a
    connection. (redis-py's default pool of ``from_url``, which rapyer's URL bindings use too,
    holds 100 connections and raises ``MaxConnectionsError`` beyond, for raw redis-py and rapyer
    alike.)
    """
    tasks = 200
    keys = ctx.dataset(1000)[:tasks]
    pool = aredis.BlockingConnectionPool.from_url(
        ctx.url, max_connections=50, decode_responses=True
    )
    client = aredis.Redis(connection_pool=pool)
    rapyer.init_rapyer_sync(redis=client)  # BenchUser's client is this one
    r = aredis.Redis(connection_pool=pool)
    loads = CODEC.loads

    async def raw_get(key: str) -> Any:
        return loads(await r.execute_command("JSON.GET", key, "."))

    async def raw() -> Any:
        return await asyncio.gather(*[raw_get(key) for key in keys])

    async def rap() -> Any:
        found = await asyncio.gather(*[BenchUser.aget(key) for key in keys])
        assert len(found) == tasks
        return found

    async def cleanup() -> None:
        await rapyer.teardown_rapyer()
        rapyer.init_rapyer_sync(redis=ctx.url)
        await client.aclose()
        await pool.disconnect()

    return Sides(raw, rap, cleanup=cleanup)


def build_delete(ctx: Context, api: str) -> Sides:
    n = 1000
    ctx.forget_dataset()
    clear_prefix(ctx.raw_sync)
    raw_pks = [f"raw-del-{i}" for i in range(n)]
    rap_pks = [f"rap-del-{i}" for i in range(n)]
    models = [rapyer_user(i, pk) for i, pk in enumerate(rap_pks)]

    def refill_raw() -> None:
        store_docs(ctx.raw_sync, raw_pks)

    def refill_rap() -> None:
        store_docs(ctx.raw_sync, rap_pks)

    if api == "async":
        r = ctx.raw_async

        async def raw() -> None:
            await r.delete(*[f"{PREFIX}:{pk}" for pk in raw_pks])

        async def rap() -> None:
            await BenchUser.adelete_many(*models)  # type: ignore[attr-defined]

        return Sides(raw, rap, raw_before_step=refill_raw, rapyer_before_step=refill_rap)
    rs = ctx.raw_sync
    return Sides(
        lambda: rs.delete(*[f"{PREFIX}:{pk}" for pk in raw_pks]),
        lambda: BenchUser.delete_many(*models),  # type: ignore[attr-defined]
        raw_before_step=refill_raw,
        rapyer_before_step=refill_rap,
    )


def build_memory(ctx: Context, api: str) -> Sides:
    sides = _build_find_all(ctx, api, 10_000)
    return sides


def _field_probe(api: str, field_name: str, async_method: str) -> bool:
    """Field operations: the blocking twin ends in ``_now`` instead (docs/design.md)."""
    method = async_method[1:] + "_now" if api == "sync" else async_method
    return field_method(BenchUser(**user_data(0)), field_name, method)


# Run in this order: the finds of the 1,000-document set first, then of the 10,000 set, then
# of the 100,000 set (each data set is written once, untimed).
FIND = 0.95  # every operation at >= 0.95 of its baseline


def scale_op(op_id: str, label: str, large: str) -> Op:
    """A scale row: time per document of find all 1,000 against that of the row ``large``
    (100,000 documents), flat beyond raw redis-py's own growth (``scale_ratio``); goal 0.90.
    The 1,000 figure is the mean of ``find_all_1k`` and ``find_all_1k_again``, timed before and
    after the 100,000 rows, so that a machine drifting between the rows does not tilt the
    ratio."""
    return Op(
        op_id,
        label,
        0.90,
        kind="scale",
        small_ops=("find_all_1k", "find_all_1k_again"),
        large_op=large,
        sizes=(1000, 100_000),
    )


OPS: list[Op] = [
    Op("save", "save one model", FIND, build=build_save),
    Op("get", "get one model (class)", FIND, build=build_get),
    Op("get_global", "get one model (`rapyer.aget`)", FIND, build=build_get_global),
    Op(
        "list_append",
        "atomic list append",
        FIND,
        build=build_append,
        available=lambda api: _field_probe(api, "tags", "aappend"),
    ),
    Op(
        "int_increase",
        "atomic int increment",
        FIND,
        build=build_increase,
        available=lambda api: _field_probe(api, "age", "aincrease"),
    ),
    Op(
        "lock_cycle",
        "lock -> get -> modify -> save -> unlock",
        FIND,
        build=build_lock,
        available=lambda api: has_api(api, BenchUser, "alock_from_key"),
    ),
    Op(
        "insert_1k",
        "bulk insert 1,000 (class)",
        FIND,
        build=build_insert,
        available=lambda api: has_api(api, BenchUser, "ainsert"),
    ),
    Op(
        "insert_1k_global",
        "bulk insert 1,000 (`rapyer.ainsert`)",
        FIND,
        build=build_insert_global,
        available=lambda api: has_api(api, rapyer, "ainsert"),
    ),
    Op(
        "find_all_1k",
        "find all of 1,000",
        FIND,
        build=build_find_all_1k,
        available=lambda api: has_api(api, BenchUser, "afind"),
    ),
    Op(
        "find_keys_100",
        "find 100 by keys (class)",
        FIND,
        build=build_find_keys,
        available=lambda api: has_api(api, BenchUser, "afind"),
    ),
    Op(
        "find_keys_100_global",
        "find 100 by keys (`rapyer.afind`)",
        FIND,
        build=build_find_keys_global,
        available=lambda api: has_api(api, rapyer, "afind"),
    ),
    Op(
        "find_expression",
        "find by an indexed expression (age > 30 of 1,000)",
        FIND,
        build=build_find_expr,
        available=lambda api: has_api(api, BenchUser, "afind") and has_expressions(),
    ),
    Op(
        "concurrent_get_200",
        "200 concurrent `aget` tasks on one client (same pool as raw)",
        0.90,
        build=build_concurrent_get,
        available=lambda api: has_api(api, BenchUser, "aget"),
        async_only=True,
    ),
    Op(
        "find_all_10k",
        "find all of 10,000",
        FIND,
        dicts_goal=0.60,
        fixed_iterations=1,
        build=build_find_all_10k,
        available=lambda api: has_api(api, BenchUser, "afind"),
    ),
    Op(
        "memory_find_all_10k",
        "peak memory of find all of 10,000",
        1.15,
        kind="memory",
        build=build_memory,
        available=lambda api: has_api(api, BenchUser, "afind"),
    ),
    Op(
        "find_all_100k",
        "find all of 100,000",
        FIND,
        fixed_iterations=1,
        max_rounds=5,
        build=build_find_all_100k,
        available=lambda api: has_api(api, BenchUser, "afind"),
    ),
    Op(
        "find_all_100k_paused",
        "find all of 100,000, rapyer with `Meta.gc_pause_min_batch=1000` (opt-in; raw as above)",
        FIND,
        fixed_iterations=1,
        max_rounds=5,
        build=build_find_all_100k_paused,
        available=lambda api: (
            has_api(api, BenchUser, "afind")
            and "gc_pause_min_batch" in type(BenchUser.Meta).model_fields
        ),
    ),
    Op(
        "iterate_100k",
        "iterate 100,000 (`aiterator()`, batches of 1,000)",
        FIND,
        fixed_iterations=1,
        max_rounds=5,
        build=build_iterate_100k,
        available=lambda api: has_api(api, BenchUser, "aiterator"),
    ),
    Op(
        "memory_iterate_100k",
        "peak memory of iterating 100,000",
        1.15,
        kind="memory",
        max_rounds=1,
        build=build_memory_iterate,
        available=lambda api: has_api(api, BenchUser, "aiterator"),
    ),
    Op(
        "find_all_1k_again",
        "find all of 1,000, again after the 100,000 rows (the scale rows use both)",
        FIND,
        build=build_find_all_1k,
        available=lambda api: has_api(api, BenchUser, "afind"),
    ),
    scale_op(
        "scale_find_all",
        "find all, 1,000 → 100,000: time per document, flat beyond raw's growth",
        "find_all_100k",
    ),
    scale_op(
        "scale_find_all_paused",
        "find all with `Meta.gc_pause_min_batch=1000`, 1,000 → 100,000: the same",
        "find_all_100k_paused",
    ),
    scale_op(
        "scale_iterate",
        "find all 1,000 → iterate 100,000: time per document, flat beyond raw's growth",
        "iterate_100k",
    ),
    Op(
        "delete_1k",
        "delete 1,000 (class `adelete_many`)",
        FIND,
        fixed_iterations=3,
        build=build_delete,
        available=lambda api: has_api(api, BenchUser, "adelete_many"),
    ),
]


# ---- measuring -------------------------------------------------------------------------------


@dataclass
class Settings:
    quick: bool
    rounds: int
    slow_rounds: int
    batch_seconds: float
    memory_repeats: int
    smoke: bool = False


def _calibrate(mean_seconds: float, settings: Settings, op: Op) -> int:
    if op.fixed_iterations is not None:
        return op.fixed_iterations
    if mean_seconds <= 0:
        return 100
    return max(1, min(2000, int(settings.batch_seconds / mean_seconds)))


async def _call_async(
    step: Callable[[], Any], before: Callable[[], Any] | None
) -> tuple[float, float]:
    if before is not None:
        before()
    t0, c0 = time.perf_counter(), time.process_time()
    await step()
    return time.perf_counter() - t0, time.process_time() - c0


def _call_sync(step: Callable[[], Any], before: Callable[[], Any] | None) -> tuple[float, float]:
    if before is not None:
        before()
    t0, c0 = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - t0, time.process_time() - c0


async def _round(
    api: str, sides: Sides, iterations: int, start: int, collect_each: bool = False
) -> dict[str, float]:
    """One round: ``iterations`` sets of calls, raw and rapyer (and the dicts baseline when
    the operation has one) taking turns call by call, so every side sees the same conditions
    on a busy machine. The order rotates: round ``start`` begins with side ``start`` (mod the
    number of sides) and each set of calls shifts by one, so every side takes every position
    as often (a side always called second would always pay the garbage collections the first
    one left due). ``collect_each`` (the slow operations) collects garbage before each call.

    Returns the mean wall-clock and client CPU seconds per call of each side, and the median
    wall-clock seconds per call (robust to the scheduler's pauses on a loaded machine).
    """
    gc.collect()
    order = [("raw", sides.raw, sides.raw_before_step)]
    order.append(("rapyer", sides.rapyer, sides.rapyer_before_step))
    if sides.dicts is not None:
        order.append(("dicts", sides.dicts, None))
    walls: dict[str, list[float]] = {side: [] for side, _, _ in order}
    cpus: dict[str, float] = {side: 0.0 for side, _, _ in order}
    for n in range(iterations):
        shift = (start + n) % len(order)
        for side, step, before in order[shift:] + order[:shift]:
            if collect_each:
                gc.collect()
            if api == "async":
                wall, cpu = await _call_async(step, before)
            else:
                wall, cpu = _call_sync(step, before)
            walls[side].append(wall)
            cpus[side] += cpu
    out: dict[str, float] = {}
    for side in walls:
        out[side] = sum(walls[side]) / iterations
        out[f"{side}_median"] = statistics.median(walls[side])
        out[f"{side}_cpu"] = cpus[side] / iterations
    return out


async def time_op(op: Op, sides: Sides, api: str, settings: Settings) -> dict[str, Any]:
    # Warm-up of both sides, which also catches errors before measuring.
    if sides.before_batch:
        sides.before_batch()
    if op.max_rounds is None:
        warm_calls = 1 if op.fixed_iterations is not None or settings.smoke else 5
        warm = await _round(api, sides, warm_calls, 0)
        slowest = max(warm["raw"], warm["rapyer"])
        iterations = 1 if settings.smoke else _calibrate(slowest, settings, op)
    else:
        iterations = op.fixed_iterations or 1
    rounds = settings.rounds if op.fixed_iterations is None else settings.slow_rounds
    if op.max_rounds is not None:
        rounds = min(rounds, op.max_rounds)
    per_round: list[dict[str, float]] = []
    for n in range(rounds):
        if sides.before_batch:
            sides.before_batch()
        slow = op.fixed_iterations is not None
        per_round.append(await _round(api, sides, iterations, n, collect_each=slow))

    def median_of(name: str) -> float:
        return statistics.median(r[name] for r in per_round)

    ratios = [r["raw_median"] / r["rapyer_median"] for r in per_round]
    ratio = statistics.median(ratios)
    mean_ratios = [r["raw"] / r["rapyer"] for r in per_round]
    raw_cpu, rap_cpu = median_of("raw_cpu"), median_of("rapyer_cpu")
    extra: dict[str, Any] = {}
    if sides.dicts is not None:
        dict_ratios = [r["dicts_median"] / r["rapyer_median"] for r in per_round]
        extra = {
            "dicts_ratio": round(statistics.median(dict_ratios), 3),
            "dicts_seconds": median_of("dicts_median"),
            "dicts_round_ratios": [round(x, 3) for x in dict_ratios],
        }
    if extra and op.dicts_goal is not None:
        extra["meets_dicts_goal"] = extra["dicts_ratio"] >= op.dicts_goal
    return {
        "status": "ok",
        "ratio": round(ratio, 3),
        "meets_goal": ratio >= op.goal,
        **extra,
        "raw_seconds": median_of("raw_median"),
        "rapyer_seconds": median_of("rapyer_median"),
        "ratio_of_means": round(statistics.median(mean_ratios), 3),
        "raw_client_cpu_seconds": raw_cpu,
        "rapyer_client_cpu_seconds": rap_cpu,
        "client_cpu_ratio": round(raw_cpu / rap_cpu, 3) if rap_cpu > 0 else None,
        "rounds": rounds,
        "iterations_per_round": iterations,
        "round_ratios": [round(x, 3) for x in ratios],
    }


async def _peak(api: str, step: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = await step() if api == "async" else step()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak


async def memory_op(op: Op, sides: Sides, api: str, settings: Settings) -> dict[str, Any]:
    raw_peaks: list[int] = []
    rap_peaks: list[int] = []
    # One untraced warm-up per side (imports, connections), then alternating traced runs.
    if not settings.quick and op.max_rounds is None:
        await _round(api, sides, 1, 0)
    repeats = settings.memory_repeats
    if op.max_rounds is not None:
        repeats = min(repeats, op.max_rounds)
    for n in range(repeats):
        if n % 2 == 0:
            raw_peaks.append(await _peak(api, sides.raw))
            rap_peaks.append(await _peak(api, sides.rapyer))
        else:
            rap_peaks.append(await _peak(api, sides.rapyer))
            raw_peaks.append(await _peak(api, sides.raw))
    raw_peak = statistics.median(raw_peaks)
    rap_peak = statistics.median(rap_peaks)
    ratio = rap_peak / raw_peak
    return {
        "status": "ok",
        "ratio": round(ratio, 3),
        "meets_goal": ratio <= op.goal,
        "raw_peak_bytes": int(raw_peak),
        "rapyer_peak_bytes": int(rap_peak),
        "repeats": repeats,
    }


def scale_ratio(rapyer: tuple[float, float], raw: tuple[float, float]) -> tuple[float, float]:
    """The scale ratio of the times per document (small size, large size) of each side, and the
    growth rapyer adds beyond raw's (seconds per document, ``excess``).

    ``ratio = rapyer_small / (rapyer_small + max(0, excess))`` with ``excess = (rapyer_large -
    rapyer_small) - max(0, raw_large - raw_small)``: 1.0 when rapyer's time per document is
    flat or grows no more than raw redis-py's, whose growth is what the server and Python itself
    bring (a larger keyspace, documents out of the CPU caches, the collector walking the live
    objects). 0.5 would mean rapyer's own growth doubles its time per document. Where raw gets
    faster per document, rapyer is held to flat.
    """
    excess = (rapyer[1] - rapyer[0]) - max(0.0, raw[1] - raw[0])
    return rapyer[0] / (rapyer[0] + max(0.0, excess)), excess


def scale_result(op: Op, ctx: Context, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A scale row from the rows it names (see ``scale_ratio``), with the server's own time per
    document at each size beside it."""
    assert op.large_op is not None and op.sizes is not None
    names = [*op.small_ops, op.large_op]
    missing = [name for name in names if results.get(name, {}).get("status") != "ok"]
    if missing:
        return {"status": "n/a", "reason": f"needs {' and '.join(missing)}, which did not run"}
    *smalls, large = (results[name] for name in names)
    n_small, n_large = (ctx.size(n) for n in op.sizes)

    def per_small(side: str) -> float:
        return statistics.mean(row[f"{side}_seconds"] for row in smalls) / n_small

    rap = (per_small("rapyer"), large["rapyer_seconds"] / n_large)
    raw = (per_small("raw"), large["raw_seconds"] / n_large)
    ratio, excess = scale_ratio(rap, raw)
    return {
        "status": "ok",
        "ratio": round(ratio, 3),
        "meets_goal": ratio >= op.goal,
        "documents": [n_small, n_large],
        "rapyer_seconds_per_document": list(rap),
        "raw_seconds_per_document": list(raw),
        "excess_seconds_per_document": excess,
        # every data set goes through ``Context.dataset``, which measures it
        "server_seconds_per_document": [
            statistics.mean(ctx.server_time[n]) for n in (n_small, n_large)
        ],
        "small_size_rows": len(smalls),
    }


async def run_op(op: Op, ctx: Context, api: str, settings: Settings) -> dict[str, Any]:
    if op.async_only and api != "async":
        return {"status": "n/a", "reason": "async only"}
    try:
        available = op.available(api)
    except Exception:
        available = False
    if not available:
        return {"status": "n/a", "reason": "not implemented"}
    try:
        assert op.build is not None
        sides = op.build(ctx, api)
        try:
            if op.kind == "memory":
                return await memory_op(op, sides, api, settings)
            return await time_op(op, sides, api, settings)
        finally:
            if sides.cleanup is not None:
                done = sides.cleanup()
                if api == "async":
                    await done
    except Exception as exc:  # report, do not crash the whole run
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"}


async def profile_op(op: Op, ctx: Context, api: str, log: Callable[[str], None]) -> None:
    """Print a cProfile of the rapyer side of ``op`` (about 2 s of calls), best first."""
    import cProfile
    import io
    import pstats

    if op.build is None or (op.async_only and api != "async") or not op.available(api):
        log(f"  {api:5} {op.id}: n/a")
        return
    sides = op.build(ctx, api)
    if sides.before_batch:
        sides.before_batch()
    warm = await _round(api, sides, 3, 0)
    iterations = max(3, min(20_000, int(2.0 / max(warm["rapyer"], 1e-6))))
    # PROFILE_SIDE=raw profiles the raw redis-py side instead (its call count per call is the
    # floor rapyer's is compared with).
    side = os.environ.get("PROFILE_SIDE", "rapyer")
    call = sides.raw if side == "raw" else sides.rapyer
    before_step = sides.raw_before_step if side == "raw" else sides.rapyer_before_step
    profiler = cProfile.Profile()
    for _ in range(iterations):
        if before_step:
            before_step()
        profiler.enable()
        if api == "async":
            await call()
        else:
            call()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(int(os.environ.get("PROFILE_ROWS", "45")))
    print(f"## {op.id} ({api}): {side} side, {iterations} calls, cProfile by cumulative time")
    print(out.getvalue())


async def run_api(
    api: str,
    ops: list[Op],
    ctx: Context,
    settings: Settings,
    log: Callable[[str], None],
    profile: bool = False,
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    if api == "async":
        ctx.raw_async = aredis.Redis.from_url(ctx.url, decode_responses=True)
        ctx.save_and_release_async = ctx.raw_async.register_script(SAVE_AND_RELEASE_LUA)
    try:
        for op in ops:
            if profile:
                await profile_op(op, ctx, api, log)
                continue
            t0 = time.perf_counter()
            if op.kind == "scale":
                results[op.id] = scale_result(op, ctx, results)
            else:
                results[op.id] = await run_op(op, ctx, api, settings)
            log(
                f"  {api:5} {op.id:22} {describe(op, results[op.id])}  ({time.perf_counter() - t0:.1f} s)"
            )
    finally:
        if api == "async":
            await ctx.raw_async.aclose()  # type: ignore[union-attr]
            await rapyer.teardown_rapyer()
            ctx.raw_async = None
    return results


# ---- reporting -------------------------------------------------------------------------------


def _fmt_seconds(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _fmt_bytes(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def describe(op: Op, result: dict[str, Any]) -> str:
    status = result["status"]
    if status == "n/a":
        return f"n/a ({result.get('reason', 'not implemented')})"
    if status == "error":
        return f"error: {result['error']}"
    if op.kind == "memory":
        return (
            f"{result['ratio']:.2f}× ({_fmt_bytes(result['rapyer_peak_bytes'])} vs "
            f"{_fmt_bytes(result['raw_peak_bytes'])})"
        )
    if op.kind == "scale":
        sides = []
        for name in ("rapyer", "raw", "server"):
            small, large = result[f"{name}_seconds_per_document"]
            sides.append(f"{name} {small * 1e6:.1f} → {large * 1e6:.1f}")
        return f"{result['ratio']:.2f} (µs per document: {', '.join(sides)})"
    return (
        f"{result['ratio']:.2f} ({_fmt_seconds(result['rapyer_seconds'])} vs "
        f"{_fmt_seconds(result['raw_seconds'])})"
    )


def describe_dicts(op: Op, result: dict[str, Any]) -> str:
    """The cell of the dicts baseline: ratio (rapyer vs dicts time), or a dash."""
    if result.get("status") != "ok" or "dicts_ratio" not in result:
        return "—"
    text = (
        f"{result['dicts_ratio']:.2f} ({_fmt_seconds(result['rapyer_seconds'])} vs "
        f"{_fmt_seconds(result['dicts_seconds'])})"
    )
    if not result.get("meets_dicts_goal", True):
        text += " ⚠"
    return text


def _cell(op: Op, result: dict[str, Any]) -> str:
    text = describe(op, result)
    if result["status"] == "ok" and not result["meets_goal"]:
        text += " ⚠"
    return text


def markdown(report: dict[str, Any], ops: list[Op]) -> str:
    apis = report["apis"]
    header = "| Operation | Goal | " + " | ".join(f"{api}" for api in apis) + " |"
    sep = "|---|---|" + "---|" * len(apis)
    time_header = header + "".join(f" {api} vs dicts |" for api in apis)
    time_sep = sep + "---|" * len(apis)
    time_rows, mem_rows, scale_rows = [], [], []
    by_id = {entry["id"]: entry for entry in report["operations"]}
    for op in ops:
        entry = by_id[op.id]
        cells = [_cell(op, entry["results"][api]) for api in apis]
        if op.kind == "memory":
            goal = f"≤ {op.goal:g}×"
        elif op.dicts_goal is not None:
            goal = f"≥ {op.goal:.2f} (≥ {op.dicts_goal:.2f} vs dicts)"
        else:
            goal = f"≥ {op.goal:.2f}"
        row = f"| {op.label} | {goal} | " + " | ".join(cells) + " |"
        if op.kind == "memory":
            mem_rows.append(row)
        elif op.kind == "scale":
            scale_rows.append(row)
        else:
            dicts = [describe_dicts(op, entry["results"][api]) for api in apis]
            time_rows.append(row + "".join(f" {cell} |" for cell in dicts))
    lines = [
        f"Ratio = {RATIO_DEFINITION}. Cells: ratio (median time of a rapyer call vs of a raw "
        'call, over all rounds); ⚠ = below goal. The columns "vs dicts" compare the find '
        "rows with a second baseline timed in the same rounds: redis-py returning the "
        "documents as dicts (`json.loads`, no model).",
        "",
        time_header,
        time_sep,
        *time_rows,
    ]
    if mem_rows:
        lines += [
            "",
            f"Memory = {MEMORY_DEFINITION}. Cells: ratio (rapyer peak vs raw peak). Iterating "
            "holds one batch, plus pydantic-core's bounded cache of short strings (both sides).",
            "",
            header,
            sep,
            *mem_rows,
        ]
    if scale_rows:
        lines += [
            "",
            f"Scale = {SCALE_DEFINITION}. Cells: ratio (time per document at 1,000 → at "
            "100,000 of rapyer, of raw redis-py, and the server's own share: SCAN + JSON.MGET "
            "from INFO commandstats). The 1,000 figures are the means of find all of 1,000 "
            "timed before and after the 100,000 rows. The server's share and raw's grow with "
            "the data set (a larger keyspace, documents out of the CPU caches, Python's collector walking "
            "100,000 live models at each full collection); the iterator holds one batch.",
            "",
            header,
            sep,
            *scale_rows,
        ]
    env = report["environment"]
    lines += [
        "",
        f"Baseline: {report['baseline_description']}",
        f"Run: {report['generated_at']}, "
        f"{'smoke' if report['smoke'] else 'quick' if report['quick'] else 'full'} mode, "
        f"{report['settings']['rounds']} rounds ({report['settings']['slow_rounds']} for the slow "
        f"operations); server {env['server']} ({env['server_source']}); "
        f"Python {env['python']}, redis-py {env['redis_py']}, pydantic {env['pydantic']}, "
        f"rapyer {env['rapyer']}; {env['machine']}, load average {env['load_average_at_start']} "
        "at the start (other processes competing for the CPUs slow both sides and lower the "
        "ratios).",
    ]
    return "\n".join(lines) + "\n"


BASELINES = {
    "pydantic": (
        "redis-py `execute_command` with the same commands, plus a plain pydantic model with the "
        "same fields and model_config (`model_dump_json` / `model_validate_json`)."
    ),
    "json": "redis-py `execute_command` with the same commands, plus `json.dumps` / `json.loads` "
    "on dicts (no validation).",
}


# ---- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="rapyer vs raw redis-py, side by side (see benchmarks/README.md)."
    )
    parser.add_argument("--quick", action="store_true", help="short run: 3 rounds (~30 s)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI check that every row runs: 1 round, small data sets (2,000 for 100,000, "
        "1,500 for 10,000), no calibration (~10-15 s); its ratios mean little",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="rounds per operation (default 31, and 9 for the slow ones; quick 3 and 2)",
    )
    parser.add_argument("--only", help="comma-separated operation ids (default: all); see --list")
    parser.add_argument("--list", action="store_true", help="list operation ids and exit")
    parser.add_argument(
        "--api", choices=["async", "sync", "both"], default="both", help="which API to run"
    )
    parser.add_argument(
        "--baseline",
        choices=sorted(BASELINES),
        default="pydantic",
        help="what the raw side does with the JSON text (default pydantic)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of measuring, print a cProfile of the rapyer side of each selected "
        "operation (use with --only and --api); writes no results",
    )
    parser.add_argument("--json", dest="json_path", type=Path, help="where to write the JSON")
    parser.add_argument("--md", dest="md_path", type=Path, help="where to write the markdown")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for op in OPS:
            print(f"{op.id:22} {op.label}")
        return 0
    global CODEC
    CODEC = JsonCodec() if args.baseline == "json" else Codec()
    ops = OPS
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = set(wanted) - {op.id for op in OPS}
        if unknown:
            print(f"unknown operation(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        ops = [op for op in OPS if op.id in wanted]
    if args.smoke:
        args.quick = True
    settings = Settings(
        quick=args.quick,
        rounds=1 if args.smoke else args.rounds or (3 if args.quick else 31),
        slow_rounds=1 if args.smoke else min(args.rounds or 99, 2 if args.quick else 9),
        batch_seconds=0.002 if args.smoke else 0.01 if args.quick else 0.03,
        memory_repeats=1 if args.quick else 2,
        smoke=args.smoke,
    )
    apis = ["async", "sync"] if args.api == "both" else [args.api]
    stem = "smoke" if args.smoke else "quick" if args.quick else "latest"
    json_path = args.json_path or RESULTS / f"{stem}.json"
    md_path = args.md_path or RESULTS / f"{stem}.md"

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_at_start = _load_average()
    with contextlib.ExitStack() as stack:
        url = os.environ.get("REDIS_URL")
        source = "REDIS_URL"
        if not url:
            from rapyer.testing import EmbeddedServer

            server = stack.enter_context(EmbeddedServer())
            url, source = server.url, "embedded valkey + RedisJSON + RediSearch"
        log(f"server: {source}")
        raw_sync = redis.Redis.from_url(url, decode_responses=True)
        stack.callback(raw_sync.close)
        clear_prefix(raw_sync)
        rapyer.init_rapyer_sync(redis=url)
        stack.callback(rapyer.teardown_rapyer_sync)
        _ensure_index(raw_sync)
        ctx = Context(quick=args.quick, url=url, raw_sync=raw_sync, smoke=args.smoke)
        ctx.save_and_release_sync = raw_sync.register_script(SAVE_AND_RELEASE_LUA)
        stack.callback(clear_prefix, raw_sync)
        results: dict[str, dict[str, dict[str, Any]]] = {}
        for api in apis:
            coro = run_api(api, ops, ctx, settings, log, args.profile)
            results[api] = asyncio.run(coro) if api == "async" else run_without_loop(coro)
        server_version = _server_version(raw_sync)
    if args.profile:
        return 0
    report = {
        "schema": 1,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "smoke": args.smoke,
        "apis": apis,
        "baseline": args.baseline,
        "baseline_description": BASELINES[args.baseline],
        "ratio_definition": RATIO_DEFINITION,
        "memory_ratio_definition": MEMORY_DEFINITION,
        "scale_ratio_definition": SCALE_DEFINITION,
        "settings": {
            "rounds": settings.rounds,
            "slow_rounds": settings.slow_rounds,
            "batch_seconds": settings.batch_seconds,
            "memory_repeats": settings.memory_repeats,
        },
        "environment": {
            "python": platform.python_version(),
            "redis_py": redis.__version__,
            "pydantic": pydantic.VERSION,
            "rapyer": getattr(rapyer, "__version__", "?"),
            "server": server_version,
            "server_source": source,
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "load_average_at_start": load_at_start,
        },
        "duration_seconds": round(time.perf_counter() - started, 1),
        "operations": [
            {
                "id": op.id,
                "label": op.label,
                "kind": op.kind,
                "goal": op.goal,
                "results": {api: results[api][op.id] for api in apis},
            }
            for op in ops
        ],
    }
    text = markdown(report, ops)
    for path, content in ((json_path, json.dumps(report, indent=2) + "\n"), (md_path, text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    if not args.quick and not args.json_path and not args.md_path and ops == OPS:
        update_readme(text)
    print(text)
    log(f"wrote {json_path} and {md_path} in {report['duration_seconds']} s")
    return 0


def _ensure_index(r: redis.Redis) -> None:
    """The index exists when queries are implemented (init_rapyer creates it)."""
    create = getattr(BenchUser, "create_index", None)
    if create is None:
        return
    try:
        r.execute_command("FT.INFO", INDEX)
    except redis.ResponseError:
        with contextlib.suppress(redis.ResponseError):
            create()


README = HERE / "README.md"
README_START = "<!-- latest results: written by benchmarks/run.py -->"
README_END = "<!-- end of latest results -->"


def update_readme(table: str) -> None:
    """Put the latest table into benchmarks/README.md (a full run of every operation only)."""
    try:
        text = README.read_text(encoding="utf-8")
    except OSError:
        return
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return
    new = f"{text[: start + len(README_START)]}\n{table}{text[end:]}"
    if new != text:
        README.write_text(new, encoding="utf-8")


def run_without_loop(coro: Any) -> Any:
    """Run the measuring coroutine of the blocking API without an event loop: it never
    suspends (only the async API awaits I/O), so the blocking calls run as in a script."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("the blocking benchmark awaited something")


def _load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "?"


def _server_version(r: redis.Redis) -> str:
    try:
        info = r.info("server")
    except redis.RedisError:
        return "?"
    if "valkey_version" in info:
        return f"valkey {info['valkey_version']}"
    return f"redis {info.get('redis_version', '?')}"


if __name__ == "__main__":
    sys.exit(main())
