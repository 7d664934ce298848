# GENERATED from tests/_async/test_crud.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Model lifecycle against the real server and fakeredis, in both APIs."""

from __future__ import annotations

import pytest

import rapyer
from rapyer.errors import BadDeleteActionError, KeyNotFound, UpdateAtomicModelError
from tests.models import Account, Address, Aliased, Box, Derived, Everything, Person, Product, User


def test_save_and_get_round_trip(redis_backend):
    user = User(name="Alice", age=30, email="alice@example.com", tags=["a", "b"])
    assert user.save() is user
    loaded = User.get(user.key)
    assert loaded == user
    assert loaded.pk == user.pk
    assert User.get(user.pk) == user  # a bare pk gets the prefix


def test_every_json_type_round_trips(redis_backend):
    model = Everything(s="x", i=5, f=1.5, b=True, n=3, raw=b"\x00\xff", tup=(1, "a"))
    model.save()
    assert Everything.get(model.key) == model


def test_global_get_resolves_the_class(redis_backend):
    user = User(name="Alice", age=30)
    product = Product(name="Laptop", price=999.99)
    user.save()
    product.save()
    assert rapyer.get(user.key) == user
    got = rapyer.get(product.key)
    assert type(got) is Product and got.price == 999.99


def test_custom_prefix_and_key_field(redis_backend):
    account = Account(account_id="a:b*c", balance=7)
    assert account.key == "acct:a:b*c"
    account.save()
    assert Account.get("a:b*c") == account
    assert rapyer.get("acct:a:b*c") == account
    assert (rapyer.get(account.key)).balance == 7


def test_missing_key_raises_key_not_found(redis_backend):
    with pytest.raises(KeyNotFound):
        User.get("nope")
    with pytest.raises(KeyError):
        rapyer.get("User:nope")
    assert rapyer.find_one("User:nope") is None


def test_unknown_prefix_and_malformed_keys(redis_backend):
    # The whole table is in test_key_errors.py; the original's contracts: KeyError, ValueError.
    with pytest.raises(KeyError):
        rapyer.get("NoSuchModel:1")
    with pytest.raises(rapyer.RapyerModelDoesntExistError):
        rapyer.get("NoSuchModel:1")
    for bad in ("no-colon", ":pk", "User:"):
        with pytest.raises(ValueError, match="Invalid rapyer key"):
            rapyer.get(bad)
        with pytest.raises(rapyer.InvalidKeyError):
            rapyer.find_one(bad)
    assert rapyer.exists("NoSuchModel:1") is False
    assert rapyer.exists("garbage") is False


def test_update_writes_only_named_fields(redis_backend):
    user = User(name="Alice", age=1)
    user.save()
    other = User.get(user.key)
    other.email = "local-only@example.com"  # never saved
    user.update(age=2)
    fresh = User.get(user.key)
    assert fresh.age == 2 and fresh.email == ""
    with pytest.raises(ValueError, match=r"User has no field\(s\) nope"):
        user.update(nope=1)
    with pytest.raises(ValueError, match="Input should be a valid integer"):
        user.update(age="not a number")
    assert (User.get(user.key)).age == 2


def test_update_rejects_nothing_when_empty(redis_backend):
    user = User(name="Alice")
    user.save()
    user.update()
    assert User.get(user.key) == user
    assert issubclass(UpdateAtomicModelError, rapyer.RapyerError)


def test_load_returns_a_new_instance(redis_backend):
    user = User(name="Alice", age=1)
    user.save()
    user.age = 99  # local change
    fresh = user.load()
    assert fresh.age == 1 and user.age == 99
    assert fresh.key == user.key


def test_delete_and_exists(redis_backend):
    user = User(name="Alice")
    user.save()
    assert User.exists(user.key) and User.exists(user.pk)
    assert rapyer.exists(user) and rapyer.exists(user.key)
    assert user.delete() is True
    assert user.delete() is False
    assert not User.exists(user)
    user.save()
    assert User.delete_by_key(user.pk) is True
    assert User.delete_by_key(user.pk) is False


def test_nested_models_are_linked(redis_backend):
    person = Person(
        name="Bob",
        address=Address(city="Paris"),
        previous=[Address(city="Rome")],
        by_label={'w.o"rk': Address(city="Oslo")},
    )
    assert person.address.key == person.key
    assert person.address.json_path == "$.address"
    assert person.previous[0].json_path == "$.previous[0]"
    assert person.by_label['w.o"rk'].json_path == "$.by_label['w.o\"rk']"
    person.save()
    person.address.city = "Lyon"
    person.address.save()  # writes only $.address
    fresh = Person.get(person.key)
    assert fresh.address.city == "Lyon" and fresh.previous[0].city == "Rome"
    assert fresh.by_label['w.o"rk'].city == "Oslo"
    loaded_address = person.address.load()
    assert loaded_address.city == "Lyon" and loaded_address.is_inner_model()
    with pytest.raises(BadDeleteActionError):
        person.address.delete()


def test_nested_update_writes_its_path(redis_backend):
    person = Person(name="Bob", address=Address(city="Paris"))
    person.save()
    person.address.zip = "75001"
    person.address.update(city="Nice")
    fresh = Person.get(person.key)
    assert fresh.address.city == "Nice"
    assert fresh.address.zip == ""  # only the named field was written


def test_inheritance_and_generics(redis_backend):
    derived = Derived(name="D", level=3)
    assert derived.key.startswith("Derived:")
    derived.save()
    assert rapyer.get(derived.key) == derived
    box = Box[int](item=5)
    assert box.key.startswith("Box[int]:")
    box.save()
    assert Box[int].get(box.key) == box
    assert rapyer.get(box.key) == box


def test_single_save_is_one_command_without_ttl(backend):
    user = User(name="Alice")
    user.save()  # warm the connection up
    backend.config_resetstat()
    user.save()
    stats = backend.info("commandstats")
    assert stats["cmdstat_json.set"]["calls"] == 1
    assert "cmdstat_multi" not in stats and "cmdstat_exec" not in stats


def test_update_is_all_or_nothing_locally(redis_backend):
    user = User(name="Alice", age=1)
    user.save()
    with pytest.raises(ValueError, match="Input should be a valid integer"):
        user.update(name="Bob", age="not a number")
    assert user.name == "Alice" and user.age == 1
    assert User.get(user.key) == user


def test_aliases_and_excluded_fields(redis_backend):
    aliased = Aliased(b=5, secret="s")
    aliased.save()
    loaded = Aliased.get(aliased.key)
    assert loaded.a == 5 and loaded.secret == "default"
    aliased.update(a=7, secret="t")  # the excluded field is assigned, never stored
    assert aliased.secret == "t"
    fresh = Aliased.get(aliased.key)
    assert fresh.a == 7 and fresh.secret == "default"


def test_shared_nested_model_is_copied_into_the_second_parent(redis_backend):
    address = Address(city="Paris")
    first = Person(name="a", address=address)
    second = Person(name="b", address=address)
    assert first.address is address
    assert second.address is not address and second.address == address
    assert first.address.root_model() is first
    assert second.address.root_model() is second
    first.save()
    second.save()
    first.address.city = "Rome"
    first.address.save()
    assert (Person.get(first.key)).address.city == "Rome"
    assert (Person.get(second.key)).address.city == "Paris"
    # assignment and list items follow the same rule; a model let go is moved, not copied
    third = Person(name="c", address=Address(city="x"), previous=[address, address])
    assert third.previous[0] is not address and third.previous[1] is not third.previous[0]
    third.address = first.address
    assert third.address is not first.address and first.address.root_model() is first
    loose = second.address
    second.address = Address(city="Oslo")
    fourth = Person(name="d", address=loose)
    assert fourth.address is loose and loose.root_model() is fourth
