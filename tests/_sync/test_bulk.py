# GENERATED from tests/_async/test_bulk.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Bulk insert, find (keys and scans), count, iterate, delete many, duplicate."""

from __future__ import annotations

import json
import logging

import pytest

import rapyer
from rapyer._sync import bulk as bulk_module
from rapyer._query import Expression
from rapyer.errors import (
    BadDeleteActionError,
    CantSerializeRedisValueError,
    CorruptedModelError,
    KeyNotFound,
    MissingParameterError,
    NestedModelError,
    RapyerModelDoesntExistError,
    RapyerSerializationError,
    UnsupportedArgumentTypeError,
    UnsupportedArgumentValueError,
)
from rapyer.fields import RapyerKey
from rapyer.results import DeleteResult, RapyerDeleteResult
from tests.models import (
    Account,
    Address,
    Aliased,
    Box,
    Derived,
    Elsewhere,
    Everything,
    Order,
    Person,
    Product,
    User,
)


class Filter(Expression):
    """A stand-in query expression."""

    def __init__(self, name: str) -> None:
        self.name = name


class FakeSearch:
    """Records the calls the expression mode delegates to the query module."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def find(self, cls, expressions, max_results=None, offset=0, sort_by=None):
        self.calls.append(("find", cls, list(expressions), max_results, offset, sort_by))
        return ["found"]

    def count(self, cls, expressions):
        self.calls.append(("count", cls, list(expressions)))
        return 42

    def iterate(self, cls, expressions, batch_size=None, sort_by=None):
        self.calls.append(("iterate", cls, list(expressions), batch_size, sort_by))
        items = ["x", "y"]
        while items:
            yield items.pop(0)

    def delete_many(self, cls, expressions):
        self.calls.append(("delete_many", cls, list(expressions)))
        return DeleteResult(models_deleted=3, keys_deleted=3)


def _by_key(models):
    return {m.key: m for m in models}


def test_insert_returns_models_and_stores_them(redis_backend):
    users = [User(name=f"u{i}", age=i) for i in range(5)]
    product = Product(name="Laptop", price=999.5)
    result = rapyer.insert(*users, product)
    assert result == [*users, product]
    assert isinstance(result, list)
    assert User.get(users[3].key) == users[3]
    assert Product.get(product.key) == product
    more = [User(name="x"), User(name="y")]
    assert User.insert(*more) == more
    assert User.insert() == []
    assert rapyer.insert() == []


def test_insert_overwrites_and_last_wins(redis_backend):
    account = Account(account_id="a1", balance=1)
    account.save()
    first = Account(account_id="a2", balance=1)
    second = Account(account_id="a2", balance=2)
    Account.insert(Account(account_id="a1", balance=5), first, second)
    assert (Account.get("a1")).balance == 5
    assert (Account.get("a2")).balance == 2


def test_insert_rejects_bad_arguments_before_sending(redis_backend):
    user = User(name="ok")
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(UnsupportedArgumentTypeError):
        rapyer.insert(user, "not a model")
    with pytest.raises(UnsupportedArgumentTypeError):
        User.insert(user, Product(name="p", price=1.0))
    with pytest.raises(NestedModelError):
        rapyer.insert(user, person.address)
    with pytest.raises(TypeError):  # UnsupportedArgumentTypeError is a TypeError
        User.insert(5)
    assert User.find() == []  # nothing was sent


def test_class_find_all_and_by_keys(redis_backend):
    users = [User(name=f"u{i}", age=i) for i in range(7)]
    User.insert(*users)
    Product(name="other", price=1.0).save()
    found = User.find()
    assert _by_key(found) == _by_key(users)
    picked = User.find(users[4].key, users[1].pk, RapyerKey(users[6].key))
    assert picked == [users[4], users[1], users[6]]
    assert User.find(users[2].key, users[2].key) == [users[2], users[2]]
    assert User.find(*[u.key for u in users], offset=2, max_results=3) == users[2:5]
    assert len(User.find(max_results=3)) == 3
    assert len(User.find(offset=5)) == 2
    assert User.find(max_results=0) == []
    with pytest.raises(KeyNotFound):
        User.find(users[0].key, "missing")
    assert User.find(users[0].key, "missing", skip_missing=True) == [users[0]]


def test_find_by_keys_in_chunks(redis_backend):
    users = [User(name=f"u{i}") for i in range(25)]
    User.insert(*users)
    old = User.Meta.batch_size
    User.Meta.batch_size = 4
    try:
        assert User.find(*[u.key for u in users]) == users
        assert rapyer.find(*[u.key for u in users]) == users
        assert _by_key(User.find()) == _by_key(users)
        streamed = [m for m in User.iterator()]
        assert _by_key(streamed) == _by_key(users)
    finally:
        User.Meta.batch_size = old


def test_find_one_and_find_keys_and_count(redis_backend):
    assert User.find_one() is None
    assert User.count() == 0
    users = [User(name=f"u{i}") for i in range(4)]
    User.insert(*users)
    redis_backend.set(f"{users[0].key}/default:lock", "token")  # a lock key is never listed
    assert User.find_one(users[2].key) == users[2]
    assert User.find_one("missing") is None
    assert (User.find_one()) in users
    keys = User.find_keys()
    assert sorted(keys) == sorted(u.key for u in users)
    assert all(isinstance(k, RapyerKey) for k in keys)
    assert len(User.find_keys(max_results=2)) == 2
    assert User.find_keys(max_results=0) == []
    assert User.count() == 4
    assert len(User.find()) == 4


def test_generic_and_custom_prefixes_are_scanned(redis_backend):
    boxes = [Box[int](item=i) for i in range(3)]
    rapyer.insert(*boxes)
    accounts = [Account(account_id=f"a*{i}", balance=i) for i in range(3)]
    Account.insert(*accounts)
    assert _by_key(Box[int].find()) == _by_key(boxes)
    assert Box[int].count() == 3
    assert _by_key(Account.find()) == _by_key(accounts)
    assert Account.find("a*1") == [accounts[1]]


def test_iterator_streams_keys_and_scans(redis_backend):
    users = [User(name=f"u{i}") for i in range(10)]
    User.insert(*users)
    streamed = [m for m in User.iterator(batch_size=3)]
    assert _by_key(streamed) == _by_key(users)
    by_keys = [m for m in User.iterator(users[5].key, users[0].pk, batch_size=1)]
    assert by_keys == [users[5], users[0]]
    with pytest.raises(KeyNotFound):
        for _ in User.iterator("missing"):
            pass
    with pytest.raises(UnsupportedArgumentValueError):
        for _ in User.iterator(batch_size=-1):
            pass


def test_global_find(redis_backend):
    user = User(name="Alice")
    order = Order(user_id=user.key, total=150.0)
    product = Product(name="Laptop", price=999.99)
    rapyer.insert(user, order, product)
    models = rapyer.find(product.key, user.key, order.key, user.key)
    assert models == [product, user, order, user]
    assert [type(m) for m in models] == [Product, User, Order, User]
    assert rapyer.find() == []
    with pytest.raises(KeyNotFound):
        rapyer.find(user.key, "User:missing")
    assert rapyer.find("User:missing", user.key, skip_missing=True) == [user]
    for bad in ("Nope:1", "no-colon", "User:", 5):
        with pytest.raises(RapyerModelDoesntExistError):
            rapyer.find(user.key, bad)
    assert rapyer.RapyerModelDoesntExist is RapyerModelDoesntExistError


def test_global_find_checks_prefixes_before_io(backend):
    user = User(name="Alice")
    user.save()
    backend.config_resetstat()
    with pytest.raises(RapyerModelDoesntExistError):
        rapyer.find(user.key, "Unknown:1")
    assert "cmdstat_json.mget" not in backend.info("commandstats")


def test_find_argument_errors(redis_backend):
    with pytest.raises(UnsupportedArgumentTypeError):
        User.find(5)
    with pytest.raises(UnsupportedArgumentTypeError):
        User.find(User(name="x"))
    with pytest.raises(UnsupportedArgumentValueError):
        User.find("k", Filter("a"))
    with pytest.raises(UnsupportedArgumentValueError):
        User.find(max_results=-1)
    with pytest.raises(UnsupportedArgumentValueError):
        User.find(offset=-1)
    with pytest.raises(UnsupportedArgumentValueError):
        User.find("k", sort_by="age")
    with pytest.raises(UnsupportedArgumentTypeError):
        User.count("key")
    with pytest.raises(UnsupportedArgumentValueError):
        User.find_keys(max_results=-2)


def test_expressions_are_delegated_to_the_query_module(redis_backend, monkeypatch):
    fake = FakeSearch()
    monkeypatch.setattr(bulk_module, "search", fake)
    a, b = Filter("a"), Filter("b")
    assert User.find(a, b, max_results=5, offset=1) == ["found"]
    assert User.find(sort_by="-age") == ["found"]
    assert User.find_one(a) == "found"
    assert User.count(a) == 42
    assert [m for m in User.iterator(a, batch_size=7)] == ["x", "y"]
    result = User.delete_many(a, b)
    assert result.models_deleted == 3
    assert fake.calls == [
        ("find", User, [a, b], 5, 1, None),
        ("find", User, [], None, 0, "-age"),
        ("find", User, [a], 1, 0, None),
        ("count", User, [a]),
        ("iterate", User, [a], 7, None),
        ("delete_many", User, [a, b]),
    ]


def test_corrupt_documents_are_skipped_in_bulk_reads(redis_backend, caplog):
    users = [User(name=f"u{i}", age=i) for i in range(4)]
    User.insert(*users)
    bad_key = "User:corrupt"
    redis_backend.execute_command("JSON.SET", bad_key, "$", '{"name": 5, "age": "x"}')
    redis_backend.set(f"{users[1].key}/default:lock", "token")
    keys = [users[0].key, bad_key, users[1].key, users[2].key]
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        assert _by_key(User.find()) == _by_key(users)
        assert User.find(*keys) == [users[0], users[1], users[2]]
        assert rapyer.find(*keys) == [users[0], users[1], users[2]]
        streamed = [m for m in User.iterator(batch_size=2)]
    assert _by_key(streamed) == _by_key(users)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and all(bad_key in r.getMessage() for r in warnings)
    with pytest.raises(CorruptedModelError):
        User.get(bad_key)
    redis_backend.execute_command("JSON.SET", "User:array", "$", "[1, 2]")
    with pytest.raises(CantSerializeRedisValueError):
        User.find("User:array")


def test_non_json_keys_are_skipped_by_scans(backend):
    user = User(name="Alice")
    user.save()
    backend.set("User:plain-string", "x")
    backend.sadd("User:a-set", "x")
    assert User.find() == [user]
    assert [m for m in User.iterator()] == [user]
    with pytest.raises(KeyNotFound):  # wrong-type keys count as missing
        User.find("User:plain-string")


def test_scans_never_use_keys(backend):
    User.insert(*[User(name=f"u{i}") for i in range(20)])
    backend.config_resetstat()
    assert len(User.find()) == 20
    assert len(User.find_keys()) == 20
    assert User.count() == 20
    stats = backend.info("commandstats")
    assert "cmdstat_keys" not in stats
    assert stats["cmdstat_scan"]["calls"] >= 3


def test_one_round_trip_per_batch(backend):
    users = [User(name=f"u{i}") for i in range(10)]
    User.insert(*users)
    backend.config_resetstat()
    User.insert(*users)
    stats = backend.info("commandstats")
    assert stats["cmdstat_multi"]["calls"] == 1 and stats["cmdstat_exec"]["calls"] == 1
    backend.config_resetstat()
    assert User.find(*[u.key for u in users]) == users
    stats = backend.info("commandstats")
    assert stats["cmdstat_json.mget"]["calls"] == 1
    assert "cmdstat_multi" not in stats  # a single command needs no MULTI


def test_class_delete_many(redis_backend):
    users = [User(name=f"u{i}") for i in range(6)]
    User.insert(*users)
    result = User.delete_many(users[0], users[1].key, users[2].pk, "User:missing")
    assert isinstance(result, DeleteResult)
    assert (result.models_deleted, result.keys_deleted, result.was_committed) == (3, 3, True)
    with pytest.warns(DeprecationWarning):
        assert result.count == 3
    assert _by_key(User.find()) == _by_key(users[3:])
    with pytest.raises(UnsupportedArgumentTypeError):
        User.delete_many()
    with pytest.raises(UnsupportedArgumentTypeError):
        User.delete_many(5)
    with pytest.raises(UnsupportedArgumentTypeError):
        User.delete_many(users[3], Filter("a"))
    with pytest.raises(UnsupportedArgumentTypeError):
        User.delete_many(Product(name="p", price=1.0))
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(BadDeleteActionError):
        Address.delete_many(person.address)


def test_delete_many_in_batches(redis_backend):
    users = [User(name=f"u{i}") for i in range(7)]
    User.insert(*users)
    old = User.Meta.max_delete_per_transaction
    User.Meta.max_delete_per_transaction = 2
    try:
        result = User.delete_many(*users, *[u.key for u in users[:2]])
    finally:
        User.Meta.max_delete_per_transaction = old
    assert (result.models_deleted, result.keys_deleted) == (7, 7)
    assert User.count() == 0


def test_delete_many_in_batches_sends_one_multi_each(backend):
    users = [User(name=f"u{i}") for i in range(7)]
    User.insert(*users)
    old = User.Meta.max_delete_per_transaction
    User.Meta.max_delete_per_transaction = 3
    backend.config_resetstat()
    try:
        result = User.delete_many(*users)
    finally:
        User.Meta.max_delete_per_transaction = old
    assert result.models_deleted == 7
    assert backend.info("commandstats")["cmdstat_del"]["calls"] == 3


def test_global_delete_many(redis_backend):
    user, product = User(name="u"), Product(name="p", price=1.0)
    order = Order(user_id=user.key)
    rapyer.insert(user, product, order)
    result = rapyer.delete_many(user.key, product, order.key, "User:missing")
    assert isinstance(result, RapyerDeleteResult)
    assert result.models_deleted == 3 and result.keys_deleted == 3
    assert result.by_model == {User: 1, Product: 1, Order: 1}
    assert not rapyer.exists(user.key)
    with pytest.raises(MissingParameterError):
        rapyer.delete_many()
    with pytest.raises(RapyerModelDoesntExistError):
        rapyer.delete_many("Unknown:1")
    with pytest.raises(UnsupportedArgumentTypeError):
        rapyer.delete_many(5)
    with pytest.raises(UnsupportedArgumentTypeError):
        rapyer.delete_many(Filter("a"))


def test_writes_are_queued_inside_a_pipeline(redis_backend):
    users = [User(name=f"u{i}") for i in range(3)]
    User.insert(*users[:1])
    with rapyer.pipeline():
        assert User.insert(*users[1:]) == users[1:]
        result = User.delete_many(users[0])
        assert (result.models_deleted, result.keys_deleted, result.was_committed) == (1, 1, False)
        global_result = rapyer.delete_many("User:missing")
        assert (global_result.models_deleted, global_result.was_committed) == (1, False)
        assert User.count() == 1  # nothing sent yet; reads run at once
        assert (Account.get_or_create(Account(account_id="now"))).created  # runs at once
        assert redis_backend.exists("acct:now")
    assert _by_key(User.find()) == _by_key(users[1:])


def insert_then_fail(user):
    with rapyer.pipeline():
        rapyer.insert(user)
        raise RuntimeError("boom")


def test_a_failing_pipeline_sends_nothing(redis_backend):
    user = User(name="never")
    with pytest.raises(RuntimeError):
        insert_then_fail(user)
    assert not redis_backend.exists(user.key)


def test_duplicate(redis_backend):
    user = User(name="Alice", age=3, tags=["a"])
    user.save()
    user.age = 99  # local only: copies come from the stored state
    copy = user.duplicate()
    assert copy.key != user.key and copy.age == 3 and copy.tags == ["a"]
    assert User.get(copy.key) == copy
    copies = user.duplicate_many(3)
    assert len({c.key for c in copies}) == 3
    assert all(c.age == 3 for c in copies)
    assert User.count() == 5
    assert user.duplicate_many(0) == []
    with pytest.raises(UnsupportedArgumentValueError):
        user.duplicate_many(-1)
    with pytest.raises(UnsupportedArgumentValueError):
        Account(account_id="k").duplicate()
    with pytest.raises(KeyNotFound):
        User(name="never saved").duplicate()
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(NestedModelError):
        person.address.duplicate()


def test_serialization_errors_are_raised_before_sending(redis_backend):
    user = User(name="kept out")
    with pytest.raises(RapyerSerializationError):
        rapyer.insert(user, Everything(anything=object()))
    assert not redis_backend.exists(user.key)


def test_models_of_several_bindings(backend):
    import fakeredis

    other = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    Elsewhere.Meta.redis = other
    user = User(name="here")
    remote = [Elsewhere(note="there"), Elsewhere(note="too")]
    rapyer.insert(user, remote[0], remote[1])
    assert backend.exists(user.key) and not backend.exists(remote[0].key)
    assert other.exists(remote[0].key, remote[1].key) == 2
    keys = [remote[1].key, user.key, remote[0].key]
    assert rapyer.find(*keys) == [remote[1], user, remote[0]]
    assert _by_key(Elsewhere.find()) == _by_key(remote)
    result = rapyer.delete_many(*keys)
    assert result.by_model == {Elsewhere: 2, User: 1}
    assert other.exists(remote[0].key) == 0 and not backend.exists(user.key)


def test_find_one_fetches_only_what_it_needs(backend):
    User.insert(*[User(name=f"u{i}") for i in range(50)])
    backend.config_resetstat()
    assert User.find_one() is not None
    assert len(User.find(max_results=3, offset=2)) == 3
    stats = backend.info("commandstats")
    assert stats["cmdstat_json.mget"]["calls"] == 2
    assert stats["cmdstat_scan"]["calls"] == 2  # one SCAN reply covers 50 keys


def test_bulk_fast_paths_keep_the_general_behaviour(redis_backend):
    # One class without special fields takes the per-class paths; these are their edges.
    users = [User(name=f"u{i}") for i in range(3)]
    derived = Derived(name="d")
    accounts = [Account(account_id=f"a{i}") for i in range(2)]
    rapyer.insert(*users, derived, *accounts)
    assert Account.find("a0", "acct:a1") == accounts
    assert rapyer.find(*[a.key for a in accounts]) == accounts
    with pytest.raises(KeyNotFound, match="User:absent"):
        rapyer.find(users[0].key, "User:absent", "User:absent-too")
    assert rapyer.find(users[0].key, "User:absent", skip_missing=True) == users[:1]
    # Keys, models of the class and of a subclass, mixed.
    result = User.delete_many(users[0], users[1].key, derived)
    assert (result.models_deleted, result.keys_deleted) == (3, 3)
    result = rapyer.delete_many(users[2], accounts[0], accounts[1].key)
    assert result.by_model == {User: 1, Account: 2}
    assert User.count() == 0 and Account.count() == 0
    result = rapyer.delete_many(users[2].key, users[2])
    assert result.by_model == {User: 0} and result.models_deleted == 0
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(BadDeleteActionError):
        Address.delete_many(Address(city="x"), person.address)
    with pytest.raises(BadDeleteActionError):
        rapyer.delete_many(Address(city="x"), person.address)
    with pytest.raises(NestedModelError):
        Address.insert(Address(city="x"), person.address)


def test_bulk_insert_and_find_store_fields_by_name(redis_backend):
    models = [Aliased(b=i, secret="s") for i in range(3)]
    Aliased.insert(*models)
    rapyer.insert(*models)
    stored = json.loads(redis_backend.execute_command("JSON.GET", models[0].key, "."))
    assert stored == {"a": 0}
    found = Aliased.find(*[m.key for m in models])
    assert [m.a for m in found] == [0, 1, 2] and {m.secret for m in found} == {"default"}
    assert sorted(m.a for m in Aliased.find()) == [0, 1, 2]


def test_bulk_reads_leave_the_garbage_collector_as_it_was(redis_backend):
    import gc

    users = [User(name=f"u{i}") for i in range(3)]
    User.insert(*users)
    redis_backend.execute_command("JSON.SET", "User:array", "$", "[1, 2]")
    assert gc.isenabled()
    assert len(User.find(*[u.key for u in users])) == 3
    assert gc.isenabled()
    with pytest.raises(CantSerializeRedisValueError):
        User.find(users[0].key, "User:array")
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(rapyer.find(*[u.key for u in users])) == 3
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_find_one_with_keys_reads_only_what_it_returns(redis_backend):
    user = User(name="first")
    user.save()
    assert User.find_one(user.key, "User:missing") == user
    assert User.find(user.pk, "missing", max_results=1) == [user]
    assert User.find_one("missing", user.pk) is None
    with pytest.raises(KeyNotFound):
        User.find(user.pk, "missing")
    assert User.find("missing", user.pk, skip_missing=True, max_results=1) == [user]
