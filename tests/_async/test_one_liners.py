"""Operations on a value of a temporary model: the model is freed before the operation runs,
and the value still reaches its place in Redis (through the small anchors it holds)."""

from __future__ import annotations

import datetime as dt
import gc
import json
import weakref
from collections.abc import Callable
from typing import Any

import pytest

import rapyer
from rapyer.errors import RapyerError
from tests.models import Account, Forward, Holder, Later, Stash, Team, Typed, User


def document(raw, key: str) -> Any:
    """The whole stored document (read with the raw client)."""
    return json.loads(raw.execute_command("JSON.GET", key, "$"))[0]


async def on_temporary(cls, key: str, pick: Callable[[Any], tuple[Any, tuple[Any, ...]]]) -> Any:
    """Load a model, pick ``(bound method, args)`` of one of its values, free the model, then
    run the operation. A model with nested models forms a cycle with them (each knows its
    parent), so the collector frees it, as it would without the operation."""
    model = await cls.aget(key)
    ref = weakref.ref(model)
    method, args = pick(model)
    del model
    if ref() is not None:
        gc.collect()
    assert ref() is None, "the temporary model is still alive"
    return await method(*args)


def _append(doc: dict[str, Any], path: tuple[Any, ...], item: Any) -> None:
    for segment in path:
        doc = doc[segment]
    doc.append(item)  # type: ignore[attr-defined]


def _add(doc: dict[str, Any], path: tuple[Any, ...], amount: Any) -> None:
    for segment in path[:-1]:
        doc = doc[segment]
    doc[path[-1]] += amount


# (model, pick (method, args), change of the stored document, the operation's result)
CASES: dict[str, tuple[Any, Any, Any, Any]] = {
    "list append": (
        Stash(lst=[1]),
        lambda m: (m.lst.aappend, (2,)),
        lambda d: _append(d, ("lst",), 2),
        None,
    ),
    "list extend": (
        Stash(lst=[1]),
        lambda m: (m.lst.aextend, ([2, 3],)),  # sync: aextend=extend_now
        lambda d: d["lst"].extend([2, 3]),
        None,
    ),
    "list insert": (
        Stash(lst=[1]),
        lambda m: (m.lst.ainsert, (0, 0)),  # sync: ainsert=insert_now
        lambda d: d["lst"].insert(0, 0),
        None,
    ),
    "list pop": (Stash(lst=[1, 2]), lambda m: (m.lst.apop, ()), lambda d: d["lst"].pop(), 2),
    "dict set item": (
        Stash(d={"a": 1}),
        lambda m: (m.d.aset_item, ("b", 2)),
        lambda d: d["d"].update(b=2),
        None,
    ),
    "dict del item": (
        Stash(d={"a": 1, "b": 2}),
        lambda m: (m.d.adel_item, ("a",)),
        lambda d: d["d"].pop("a"),
        None,
    ),
    "dict pop": (Stash(d={"a": 1}), lambda m: (m.d.apop, ("a",)), lambda d: d["d"].pop("a"), 1),
    "int increase": (Stash(n=1), lambda m: (m.n.aincrease, (2,)), lambda d: _add(d, ("n",), 2), 3),
    "float increase": (
        Stash(f=0.5),
        lambda m: (m.f.aincrease, (1.0,)),
        lambda d: _add(d, ("f",), 1.0),
        1.5,
    ),
    "str save": (
        Stash(s="abc"),
        lambda m: (m.s.asave, ()),  # sync: asave=save_now
        lambda d: None,
        "abc",
    ),
    "str load": (
        Stash(s="abc"),
        lambda m: (m.s.aload, ()),  # sync: aload=load_now
        lambda d: None,
        "abc",
    ),
    "bytes load": (
        Typed(raw=b"\x00\x01", labels=set()),
        lambda m: (m.raw.aload, ()),  # sync: aload=load_now
        None,
        b"\x00\x01",
    ),
    "datetime load": (
        Typed(when=dt.datetime(2021, 5, 6, tzinfo=dt.timezone.utc), labels=set()),
        lambda m: (m.when.aload, ()),  # sync: aload=load_now
        None,
        dt.datetime(2021, 5, 6, tzinfo=dt.timezone.utc),
    ),
    "key field model": (
        Account(account_id="acc-1", balance=10),
        lambda m: (m.balance.aincrease, (-3,)),
        lambda d: _add(d, ("balance",), -3),
        7,
    ),
    "nested model: list": (
        Holder(inner={"city": "x"}, stash=Stash(lst=[1])),
        lambda m: (m.stash.lst.aappend, (5,)),
        lambda d: _append(d, ("stash", "lst"), 5),
        None,
    ),
    "nested model: int": (
        Holder(inner={"city": "x"}, stash=Stash(n=1)),
        lambda m: (m.stash.n.aincrease, (4,)),
        lambda d: _add(d, ("stash", "n"), 4),
        5,
    ),
    "nested model: str": (
        Holder(inner={"city": "x"}),
        lambda m: (m.inner.city.aload, ()),  # sync: aload=load_now
        lambda d: None,
        "x",
    ),
    "model in a list: int": (
        Forward(items=[Later(x=1), Later(x=2)]),
        lambda m: (m.items[1].x.aincrease, (10,)),
        lambda d: _add(d, ("items", 1, "x"), 10),
        12,
    ),
    "container in a container": (
        Typed(grid=[{"a": [1]}], labels=set()),
        lambda m: (m.grid[0]["a"].aappend, (2,)),
        lambda d: _append(d, ("grid", 0, "a"), 2),
        None,
    ),
    "item of a container in a container": (
        Typed(grid=[{"a": [1, 2]}], labels=set()),
        lambda m: (m.grid[0]["a"][1].aincrease, (5,)),
        lambda d: _add(d, ("grid", 0, "a", 1), 5),
        7,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_an_operation_on_a_temporary_models_value(case, redis_backend):
    model, pick, change, result = CASES[case]
    model = model.model_copy(deep=True)
    await model.asave()
    key = model.key
    expected = document(redis_backend, key)
    if change is not None:
        change(expected)
    got = await on_temporary(type(model), key, pick)
    if result is not None:
        assert got == result
    assert document(redis_backend, key) == expected  # exactly this change, nothing else


async def test_set_and_queue_fields_of_a_temporary_model(redis_backend):
    stash = Stash(tags={"a"})
    await stash.asave()
    await on_temporary(Stash, stash.key, lambda m: (m.tags.aadd, ("b",)))
    await on_temporary(Stash, stash.key, lambda m: (m.tags.aremove, ("a",)))
    assert (await Stash.aget(stash.key)).tags == {"b"}
    team = Team()
    await team.asave()
    await on_temporary(Team, team.key, lambda m: (m.crew.skills.aadd, ("go",)))
    assert (await Team.aget(team.key)).crew.skills == {"go"}
    typed = Typed(labels=set())
    await typed.asave()
    await on_temporary(Typed, typed.key, lambda m: (m.queue.apush, ("job", 1)))
    assert await on_temporary(Typed, typed.key, lambda m: (m.queue.apeek, ())) == "job"
    assert await (await Typed.aget(typed.key)).queue.asize() == 1


async def test_the_one_liners_as_written(real_redis):
    user = User(name="one", age=1)
    await user.asave()
    key = user.key
    del user
    await (await User.aget(key)).tags.aappend("x")
    assert await (await User.aget(key)).age.aincrease(1) == 2
    assert document(real_redis, key) == {"name": "one", "age": 2, "email": "", "tags": ["x"]}


async def test_the_local_model_is_still_updated_while_it_lives(real_redis):
    stash = Stash(lst=[1], n=1)
    await stash.asave()
    await stash.lst.aappend(2)
    await stash.n.aincrease(1)
    assert stash.lst == [1, 2] and stash.n == 2
    assert document(real_redis, stash.key)["lst"] == [1, 2]


async def test_a_kept_value_follows_a_key_change_of_its_model(real_redis):
    stash = Stash(lst=[1])
    await stash.asave()
    model = await Stash.aget(stash.key)
    values = model.lst
    model.pk = "moved"
    await model.asave()
    del model
    await values.aappend(2)
    assert document(real_redis, "Stash:moved")["lst"] == [1, 2]
    assert document(real_redis, stash.key)["lst"] == [1]


async def test_a_kept_value_of_a_nested_model_follows_its_root(real_redis):
    holder = Holder(inner={"city": "x"}, stash=Stash(lst=[1]))
    await holder.asave()
    model = await Holder.aget(holder.key)
    values = model.stash.lst
    model.pk = "moved"
    await model.asave()
    ref = weakref.ref(model)
    del model
    gc.collect()  # a model and its nested models form a cycle
    assert ref() is None
    await values.aappend(2)
    assert document(real_redis, "Holder:moved")["stash"]["lst"] == [1, 2]
    assert document(real_redis, holder.key)["stash"]["lst"] == [1]


async def test_values_of_a_temporary_model_in_a_pipeline(real_redis):
    stash = Stash(lst=[1], d={})
    await stash.asave()
    values = (await Stash.aget(stash.key)).lst
    mapping = (await Stash.aget(stash.key)).d
    async with rapyer.apipeline():
        values.append(2)
        mapping["k"] = 3
        await values.aappend(4)
        assert document(real_redis, stash.key)["lst"] == [1]  # queued, not sent
    assert document(real_redis, stash.key) == {**document(real_redis, stash.key), "lst": [1, 2, 4]}
    assert document(real_redis, stash.key)["d"] == {"k": 3}


async def test_a_value_taken_from_a_locked_model(real_redis):
    stash = Stash(lst=[1])
    await stash.asave()
    async with Stash.alock_from_key(stash.key) as locked:
        values = locked.lst
        await values.aappend(2)
    ref = weakref.ref(locked)
    del locked
    assert ref() is None
    await values.aappend(3)
    assert document(real_redis, stash.key)["lst"] == [1, 2, 3]


async def test_a_model_never_stored_still_refuses(real_redis):
    values = Stash(lst=[1]).lst  # the model had no key yet and is gone
    with pytest.raises(RapyerError, match="no longer exists"):
        await values.aappend(2)
