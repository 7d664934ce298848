"""Public behaviours of the original rapyer 1.3 that its users rely on, in both APIs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import BaseModel

import rapyer
from rapyer import _io_async as io
from rapyer._binding import binding_of
from rapyer._query import FieldProxy
from rapyer._reserved import FieldNameWarning
from rapyer.errors import (
    KeyNotFound,
    MissingParameterError,
    UnsupportedArgumentTypeError,
    UnsupportedArgumentValueError,
)
from rapyer.fields import RapyerKey
from rapyer.types import RedisDatetime, RedisInt, RedisStr
from tests.original_format import (
    RESERVED_WARNINGS,
    OrigAddress,
    OrigContainers,
    OrigIntKey,
    OrigLookalike,
    OrigPerson,
    OrigReserved,
    OrigUnsetRedis,
)


async def test_redis_datetime_constructs_from_a_datetime(redis_backend):
    moment = dt.datetime(2021, 3, 4, 5, 6, 7, 8, tzinfo=dt.timezone.utc)
    wrapped = RedisDatetime(moment)
    assert type(wrapped) is RedisDatetime and wrapped == moment
    model = OrigContainers(moments=[moment])
    await model.asave()
    loaded = await OrigContainers.aget(model.key)
    assert loaded.moments[0] == moment and isinstance(loaded.moments[0], RedisDatetime)


async def test_class_members_of_the_original(redis_backend):
    assert OrigContainers.init_class() is None  # a no-op kept for compatibility
    assert OrigContainers.class_key_initials() == "OrigContainers"
    assert OrigContainers.index_name() == "idx:OrigContainers"


async def test_key_is_a_rapyer_key_and_pk_keeps_its_type(redis_backend):
    model = OrigIntKey(ident=42, label="x")
    assert type(model.key) is RapyerKey and model.key == "OrigIntKey:42"
    assert model.pk == 42 and type(model.pk) is int
    await model.asave()
    loaded = await OrigIntKey.aget("42")
    assert loaded.pk == 42 and loaded.label == "x"
    assert type(loaded.key) is RapyerKey
    assert (await OrigIntKey.afind(loaded.key))[0].pk == 42
    assert await rapyer.adelete_many(model) is not None
    assert not redis_backend.exists("OrigIntKey:42")


async def test_field_values_have_the_redis_property(redis_backend):
    model = OrigContainers(nums=[1])
    assert model.nums.redis is io.client(binding_of(OrigContainers))
    assert model.nums[0].redis is io.client(binding_of(OrigContainers))


async def test_iterating_yields_redis_typed_linked_items(redis_backend):
    model = OrigContainers(nums=[1, 2], scores={"a": 1}, names=["x"])
    await model.asave()
    items = list(model.nums)
    assert [type(item) for item in items] == [RedisInt, RedisInt]
    assert [type(item) for item in model.names] == [RedisStr]
    assert [type(v) for v in model.scores.values()] == [RedisInt]
    assert [(k, type(v)) for k, v in model.scores.items()] == [("a", RedisInt)]
    assert len(model.scores.values()) == 1
    assert await items[1].aincrease(5) == 7  # the iterated item knows its path
    (score,) = model.scores.values()
    assert await score.aincrease(2) == 3
    loaded = await OrigContainers.aget(model.key)
    assert loaded.nums == [1, 7] and loaded.scores == {"a": 3}
    assert model.nums.clone() == [1, 7] and type(model.nums.clone()) is list


async def test_meta_redis_none_means_unset(redis_backend):
    model = OrigUnsetRedis(n=3)
    await model.asave()
    assert redis_backend.exists(model.key)  # the init_rapyer default, not localhost
    assert (await OrigUnsetRedis.aget(model.key)).n == 3
    OrigUnsetRedis.Meta.redis = None  # assigned again, as a fixture restoring it would
    assert (await OrigUnsetRedis.aget(model.key)).n == 3


async def test_delete_results_are_pydantic_models(redis_backend):
    model = OrigContainers()
    await model.asave()
    result = await rapyer.adelete_many(model.key)
    assert isinstance(result, BaseModel) and isinstance(result, rapyer.RapyerDeleteResult)
    assert result.model_dump()["models_deleted"] == 1
    assert result.by_model == {OrigContainers: 1}
    other = OrigContainers()
    await other.asave()
    class_result = await OrigContainers.adelete_many(other)
    assert isinstance(class_result, BaseModel)
    assert class_result.model_dump() == {
        "models_deleted": 1,
        "keys_deleted": 1,
        "was_committed": True,
    }


async def test_argument_errors_keep_the_original_messages(redis_backend):
    with pytest.raises(
        MissingParameterError, match="^adelete_many requires at least one argument$"
    ):
        await rapyer.adelete_many()
    with pytest.raises(
        UnsupportedArgumentTypeError, match="^adelete_many requires at least one argument$"
    ):
        await OrigContainers.adelete_many()
    with pytest.raises(
        UnsupportedArgumentTypeError,
        match="^Cannot mix expressions with keys or model instances in adelete_many$",
    ):
        await OrigIntKey.adelete_many("1", OrigIntKey.score == 1)
    with pytest.raises(UnsupportedArgumentTypeError, match="^3 is not a valid for adelete_many$"):
        await OrigContainers.adelete_many(3)
    with pytest.raises(UnsupportedArgumentTypeError, match="^3 is not a valid for adelete_many$"):
        await rapyer.adelete_many(3)
    with pytest.raises(UnsupportedArgumentValueError, match="^max_results must be >= 0, got -1$"):
        await OrigContainers.afind(max_results=-1)


async def test_field_path_has_a_leading_dot(redis_backend):
    person = OrigPerson(previous=[OrigAddress(city="a")], by_label={"home": OrigAddress()})
    assert person.field_path == ""
    assert person.address.field_path == ".address"
    assert person.address.city.field_path == ".address.city"
    assert person.previous[0].field_path == ".previous[0]"
    assert person.previous[0].city.field_path == ".previous[0].city"
    model = OrigContainers(nums=[1, 2])
    assert model.nums.field_path == ".nums"
    assert model.nums[1].field_path == ".nums[1]"
    assert model.nums.json_path == "$.nums"


async def test_nested_plain_models_become_linked_redis_models(redis_backend):
    person = OrigPerson(previous=[OrigAddress(city="a")], by_label={"home": OrigAddress()})
    await person.asave()
    for nested in (person.address, person.previous[0], person.by_label["home"]):
        assert isinstance(nested, OrigAddress) and isinstance(nested, rapyer.AtomicRedisModel)
    person.address.city = "Paris"
    await person.address.asave()
    person.previous[0].city = "Rome"
    await person.previous[0].asave()
    person.by_label["home"].zip = "123"
    await person.by_label["home"].asave()
    loaded = await OrigPerson.aget(person.key)
    assert loaded.address.city == "Paris"
    assert loaded.previous[0].city == "Rome"
    assert loaded.by_label["home"].zip == "123"
    assert (await loaded.address.aload()).city == "Paris"


async def test_a_model_field_accepts_another_model_with_the_same_fields(redis_backend):
    person = OrigPerson(address=OrigLookalike(city="Oslo"), previous=[OrigLookalike(zip="9")])
    assert isinstance(person.address, OrigAddress) and person.address.city == "Oslo"
    assert isinstance(person.previous[0], OrigAddress) and person.previous[0].zip == "9"
    person.address = OrigLookalike(city="Bergen")
    assert isinstance(person.address, OrigAddress)
    await person.asave()
    assert (await OrigPerson.aget(person.key)).address.city == "Bergen"


async def test_model_dump_json_is_ordinary_pydantic_output(redis_backend):
    person = OrigPerson(raw=b"hi", seen=dt.datetime(2021, 1, 2, 3, 4, 5))
    dumped = person.model_dump(mode="json")
    assert dumped["raw"] == "hi"  # pydantic's own bytes form
    assert dumped["seen"] == "2021-01-02T03:04:05"  # ISO, not epoch seconds
    assert json.loads(person.model_dump_json())["seen"] == "2021-01-02T03:04:05"
    stored = person.redis_dump()  # rapyer's storage form
    assert stored["raw"] == "aGk=" and stored["seen"] == 1609556645.0
    await person.asave()
    loaded = await OrigPerson.aget(person.key)
    assert loaded.raw == b"hi" and loaded.seen == dt.datetime(2021, 1, 2, 3, 4, 5)


async def test_handled_error_in_a_joined_pipeline_keeps_the_outer_writes(redis_backend):
    model = OrigContainers(nums=[1])
    await model.asave()
    async with rapyer.apipeline():
        model.nums.append(2)
        try:
            async with rapyer.apipeline(use_existing_pipe=True):
                model.nums.append(3)
                raise ValueError("handled")
        except ValueError:
            pass
        model.nums.append(4)
    assert (await OrigContainers.aget(model.key)).nums == [1, 2, 4]
    async with model.apipeline() as fresh:
        fresh.nums.append(5)
        try:
            async with model.apipeline(use_existing_pipe=True) as inner:
                inner.nums.append(6)
                raise ValueError("handled")
        except ValueError:
            pass
    assert (await OrigContainers.aget(model.key)).nums == [1, 2, 4, 5]


def test_a_field_hiding_an_instance_method_warns_once_by_name():
    messages = sorted(str(w.message) for w in RESERVED_WARNINGS)
    assert all(w.category is FieldNameWarning for w in RESERVED_WARNINGS)
    assert messages == [
        f"Field OrigReserved.{name} hides the method {name}() on OrigReserved instances; "
        f"a{name}() keeps working (or rename the field)"
        for name in ("delete", "lock", "save", "update")
    ]  # class-level names (find, count, get) are never hidden, and pydantic stays quiet


async def test_class_methods_are_never_hidden_by_fields(redis_backend):
    models = [OrigReserved(find=i, count=10 - i, get="x", save=i) for i in range(3)]
    await OrigReserved.ainsert(*models)
    found = sorted(await OrigReserved.afind(), key=lambda m: int(m.find))
    assert [int(m.save) for m in found] == [0, 1, 2]
    assert await OrigReserved.acount() == 3
    one = await OrigReserved.aget(models[1].key)
    assert one.find == 1 and one.get == "x"
    assert isinstance(OrigReserved.field("find"), FieldProxy)
    with pytest.raises(AttributeError):
        OrigReserved.field("nope")


async def test_query_proxies_of_colliding_fields(backend):
    await OrigReserved.ainsert(*(OrigReserved(find=i, count=i * 2) for i in range(4)))
    found = await OrigReserved.afind(OrigReserved.field("find") >= 2)
    assert sorted(int(m.find) for m in found) == [2, 3]
    assert await OrigReserved.acount(OrigReserved.field("count") == 2) == 1


async def test_init_without_a_client_does_no_io(backend):
    OrigIntKey.Meta.redis = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        await rapyer.init_rapyer(ttl=None)  # no client given: no I/O, so no ConnectionError
    finally:
        OrigIntKey.Meta.redis = None  # unset again: the init_rapyer default
    await rapyer.ainsert(OrigIntKey(ident=5, score=3))
    found = await OrigIntKey.afind(OrigIntKey.score == 3)  # the first query prepares the index
    assert [model.pk for model in found] == [5]


async def test_the_deliberate_differences_from_the_original(redis_backend):
    moment = dt.datetime(2022, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    model = OrigContainers(nums=[1, 2], scores={"a": 1}, moments=[moment])
    await model.asave()
    assert await model.scores.apopitem() == ("a", 1)  # (key, value), like dict.popitem
    unsaved = OrigContainers(nums=[1])
    with pytest.raises(KeyNotFound):  # not None: None is also a valid stored value
        await unsaved.nums.aload()  # sync: aload=load_now
    loaded = await OrigContainers.aget(model.key)
    stored_items = list(list.__iter__(loaded.nums)) + list(list.__iter__(loaded.moments))
    assert [type(item) for item in stored_items] == [int, int, dt.datetime]  # declared types
    assert stored_items[2] == moment
    assert type(loaded.nums[0]) is RedisInt  # read through [] as a Redis value
