# GENERATED from tests/_async/test_ttl.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
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


def test_creating_writes_set_the_ttl(redis_backend):
    saved = Session(token="s")
    saved.save()
    _assert_full(redis_backend, saved.key)
    inserted = [Session(token="i"), CreateOnlySession(token="c")]
    rapyer.insert(*inserted)
    for model in inserted:
        _assert_full(redis_backend, model.key)
    result = Ticket.get_or_create(Ticket(code="t1"))
    assert result.created
    _assert_full(redis_backend, result.value.key)
    copies = saved.duplicate_many(2)
    for copy in copies:
        _assert_full(redis_backend, copy.key)
    plain = User(name="no ttl")
    plain.save()
    assert redis_backend.ttl(plain.key) == -1


def test_creating_writes_use_nx_when_the_action_does_not_refresh(redis_backend):
    model = CreateOnlySession(token="a")
    model.save()
    redis_backend.expire(model.key, 10)
    model.save()  # EXPIRE ... NX keeps the shorter TTL
    assert 0 < redis_backend.ttl(model.key) <= 10
    CreateOnlySession.insert(model)
    assert 0 < redis_backend.ttl(model.key) <= 10
    redis_backend.persist(model.key)
    CreateOnlySession.insert(model)  # never left without a TTL
    _assert_full(redis_backend, model.key)
    CreateOnlySession.get(model.key)  # reads do not refresh
    redis_backend.expire(model.key, 10)
    CreateOnlySession.get(model.key)
    CreateOnlySession.find()
    assert 0 < redis_backend.ttl(model.key) <= 10


def test_refreshing_writes_override_the_ttl(redis_backend):
    model = Session(token="a")
    model.save()
    redis_backend.expire(model.key, 10)
    Session.insert(model)
    _assert_full(redis_backend, model.key)
    redis_backend.expire(model.key, 10)
    model.update(hits=3)
    _assert_full(redis_backend, model.key)
    redis_backend.expire(model.key, 10)
    model.save()
    _assert_full(redis_backend, model.key)


def test_reads_refresh_per_action_group(redis_backend):
    session = Session(token="a")
    read_only = ReadRefreshSession(token="b")
    rapyer.insert(session, read_only)
    reads = [
        lambda key: Session.get(key),
        lambda key: Session.find(),
        lambda key: Session.find(key),
        lambda key: rapyer.find(key),
        lambda key: rapyer.get(key),
        lambda key: Session.find_one(key),
    ]
    for read in reads:
        redis_backend.expire(session.key, 10)
        read(session.key)
        _assert_full(redis_backend, session.key)
    redis_backend.expire(session.key, 10)
    assert [m.key for m in Session.iterator()] == [session.key]
    _assert_full(redis_backend, session.key)
    redis_backend.expire(read_only.key, 10)
    ReadRefreshSession.find(read_only.key)  # READ is in refresh_ttl
    _assert_full(redis_backend, read_only.key)


def test_counting_and_listing_never_refresh(redis_backend):
    session = Session(token="a")
    session.save()
    redis_backend.expire(session.key, 10)
    Session.count()
    Session.find_keys()
    Session.exists(session.key)
    assert 0 < redis_backend.ttl(session.key) <= 10


def test_get_or_create_found_refreshes_for_reads(redis_backend):
    ticket = Ticket(code="t2", owner="first")
    ticket.save()
    redis_backend.expire(ticket.key, 10)
    result = Ticket.get_or_create(Ticket(code="t2", owner="second"))
    assert not result.created and result.value.owner == "first"
    _assert_full(redis_backend, ticket.key)


def test_set_ttl_and_persist(redis_backend):
    user = User(name="no meta ttl")
    user.save()
    assert user.set_ttl(50) is None
    _assert_full(redis_backend, user.key, 50)
    user.set_ttl(None)
    assert redis_backend.ttl(user.key) == -1
    session = Session(token="x")
    session.save()
    session.set_ttl(None)
    assert redis_backend.ttl(session.key) == -1
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(NestedModelError):
        person.address.set_ttl(5)


def test_refresh_ttl(redis_backend):
    session = Session(token="x")
    session.save()
    redis_backend.expire(session.key, 10)
    session.refresh_ttl()
    _assert_full(redis_backend, session.key)
    create_only = CreateOnlySession(token="y")
    create_only.save()
    redis_backend.expire(create_only.key, 10)
    create_only.refresh_ttl()  # unconditional, even when refresh_ttl is False
    _assert_full(redis_backend, create_only.key)
    plain = User(name="p")
    plain.save()
    plain.refresh_ttl()  # no Meta.ttl: a no-op
    assert redis_backend.ttl(plain.key) == -1


def test_duplicates_get_the_full_ttl(redis_backend):
    source = CreateOnlySession(token="src")
    source.save()
    redis_backend.expire(source.key, 10)
    copy = source.duplicate()
    _assert_full(redis_backend, copy.key)
    assert 0 < redis_backend.ttl(source.key) <= 10


def test_duplicate_without_ttl_persists_the_copies(redis_backend):
    user = User(name="u")
    user.save()
    redis_backend.expire(user.key, 30)
    copy = user.duplicate()
    assert redis_backend.ttl(copy.key) == -1


def test_ttl_is_resolved_at_call_time(redis_backend):
    user = User(name="late ttl")
    rapyer.init_rapyer_sync(ttl=40)
    try:
        User.insert(user)
        _assert_full(redis_backend, user.key, 40)
    finally:
        rapyer.init_rapyer_sync(ttl=None)


def test_ttl_commands_go_into_the_pipeline(redis_backend):
    session = Session(token="p")
    with rapyer.pipeline():
        Session.insert(session)
        assert session.set_ttl(70) is None
        assert not redis_backend.exists(session.key)
    _assert_full(redis_backend, session.key, 70)
    with rapyer.pipeline():
        session.update(hits=1)  # queues the refresh EXPIRE
        session.set_ttl(None)  # the last word: no TTL
    assert redis_backend.ttl(session.key) == -1
    with rapyer.pipeline():
        session.set_ttl(30)
        session.refresh_ttl()
    _assert_full(redis_backend, session.key)


def test_mark_actions_refreshes_once_at_the_outermost_call(redis_backend):
    session = Session(token="m")
    session.save()
    redis_backend.expire(session.key, 10)
    session.mark_visit()
    assert session.hits == 1
    _assert_full(redis_backend, session.key)
    create_only = CreateOnlySession(token="n")
    create_only.save()
    redis_backend.expire(create_only.key, 10)
    assert 0 < redis_backend.ttl(create_only.key) <= 10


def test_mark_actions_nested_calls_refresh_once(backend):
    session = Session(token="twice")
    session.save()
    backend.expire(session.key, 10)
    backend.config_resetstat()
    session.mark_twice()
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


def _read_outcome(redis_backend, key):
    """What a get of ``key`` gives (the model's dump or the error's type) and the key's TTL."""
    try:
        outcome = (Session.get(key)).model_dump()
    except Exception as exc:  # the outcome compared, whichever it is
        outcome = type(exc)
    return outcome, redis_backend.ttl(key)


def test_a_read_with_its_ttl_refresh_as_one_script_is_the_transaction(
    redis_backend, monkeypatch
):
    # read_document.lua (the fast path of _commands.document_read_args) against the MULTI/EXEC
    # it replaces: the same model or error, the same TTL afterwards
    stored = Session(token="a", hits=2)
    stored.save()
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
            outcomes[fast, key] = _read_outcome(redis_backend, key)
    for key in keys:
        assert outcomes[True, key] == outcomes[False, key], key
    assert outcomes[True, stored.key][0] == stored.model_dump()
    assert outcomes[True, stored.key][1] >= 98  # refreshed
    assert outcomes[True, "Session:missing"] == (KeyNotFound, -2)  # nothing created
    assert outcomes[True, "Session:plain"][0] is CantSerializeRedisValueError
    assert outcomes[True, "Session:bad"][0] is CorruptedModelError
