"""TTL of every write and read path (spec section 8), checked with TTL/PTTL."""

from __future__ import annotations

import pytest

import rapyer
from rapyer import _commands
from rapyer.actions import ActionGroup
from rapyer.config import RedisConfig
from rapyer.errors import (
    CantSerializeRedisValueError,
    CorruptedModelError,
    InvalidRefreshTtlError,
    KeyNotFound,
    ModelDefinitionError,
    NestedModelError,
)
from tests.models import (
    Address,
    CreateOnlySession,
    Person,
    ReadRefreshSession,
    Session,
    Ticket,
    User,
)


def _assert_full(client, key, ttl=100):
    assert ttl - 2 <= client.ttl(key) <= ttl
    assert (ttl - 2) * 1000 <= client.pttl(key) <= ttl * 1000


async def test_creating_writes_set_the_ttl(redis_backend):
    saved = Session(token="s")
    await saved.asave()
    _assert_full(redis_backend, saved.key)
    inserted = [Session(token="i"), CreateOnlySession(token="c")]
    await rapyer.ainsert(*inserted)
    for model in inserted:
        _assert_full(redis_backend, model.key)
    result = await Ticket.aget_or_create(Ticket(code="t1"))
    assert result.created
    _assert_full(redis_backend, result.value.key)
    copies = await saved.aduplicate_many(2)
    for copy in copies:
        _assert_full(redis_backend, copy.key)
    plain = User(name="no ttl")
    await plain.asave()
    assert redis_backend.ttl(plain.key) == -1


async def test_creating_writes_use_nx_when_the_action_does_not_refresh(redis_backend):
    model = CreateOnlySession(token="a")
    await model.asave()
    redis_backend.expire(model.key, 10)
    await model.asave()  # EXPIRE ... NX keeps the shorter TTL
    assert 0 < redis_backend.ttl(model.key) <= 10
    await CreateOnlySession.ainsert(model)
    assert 0 < redis_backend.ttl(model.key) <= 10
    redis_backend.persist(model.key)
    await CreateOnlySession.ainsert(model)  # never left without a TTL
    _assert_full(redis_backend, model.key)
    await CreateOnlySession.aget(model.key)  # reads do not refresh
    redis_backend.expire(model.key, 10)
    await CreateOnlySession.aget(model.key)
    await CreateOnlySession.afind()
    assert 0 < redis_backend.ttl(model.key) <= 10


async def test_refreshing_writes_override_the_ttl(redis_backend):
    model = Session(token="a")
    await model.asave()
    redis_backend.expire(model.key, 10)
    await Session.ainsert(model)
    _assert_full(redis_backend, model.key)
    redis_backend.expire(model.key, 10)
    await model.aupdate(hits=3)
    _assert_full(redis_backend, model.key)
    redis_backend.expire(model.key, 10)
    await model.asave()
    _assert_full(redis_backend, model.key)


async def test_reads_refresh_per_action_group(redis_backend):
    session = Session(token="a")
    read_only = ReadRefreshSession(token="b")
    await rapyer.ainsert(session, read_only)
    reads = [
        lambda key: Session.aget(key),
        lambda key: Session.afind(),
        lambda key: Session.afind(key),
        lambda key: rapyer.afind(key),
        lambda key: rapyer.aget(key),
        lambda key: Session.afind_one(key),
    ]
    for read in reads:
        redis_backend.expire(session.key, 10)
        await read(session.key)
        _assert_full(redis_backend, session.key)
    redis_backend.expire(session.key, 10)
    assert [m.key async for m in Session.aiterator()] == [session.key]
    _assert_full(redis_backend, session.key)
    redis_backend.expire(read_only.key, 10)
    await ReadRefreshSession.afind(read_only.key)  # READ is in refresh_ttl
    _assert_full(redis_backend, read_only.key)


async def test_counting_and_listing_never_refresh(redis_backend):
    session = Session(token="a")
    await session.asave()
    redis_backend.expire(session.key, 10)
    await Session.acount()
    await Session.afind_keys()
    await Session.aexists(session.key)
    assert 0 < redis_backend.ttl(session.key) <= 10


async def test_get_or_create_found_refreshes_for_reads(redis_backend):
    ticket = Ticket(code="t2", owner="first")
    await ticket.asave()
    redis_backend.expire(ticket.key, 10)
    result = await Ticket.aget_or_create(Ticket(code="t2", owner="second"))
    assert not result.created and result.value.owner == "first"
    _assert_full(redis_backend, ticket.key)


async def test_set_ttl_and_persist(redis_backend):
    user = User(name="no meta ttl")
    await user.asave()
    assert await user.aset_ttl(50) is None
    _assert_full(redis_backend, user.key, 50)
    await user.aset_ttl(None)
    assert redis_backend.ttl(user.key) == -1
    session = Session(token="x")
    await session.asave()
    await session.aset_ttl(None)
    assert redis_backend.ttl(session.key) == -1
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(NestedModelError):
        await person.address.aset_ttl(5)


async def test_refresh_ttl(redis_backend):
    session = Session(token="x")
    await session.asave()
    redis_backend.expire(session.key, 10)
    await session.arefresh_ttl()
    _assert_full(redis_backend, session.key)
    create_only = CreateOnlySession(token="y")
    await create_only.asave()
    redis_backend.expire(create_only.key, 10)
    await create_only.arefresh_ttl()  # unconditional, even when refresh_ttl is False
    _assert_full(redis_backend, create_only.key)
    plain = User(name="p")
    await plain.asave()
    await plain.arefresh_ttl()  # no Meta.ttl: a no-op
    assert redis_backend.ttl(plain.key) == -1


async def test_duplicates_get_the_full_ttl(redis_backend):
    source = CreateOnlySession(token="src")
    await source.asave()
    redis_backend.expire(source.key, 10)
    copy = await source.aduplicate()
    _assert_full(redis_backend, copy.key)
    assert 0 < redis_backend.ttl(source.key) <= 10


async def test_duplicate_without_ttl_persists_the_copies(redis_backend):
    user = User(name="u")
    await user.asave()
    redis_backend.expire(user.key, 30)
    copy = await user.aduplicate()
    assert redis_backend.ttl(copy.key) == -1


async def test_ttl_is_resolved_at_call_time(redis_backend):
    user = User(name="late ttl")
    await rapyer.init_rapyer(ttl=40)
    try:
        await User.ainsert(user)
        _assert_full(redis_backend, user.key, 40)
    finally:
        await rapyer.init_rapyer(ttl=None)


async def test_ttl_commands_go_into_the_pipeline(redis_backend):
    session = Session(token="p")
    async with rapyer.apipeline():
        await Session.ainsert(session)
        assert await session.aset_ttl(70) is None
        assert not redis_backend.exists(session.key)
    _assert_full(redis_backend, session.key, 70)
    async with rapyer.apipeline():
        await session.aupdate(hits=1)  # queues the refresh EXPIRE
        await session.aset_ttl(None)  # the last word: no TTL
    assert redis_backend.ttl(session.key) == -1
    async with rapyer.apipeline():
        await session.aset_ttl(30)
        await session.arefresh_ttl()
    _assert_full(redis_backend, session.key)


async def test_mark_actions_refreshes_once_at_the_outermost_call(redis_backend):
    session = Session(token="m")
    await session.asave()
    redis_backend.expire(session.key, 10)
    await session.amark_visit()  # sync: amark_visit=mark_visit
    assert session.hits == 1
    _assert_full(redis_backend, session.key)
    create_only = CreateOnlySession(token="n")
    await create_only.asave()
    redis_backend.expire(create_only.key, 10)
    assert 0 < redis_backend.ttl(create_only.key) <= 10


async def test_mark_actions_nested_calls_refresh_once(backend):
    session = Session(token="twice")
    await session.asave()
    backend.expire(session.key, 10)
    backend.config_resetstat()
    await session.amark_twice()  # sync: amark_twice=mark_twice
    assert session.hits == 2
    assert backend.info("commandstats")["cmdstat_expire"]["calls"] == 1
    _assert_full(backend, session.key)


def test_refresh_ttl_rejects_delete():
    bad = ActionGroup.DELETE | ActionGroup.READ
    with pytest.raises(InvalidRefreshTtlError):
        RedisConfig(refresh_ttl=bad)
    config = RedisConfig(refresh_ttl=ActionGroup.READ)
    with pytest.raises(InvalidRefreshTtlError):
        config.refresh_ttl = bad
    assert config.refresh_ttl == ActionGroup.READ
    with pytest.raises(InvalidRefreshTtlError):
        rapyer.init_rapyer_sync(refresh_ttl=bad)
    assert ActionGroup.all(for_ttl=True) & ActionGroup.DELETE == ActionGroup(0)
    assert not issubclass(InvalidRefreshTtlError, ModelDefinitionError)


async def _read_outcome(redis_backend, key):
    """What a get of ``key`` gives (the model's dump or the error's type) and the key's TTL."""
    try:
        outcome = (await Session.aget(key)).model_dump()
    except Exception as exc:  # the outcome compared, whichever it is
        outcome = type(exc)
    return outcome, redis_backend.ttl(key)


async def test_a_read_with_its_ttl_refresh_as_one_script_is_the_transaction(
    redis_backend, monkeypatch
):
    # read_document.lua (the fast path of _commands.document_read_args) against the MULTI/EXEC
    # it replaces: the same model or error, the same TTL afterwards
    stored = Session(token="a", hits=2)
    await stored.asave()
    redis_backend.set("Session:plain", "x")  # another Redis type
    redis_backend.execute_command("JSON.SET", "Session:bad", "$", '{"hits": "many"}')
    keys = [stored.key, "Session:missing", "Session:plain", "Session:bad"]
    outcomes = {}
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(_commands, "document_read_args", lambda commands: None)
        for key in keys:
            if redis_backend.exists(key):
                redis_backend.expire(key, 10)
            outcomes[fast, key] = await _read_outcome(redis_backend, key)
    for key in keys:
        assert outcomes[True, key] == outcomes[False, key], key
    assert outcomes[True, stored.key][0] == stored.model_dump()
    assert outcomes[True, stored.key][1] >= 98  # refreshed
    assert outcomes[True, "Session:missing"] == (KeyNotFound, -2)  # nothing created
    assert outcomes[True, "Session:plain"][0] is CantSerializeRedisValueError
    assert outcomes[True, "Session:bad"][0] is CorruptedModelError
