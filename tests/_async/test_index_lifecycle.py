"""Index lifecycle against the real server: versions behind an alias, switched without
downtime, the old layout migrated, missing fields named, status, the notebook flow."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import pytest

import rapyer
from rapyer import AtomicRedisModel, Index, IndexState, RedisConfig, _index_info
from rapyer._async import executor, index_ops
from rapyer._binding import binding_of
from rapyer._index import index_name, schema_hash, version_name
from rapyer._registry import unregister
from rapyer.errors import IndexBuildTimeoutError, IndexFieldMissingError, IndexNotFoundError
from tests import _io_async as io
from tests.models import Member, Place

DOCS = 600


def _evolving(extra: bool) -> type[AtomicRedisModel]:
    """The model ``Evolving`` before (``extra=False``) and after one more indexed field.

    Both versions have the same qualified name: the second replaces the first (a notebook
    cell run again, or the next deploy of the code).
    """

    if extra:

        class Evolving(AtomicRedisModel):
            Meta = RedisConfig(key_prefix="Evolving")
            city: Annotated[str, Index()] = ""
            n: Annotated[int, Index()] = 0

    else:

        class Evolving(AtomicRedisModel):  # type: ignore[no-redef]
            Meta = RedisConfig(key_prefix="Evolving")
            city: Annotated[str, Index()] = ""
            n: int = 0

    return Evolving


@pytest.fixture
def evolving():
    """Forget the Evolving classes afterwards (one registry per process)."""
    yield
    for model in rapyer.find_redis_models():
        if model.__name__ == "Evolving":
            unregister(model)


def _store(backend: Any, count: int = DOCS) -> None:
    pipe = backend.pipeline(transaction=False)
    for i in range(count):
        doc = {"city": "Paris" if i % 2 else "Rome", "n": i}
        pipe.execute_command("JSON.SET", f"Evolving:{i}", "$", json.dumps(doc))
    pipe.execute()


def _versions(backend: Any, prefix: str) -> list[str]:
    return sorted(n for n in backend.execute_command("FT._LIST") if n.startswith(f"idx:{prefix}"))


def _serving(backend: Any, alias: str) -> str:
    return str(_index_info.parse_info(backend.execute_command("FT.INFO", alias)).name)


async def test_init_creates_a_version_behind_the_alias_and_keeps_it(backend):
    version = version_name(Place)
    assert version == f"idx:Place:v{schema_hash(Place)}"
    assert _serving(backend, "idx:Place") == version
    assert _versions(backend, "Place") == [version]  # the alias is no index of its own
    await Place(city="Rome").asave()
    assert await index_ops.ensure_index(Place) is False  # same schema: kept as it is
    await rapyer.init_rapyer(redis=backend)
    await rapyer.init_rapyer(redis=backend, override_old_idx=False)
    assert _versions(backend, "Place") == [version]
    assert await Place.acount(Place.city == "Rome") == 1


async def test_a_changed_schema_is_built_beside_and_switched(backend, evolving, caplog):
    first = _evolving(extra=False)
    _store(backend)
    await rapyer.init_rapyer(redis=backend)
    old = version_name(first)
    assert await first.acount(first.city == "Rome") == DOCS // 2
    second = _evolving(extra=True)
    new = version_name(second)
    assert new != old
    with caplog.at_level(logging.INFO, logger="rapyer"):
        await rapyer.init_rapyer(redis=backend)
    assert "building" in caplog.text and new in caplog.text
    # the new field is queryable, and complete, as soon as init returns
    assert await second.acount(second.n < 100) == 100
    assert await second.acount(second.city == "Rome") == DOCS // 2
    assert _serving(backend, "idx:Evolving") == new
    assert _versions(backend, "Evolving") == [new]  # the old version is dropped


async def test_override_false_keeps_an_index_that_covers_the_model(backend, evolving):
    wide = _evolving(extra=True)
    _store(backend, 10)
    await rapyer.init_rapyer(redis=backend)
    narrow = _evolving(extra=False)  # the previous code, still running somewhere
    await rapyer.init_rapyer(redis=backend, override_old_idx=False)
    assert _serving(backend, "idx:Evolving") == version_name(wide)  # kept: it covers
    assert await narrow.acount(narrow.city == "Rome") == 5
    await rapyer.init_rapyer(redis=backend)  # the default: exactly the model's schema
    assert _versions(backend, "Evolving") == [version_name(narrow)]


async def test_an_old_layout_index_is_migrated_while_queries_run(backend, evolving):
    model = _evolving(extra=True)
    _store(backend)
    # The layout of earlier versions (and of the original rapyer): an index named idx:Evolving.
    backend.execute_command(
        "FT.CREATE", "idx:Evolving", "ON", "JSON", "PREFIX", 1, "Evolving:",
        "SCHEMA", "$.city", "AS", "city", "TEXT",
    )  # fmt: skip
    while _index_info.parse_info(backend.execute_command("FT.INFO", "idx:Evolving")).indexing:
        await io.sleep(0.01)
    state = (await rapyer.aindex_status(model))[0]
    assert state.state is IndexState.OLD_LAYOUT and state.serving == "idx:Evolving"
    assert "n" in state.missing_fields
    counts: list[int] = []
    done = []

    async def poll() -> None:
        while not done:
            reply = await executor.execute(
                binding_of(model), "FT.SEARCH", "idx:Evolving", "*", "LIMIT", 0, 0
            )
            counts.append(int(reply["total_results"] if isinstance(reply, dict) else reply[0]))
            await io.sleep(0.001)

    async def migrate() -> None:
        try:
            await rapyer.init_rapyer(redis=backend)
        finally:
            done.append(True)

    await io.gather_calls(poll, migrate)
    assert counts and set(counts) == {DOCS}  # the name answered completely throughout
    assert _versions(backend, "Evolving") == [version_name(model)]
    assert _serving(backend, "idx:Evolving") == version_name(model)
    assert await model.acount(model.n >= 0) == DOCS


async def test_concurrent_switches_converge(backend, evolving):
    _evolving(extra=False)
    _store(backend)
    await rapyer.init_rapyer(redis=backend)
    second = _evolving(extra=True)
    results = await io.gather_calls(
        lambda: index_ops.ensure_index(second), lambda: index_ops.ensure_index(second)
    )
    assert sorted(results) == [False, True]  # one process switched, the other found it done
    assert _versions(backend, "Evolving") == [version_name(second)]
    assert await second.acount(second.n < 10) == 10


async def test_a_query_reading_the_old_version_finishes(backend, evolving):
    first = _evolving(extra=False)
    _store(backend)
    await rapyer.init_rapyer(redis=backend)
    seen: list[str] = []

    async def slow_reader() -> None:
        async for model in first.aiterator(first.city != "", batch_size=50):
            seen.append(model.key)
            if len(seen) % 50 == 0:
                await io.sleep(0.02)

    async def deploy() -> None:
        await io.sleep(0.05)
        await index_ops.ensure_index(_evolving(extra=True))

    await io.gather_calls(slow_reader, deploy)
    assert len(seen) == len(set(seen)) == DOCS  # nothing lost when the old version went


async def test_a_field_the_serving_index_lacks_is_named(backend, evolving, monkeypatch):
    first = _evolving(extra=False)
    _store(backend, 20)
    await rapyer.init_rapyer(redis=backend)
    assert await first.acount(first.city == "Rome") == 10
    # A process that does not run init_rapyer (the deploy step migrates) has new code:
    monkeypatch.setitem(_index_info.init_state, "ran", False)
    second = _evolving(extra=True)
    with pytest.raises(IndexFieldMissingError) as caught:
        await second.acount(second.n > 3)
    assert caught.value.field == "n" and caught.value.index == version_name(first)
    assert "Evolving.n" in str(caught.value) and "indexes --migrate" in str(caught.value)
    assert isinstance(caught.value, IndexNotFoundError)
    for call in (
        lambda: second.afind(second.n > 3),
        lambda: second.afind(sort_by="n"),
        lambda: second.adelete_many(second.n > 3),
    ):
        with pytest.raises(IndexFieldMissingError):
            await call()
    assert await second.acount(second.city == "Rome") == 10  # fields it has still work
    state = (await rapyer.aindex_status(second))[0]
    assert (state.state, state.missing_fields) == (IndexState.OUTDATED, ("n",))
    assert state.percent_indexed is None
    await index_ops.ensure_index(second)
    assert await second.acount(second.n > 3) == 16


async def test_notebook_a_model_defined_after_init_gets_its_index(backend, evolving):
    _store(backend, 30)
    model = _evolving(extra=True)  # defined after init_rapyer (the fixture ran it)
    assert await model.acount(model.n < 10) == 10  # the first query prepared its index
    assert _serving(backend, "idx:Evolving") == version_name(model)
    redefined = _evolving(extra=False)  # the cell edited and run again
    assert await redefined.acount(redefined.city == "Paris") == 15
    assert _serving(backend, "idx:Evolving") == version_name(redefined)


async def test_a_missing_index_says_what_to_run(backend):
    await Member.adelete_index()
    with pytest.raises(IndexNotFoundError) as caught:
        await Member.acount(Member.age > 1)
    assert "indexes --migrate" in str(caught.value) and "idx:Member" in str(caught.value)
    assert not isinstance(caught.value, IndexFieldMissingError)


async def test_index_status(backend, evolving):
    statuses = {s.model: s for s in await rapyer.aindex_status()}
    place = statuses[Place]
    assert place.state is IndexState.CURRENT and place.percent_indexed == 100.0
    assert (place.index, place.version, place.serving) == (
        "idx:Place",
        version_name(Place),
        version_name(Place),
    )
    assert place.schema_hash == schema_hash(Place) and place.missing_fields == ()
    await Place.adelete_index()
    (place,) = await rapyer.aindex_status(Place)
    assert (place.state, place.serving, place.percent_indexed) == (IndexState.MISSING, None, None)
    assert index_name(Place) == place.index


async def test_without_redisearch(fake_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        await rapyer.init_rapyer(redis=fake_redis)
    assert "RediSearch" in caplog.text
    (state,) = await rapyer.aindex_status(Place)
    assert state.state is IndexState.NO_SEARCH
    with pytest.raises(IndexNotFoundError):
        await Place.acount(Place.city == "x")


async def test_a_build_that_takes_too_long_leaves_the_old_version_serving(backend, evolving):
    first = _evolving(extra=False)
    _store(backend, 5000)
    await rapyer.init_rapyer(redis=backend)
    second = _evolving(extra=True)
    with pytest.raises(IndexBuildTimeoutError) as caught:
        await rapyer.init_rapyer(redis=backend, index_timeout=0)
    assert version_name(second) in str(caught.value)
    assert _serving(backend, "idx:Evolving") == version_name(first)  # still serving
    assert await first.acount(first.city == "Rome") == 2500
    await rapyer.init_rapyer(redis=backend)  # resumes: the build goes on where it got to
    assert await second.acount(second.n < 10) == 10
    assert _versions(backend, "Evolving") == [version_name(second)]


async def test_stale_versions_are_listed_and_dropped(backend, evolving):
    first = _evolving(extra=False)
    _store(backend, 10)
    await rapyer.init_rapyer(redis=backend)
    second = _evolving(extra=True)
    await rapyer.init_rapyer(redis=backend)
    # A build of the first schema, interrupted (another process, the previous code):
    await index_ops.create_version(first, binding_of(first), version_name(first))
    (state,) = await rapyer.aindex_status(second)
    assert state.state is IndexState.CURRENT and state.stale == (version_name(first),)
    assert await index_ops.drop_stale(second) == [version_name(first)]
    assert _versions(backend, "Evolving") == [version_name(second)]
    assert await index_ops.drop_stale(second) == []  # never the serving version
