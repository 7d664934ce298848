"""Model lifecycle against the real server and fakeredis, in both APIs."""

from __future__ import annotations

import pytest

import rapyer
from rapyer.errors import BadDeleteActionError, KeyNotFound, UpdateAtomicModelError
from tests.models import Account, Address, Aliased, Box, Derived, Everything, Person, Product, User


async def test_save_and_get_round_trip(redis_backend):
    user = User(name="Alice", age=30, email="alice@example.com", tags=["a", "b"])
    assert await user.asave() is user
    loaded = await User.aget(user.key)
    assert loaded == user
    assert loaded.pk == user.pk
    assert await User.aget(user.pk) == user  # a bare pk gets the prefix


async def test_every_json_type_round_trips(redis_backend):
    model = Everything(s="x", i=5, f=1.5, b=True, n=3, raw=b"\x00\xff", tup=(1, "a"))
    await model.asave()
    assert await Everything.aget(model.key) == model


async def test_global_get_resolves_the_class(redis_backend):
    user = User(name="Alice", age=30)
    product = Product(name="Laptop", price=999.99)
    await user.asave()
    await product.asave()
    assert await rapyer.aget(user.key) == user
    got = await rapyer.aget(product.key)
    assert type(got) is Product and got.price == 999.99


async def test_custom_prefix_and_key_field(redis_backend):
    account = Account(account_id="a:b*c", balance=7)
    assert account.key == "acct:a:b*c"
    await account.asave()
    assert await Account.aget("a:b*c") == account
    assert await rapyer.aget("acct:a:b*c") == account
    assert (await rapyer.aget(account.key)).balance == 7


async def test_missing_key_raises_key_not_found(redis_backend):
    with pytest.raises(KeyNotFound):
        await User.aget("nope")
    with pytest.raises(KeyError):
        await rapyer.aget("User:nope")
    assert await rapyer.afind_one("User:nope") is None


async def test_unknown_prefix_and_malformed_keys(redis_backend):
    # The whole table is in test_key_errors.py; the original's contracts: KeyError, ValueError.
    with pytest.raises(KeyError):
        await rapyer.aget("NoSuchModel:1")
    with pytest.raises(rapyer.RapyerModelDoesntExistError):
        await rapyer.aget("NoSuchModel:1")
    for bad in ("no-colon", ":pk", "User:"):
        with pytest.raises(ValueError, match="Invalid rapyer key"):
            await rapyer.aget(bad)
        with pytest.raises(rapyer.InvalidKeyError):
            await rapyer.afind_one(bad)
    assert await rapyer.aexists("NoSuchModel:1") is False
    assert await rapyer.aexists("garbage") is False


async def test_update_writes_only_named_fields(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    other = await User.aget(user.key)
    other.email = "local-only@example.com"  # never saved
    await user.aupdate(age=2)
    fresh = await User.aget(user.key)
    assert fresh.age == 2 and fresh.email == ""
    with pytest.raises(ValueError, match=r"User has no field\(s\) nope"):
        await user.aupdate(nope=1)
    with pytest.raises(ValueError, match="Input should be a valid integer"):
        await user.aupdate(age="not a number")
    assert (await User.aget(user.key)).age == 2


async def test_update_rejects_nothing_when_empty(redis_backend):
    user = User(name="Alice")
    await user.asave()
    await user.aupdate()
    assert await User.aget(user.key) == user
    assert issubclass(UpdateAtomicModelError, rapyer.RapyerError)


async def test_load_returns_a_new_instance(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    user.age = 99  # local change
    fresh = await user.aload()
    assert fresh.age == 1 and user.age == 99
    assert fresh.key == user.key


async def test_delete_and_exists(redis_backend):
    user = User(name="Alice")
    await user.asave()
    assert await User.aexists(user.key) and await User.aexists(user.pk)
    assert await rapyer.aexists(user) and await rapyer.aexists(user.key)
    assert await user.adelete() is True
    assert await user.adelete() is False
    assert not await User.aexists(user)
    await user.asave()
    assert await User.adelete_by_key(user.pk) is True
    assert await User.adelete_by_key(user.pk) is False


async def test_nested_models_are_linked(redis_backend):
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
    await person.asave()
    person.address.city = "Lyon"
    await person.address.asave()  # writes only $.address
    fresh = await Person.aget(person.key)
    assert fresh.address.city == "Lyon" and fresh.previous[0].city == "Rome"
    assert fresh.by_label['w.o"rk'].city == "Oslo"
    loaded_address = await person.address.aload()
    assert loaded_address.city == "Lyon" and loaded_address.is_inner_model()
    with pytest.raises(BadDeleteActionError):
        await person.address.adelete()


async def test_nested_update_writes_its_path(redis_backend):
    person = Person(name="Bob", address=Address(city="Paris"))
    await person.asave()
    person.address.zip = "75001"
    await person.address.aupdate(city="Nice")
    fresh = await Person.aget(person.key)
    assert fresh.address.city == "Nice"
    assert fresh.address.zip == ""  # only the named field was written


async def test_inheritance_and_generics(redis_backend):
    derived = Derived(name="D", level=3)
    assert derived.key.startswith("Derived:")
    await derived.asave()
    assert await rapyer.aget(derived.key) == derived
    box = Box[int](item=5)
    assert box.key.startswith("Box[int]:")
    await box.asave()
    assert await Box[int].aget(box.key) == box
    assert await rapyer.aget(box.key) == box


async def test_single_save_is_one_command_without_ttl(backend):
    user = User(name="Alice")
    await user.asave()  # warm the connection up
    backend.config_resetstat()
    await user.asave()
    stats = backend.info("commandstats")
    assert stats["cmdstat_json.set"]["calls"] == 1
    assert "cmdstat_multi" not in stats and "cmdstat_exec" not in stats


async def test_update_is_all_or_nothing_locally(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    with pytest.raises(ValueError, match="Input should be a valid integer"):
        await user.aupdate(name="Bob", age="not a number")
    assert user.name == "Alice" and user.age == 1
    assert await User.aget(user.key) == user


async def test_aliases_and_excluded_fields(redis_backend):
    aliased = Aliased(b=5, secret="s")
    await aliased.asave()
    loaded = await Aliased.aget(aliased.key)
    assert loaded.a == 5 and loaded.secret == "default"
    await aliased.aupdate(a=7, secret="t")  # the excluded field is assigned, never stored
    assert aliased.secret == "t"
    fresh = await Aliased.aget(aliased.key)
    assert fresh.a == 7 and fresh.secret == "default"


async def test_shared_nested_model_is_copied_into_the_second_parent(redis_backend):
    address = Address(city="Paris")
    first = Person(name="a", address=address)
    second = Person(name="b", address=address)
    assert first.address is address
    assert second.address is not address and second.address == address
    assert first.address.root_model() is first
    assert second.address.root_model() is second
    await first.asave()
    await second.asave()
    first.address.city = "Rome"
    await first.address.asave()
    assert (await Person.aget(first.key)).address.city == "Rome"
    assert (await Person.aget(second.key)).address.city == "Paris"
    # assignment and list items follow the same rule; a model let go is moved, not copied
    third = Person(name="c", address=Address(city="x"), previous=[address, address])
    assert third.previous[0] is not address and third.previous[1] is not third.previous[0]
    third.address = first.address
    assert third.address is not first.address and first.address.root_model() is first
    loose = second.address
    second.address = Address(city="Oslo")
    fourth = Person(name="d", address=loose)
    assert fourth.address is loose and loose.root_model() is fourth
