"""Trusted reads against the server: ``trusted=True`` and ``Meta.trusted_reads`` give the same
models as regular reads (one joined reply per batch, ``rapyer/_lua/read_docs.lua``)."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rapyer
from rapyer.errors import KeyNotFound
from tests.models import Account, Person, Place, Session, TrustedUser, User

texts = st.text(max_size=10)
users = st.builds(
    User,
    name=texts,
    age=st.integers(min_value=-(2**53), max_value=2**53),
    email=texts,
    tags=st.lists(texts, max_size=3),
)


def _by_key(models):
    return {m.key: m for m in models}


def _private(models):
    return {m.key: (m._rapyer_pk, m._rapyer_stored) for m in models}


@given(models=st.lists(users, max_size=12))
async def test_trusted_reads_give_the_models_of_regular_reads(backend, models):
    backend.flushdb()
    await User.ainsert(*models)
    regular = await User.afind()
    trusted = await User.afind(trusted=True)
    assert _by_key(trusted) == _by_key(regular)
    assert _private(trusted) == _private(regular)
    streamed = [m async for m in User.aiterator(batch_size=3, trusted=True)]
    assert _by_key(streamed) == _by_key(regular)
    keys = [m.key for m in models]
    assert await User.afind(*keys, trusted=True) == await User.afind(*keys)
    assert await rapyer.afind(*keys, trusted=True) == await rapyer.afind(*keys)


async def test_trusted_reads_by_keys_keep_order_and_report_missing_keys(backend):
    users_ = [User(name=f"u{i}", age=i, tags=["a"]) for i in range(5)]
    await User.ainsert(*users_)
    keys = [users_[3].key, users_[0].key, users_[3].key]
    assert await User.afind(*keys, trusted=True) == [users_[3], users_[0], users_[3]]
    with pytest.raises(KeyNotFound):
        await User.afind(users_[1].key, "User:nope", trusted=True)
    found = await User.afind(users_[1].key, "User:nope", skip_missing=True, trusted=True)
    assert found == [users_[1]]
    assert found[0].tags == ["a"] and type(found[0].tags).__name__.startswith("RedisList")


async def test_a_trusted_model_saves_only_what_changed_and_keeps_atomic_operations(backend):
    user = User(name="ann", age=1, tags=["a"])
    await user.asave()
    [loaded] = await User.afind(user.key, trusted=True)
    await loaded.tags.aappend("b")  # a wired Redis list
    assert await User.aget(user.key) == User(name="ann", age=1, tags=["a", "b"])
    other = await User.aget(user.key)
    await other.age.aincrease(5)  # a concurrent change of another field
    loaded.name = "bob"
    await loaded.asave()
    stored = await User.aget(user.key)
    assert (stored.name, stored.age, list(stored.tags)) == ("bob", 6, ["a", "b"])


async def test_meta_trusted_reads_is_the_default_and_the_argument_wins(backend):
    models = [TrustedUser(name=f"t{i}", score=i, tags=["x"]) for i in range(4)]
    await TrustedUser.ainsert(*models)
    assert _by_key(await TrustedUser.afind()) == _by_key(models)
    assert _by_key(await TrustedUser.afind(trusted=False)) == _by_key(models)
    # a float written as an int by someone else is a float for both kinds of reads
    backend.execute_command("JSON.SET", models[0].key, "$.score", "7")
    [trusted] = await TrustedUser.afind(models[0].key)
    [regular] = await TrustedUser.afind(models[0].key, trusted=False)
    assert trusted == regular and type(trusted.__dict__["score"]) is float
    assert trusted.score == 7.0


async def test_documents_the_plan_does_not_take_load_regularly(backend, caplog):
    users_ = [User(name=f"u{i}", age=i) for i in range(3)]
    await User.ainsert(*users_)
    # an older version of the document (no tags), and an invalid one
    backend.execute_command("JSON.DEL", users_[0].key, "$.tags")
    backend.execute_command("JSON.SET", users_[1].key, "$.age", json.dumps("old"))
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        found = _by_key(await User.afind(trusted=True))
    assert found == _by_key(await User.afind())
    assert found[users_[0].key].tags == []
    assert users_[1].key not in found  # skipped with a WARNING, as a regular read does
    assert any(users_[1].key in record.getMessage() for record in caplog.records)


async def test_the_read_script_loads_itself_after_a_script_flush(backend):
    await User.ainsert(User(name="a"), User(name="b"))
    assert len(await User.afind(trusted=True)) == 2
    backend.script_flush()
    assert len(await User.afind(trusted=True)) == 2
    backend.script_flush()
    await Session.ainsert(Session(token="t"))
    assert len(await Session.afind(trusted=True)) == 1  # with the TTL refresh in one MULTI


async def test_trusted_reads_refresh_the_ttl_as_regular_reads(backend):
    session = Session(token="t")
    await session.asave()
    backend.expire(session.key, 10)
    [found] = await Session.afind(session.key, trusted=True)
    assert found == session
    assert backend.ttl(session.key) > 50


async def test_models_the_plan_does_not_take_read_regularly(backend):
    person = Person(name="p", address={"city": "x"}, previous=[{"city": "y"}])
    account = Account(account_id="a1", balance=3)
    await rapyer.ainsert(person, account)
    assert await Person.afind(trusted=True) == [person]  # models in a list: regular load
    assert await Account.afind("a1", trusted=True) == [account]  # a Key field: trusted


async def test_trusted_reads_of_expressions(backend):
    places = [Place(city="Paris", floor=i) for i in range(3)] + [Place(city="Rome")]
    await Place.ainsert(*places)
    trusted = await Place.afind(Place.city == "Paris", trusted=True)
    assert _by_key(trusted) == _by_key(await Place.afind(Place.city == "Paris"))
    assert _by_key(trusted) == _by_key(places[:3])
    streamed = [m async for m in Place.aiterator(Place.city == "Rome", trusted=True)]
    assert streamed == [places[3]]
