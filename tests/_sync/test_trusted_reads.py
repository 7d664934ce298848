# GENERATED from tests/_async/test_trusted_reads.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
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
def test_trusted_reads_give_the_models_of_regular_reads(backend, models):
    backend.flushdb()
    User.insert(*models)
    regular = User.find()
    trusted = User.find(trusted=True)
    assert _by_key(trusted) == _by_key(regular)
    assert _private(trusted) == _private(regular)
    streamed = [m for m in User.iterator(batch_size=3, trusted=True)]
    assert _by_key(streamed) == _by_key(regular)
    keys = [m.key for m in models]
    assert User.find(*keys, trusted=True) == User.find(*keys)
    assert rapyer.find(*keys, trusted=True) == rapyer.find(*keys)


def test_trusted_reads_by_keys_keep_order_and_report_missing_keys(backend):
    users_ = [User(name=f"u{i}", age=i, tags=["a"]) for i in range(5)]
    User.insert(*users_)
    keys = [users_[3].key, users_[0].key, users_[3].key]
    assert User.find(*keys, trusted=True) == [users_[3], users_[0], users_[3]]
    with pytest.raises(KeyNotFound):
        User.find(users_[1].key, "User:nope", trusted=True)
    found = User.find(users_[1].key, "User:nope", skip_missing=True, trusted=True)
    assert found == [users_[1]]
    assert found[0].tags == ["a"] and type(found[0].tags).__name__.startswith("RedisList")


def test_a_trusted_model_saves_only_what_changed_and_keeps_atomic_operations(backend):
    user = User(name="ann", age=1, tags=["a"])
    user.save()
    [loaded] = User.find(user.key, trusted=True)
    loaded.tags.append_now("b")  # a wired Redis list
    assert User.get(user.key) == User(name="ann", age=1, tags=["a", "b"])
    other = User.get(user.key)
    other.age.increase_now(5)  # a concurrent change of another field
    loaded.name = "bob"
    loaded.save()
    stored = User.get(user.key)
    assert (stored.name, stored.age, list(stored.tags)) == ("bob", 6, ["a", "b"])


def test_meta_trusted_reads_is_the_default_and_the_argument_wins(backend):
    models = [TrustedUser(name=f"t{i}", score=i, tags=["x"]) for i in range(4)]
    TrustedUser.insert(*models)
    assert _by_key(TrustedUser.find()) == _by_key(models)
    assert _by_key(TrustedUser.find(trusted=False)) == _by_key(models)
    # a float written as an int by someone else is a float for both kinds of reads
    backend.execute_command("JSON.SET", models[0].key, "$.score", "7")
    [trusted] = TrustedUser.find(models[0].key)
    [regular] = TrustedUser.find(models[0].key, trusted=False)
    assert trusted == regular and type(trusted.__dict__["score"]) is float
    assert trusted.score == 7.0


def test_documents_the_plan_does_not_take_load_regularly(backend, caplog):
    users_ = [User(name=f"u{i}", age=i) for i in range(3)]
    User.insert(*users_)
    # an older version of the document (no tags), and an invalid one
    backend.execute_command("JSON.DEL", users_[0].key, "$.tags")
    backend.execute_command("JSON.SET", users_[1].key, "$.age", json.dumps("old"))
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        found = _by_key(User.find(trusted=True))
    assert found == _by_key(User.find())
    assert found[users_[0].key].tags == []
    assert users_[1].key not in found  # skipped with a WARNING, as a regular read does
    assert any(users_[1].key in record.getMessage() for record in caplog.records)


def test_the_read_script_loads_itself_after_a_script_flush(backend):
    User.insert(User(name="a"), User(name="b"))
    assert len(User.find(trusted=True)) == 2
    backend.script_flush()
    assert len(User.find(trusted=True)) == 2
    backend.script_flush()
    Session.insert(Session(token="t"))
    assert len(Session.find(trusted=True)) == 1  # with the TTL refresh in one MULTI


def test_trusted_reads_refresh_the_ttl_as_regular_reads(backend):
    session = Session(token="t")
    session.save()
    backend.expire(session.key, 10)
    [found] = Session.find(session.key, trusted=True)
    assert found == session
    assert backend.ttl(session.key) > 50


def test_models_the_plan_does_not_take_read_regularly(backend):
    person = Person(name="p", address={"city": "x"}, previous=[{"city": "y"}])
    account = Account(account_id="a1", balance=3)
    rapyer.insert(person, account)
    assert Person.find(trusted=True) == [person]  # models in a list: regular load
    assert Account.find("a1", trusted=True) == [account]  # a Key field: trusted


def test_trusted_reads_of_expressions(backend):
    places = [Place(city="Paris", floor=i) for i in range(3)] + [Place(city="Rome")]
    Place.insert(*places)
    trusted = Place.find(Place.city == "Paris", trusted=True)
    assert _by_key(trusted) == _by_key(Place.find(Place.city == "Paris"))
    assert _by_key(trusted) == _by_key(places[:3])
    streamed = [m for m in Place.iterator(Place.city == "Rome", trusted=True)]
    assert streamed == [places[3]]
