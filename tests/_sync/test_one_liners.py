# GENERATED from tests/_async/test_one_liners.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
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


def on_temporary(cls, key: str, pick: Callable[[Any], tuple[Any, tuple[Any, ...]]]) -> Any:
    """Load a model, pick ``(bound method, args)`` of one of its values, free the model, then
    run the operation. A model with nested models forms a cycle with them (each knows its
    parent), so the collector frees it, as it would without the operation."""
    model = cls.get(key)
    ref = weakref.ref(model)
    method, args = pick(model)
    del model
    if ref() is not None:
        gc.collect()
    assert ref() is None, "the temporary model is still alive"
    return method(*args)


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
        lambda m: (m.lst.append_now, (2,)),
        lambda d: _append(d, ("lst",), 2),
        None,
    ),
    "list extend": (
        Stash(lst=[1]),
        lambda m: (m.lst.extend_now, ([2, 3],)),
        lambda d: d["lst"].extend([2, 3]),
        None,
    ),
    "list insert": (
        Stash(lst=[1]),
        lambda m: (m.lst.insert_now, (0, 0)),
        lambda d: d["lst"].insert(0, 0),
        None,
    ),
    "list pop": (Stash(lst=[1, 2]), lambda m: (m.lst.pop_now, ()), lambda d: d["lst"].pop(), 2),
    "dict set item": (
        Stash(d={"a": 1}),
        lambda m: (m.d.set_item_now, ("b", 2)),
        lambda d: d["d"].update(b=2),
        None,
    ),
    "dict del item": (
        Stash(d={"a": 1, "b": 2}),
        lambda m: (m.d.del_item_now, ("a",)),
        lambda d: d["d"].pop("a"),
        None,
    ),
    "dict pop": (Stash(d={"a": 1}), lambda m: (m.d.pop_now, ("a",)), lambda d: d["d"].pop("a"), 1),
    "int increase": (Stash(n=1), lambda m: (m.n.increase_now, (2,)), lambda d: _add(d, ("n",), 2), 3),
    "float increase": (
        Stash(f=0.5),
        lambda m: (m.f.increase_now, (1.0,)),
        lambda d: _add(d, ("f",), 1.0),
        1.5,
    ),
    "str save": (
        Stash(s="abc"),
        lambda m: (m.s.save_now, ()),
        lambda d: None,
        "abc",
    ),
    "str load": (
        Stash(s="abc"),
        lambda m: (m.s.load_now, ()),
        lambda d: None,
        "abc",
    ),
    "bytes load": (
        Typed(raw=b"\x00\x01", labels=set()),
        lambda m: (m.raw.load_now, ()),
        None,
        b"\x00\x01",
    ),
    "datetime load": (
        Typed(when=dt.datetime(2021, 5, 6, tzinfo=dt.timezone.utc), labels=set()),
        lambda m: (m.when.load_now, ()),
        None,
        dt.datetime(2021, 5, 6, tzinfo=dt.timezone.utc),
    ),
    "key field model": (
        Account(account_id="acc-1", balance=10),
        lambda m: (m.balance.increase_now, (-3,)),
        lambda d: _add(d, ("balance",), -3),
        7,
    ),
    "nested model: list": (
        Holder(inner={"city": "x"}, stash=Stash(lst=[1])),
        lambda m: (m.stash.lst.append_now, (5,)),
        lambda d: _append(d, ("stash", "lst"), 5),
        None,
    ),
    "nested model: int": (
        Holder(inner={"city": "x"}, stash=Stash(n=1)),
        lambda m: (m.stash.n.increase_now, (4,)),
        lambda d: _add(d, ("stash", "n"), 4),
        5,
    ),
    "nested model: str": (
        Holder(inner={"city": "x"}),
        lambda m: (m.inner.city.load_now, ()),
        lambda d: None,
        "x",
    ),
    "model in a list: int": (
        Forward(items=[Later(x=1), Later(x=2)]),
        lambda m: (m.items[1].x.increase_now, (10,)),
        lambda d: _add(d, ("items", 1, "x"), 10),
        12,
    ),
    "container in a container": (
        Typed(grid=[{"a": [1]}], labels=set()),
        lambda m: (m.grid[0]["a"].append_now, (2,)),
        lambda d: _append(d, ("grid", 0, "a"), 2),
        None,
    ),
    "item of a container in a container": (
        Typed(grid=[{"a": [1, 2]}], labels=set()),
        lambda m: (m.grid[0]["a"][1].increase_now, (5,)),
        lambda d: _add(d, ("grid", 0, "a", 1), 5),
        7,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_operation_on_a_temporary_models_value(case, redis_backend):
    model, pick, change, result = CASES[case]
    model = model.model_copy(deep=True)
    model.save()
    key = model.key
    expected = document(redis_backend, key)
    if change is not None:
        change(expected)
    got = on_temporary(type(model), key, pick)
    if result is not None:
        assert got == result
    assert document(redis_backend, key) == expected  # exactly this change, nothing else


def test_set_and_queue_fields_of_a_temporary_model(redis_backend):
    stash = Stash(tags={"a"})
    stash.save()
    on_temporary(Stash, stash.key, lambda m: (m.tags.add_now, ("b",)))
    on_temporary(Stash, stash.key, lambda m: (m.tags.remove_now, ("a",)))
    assert (Stash.get(stash.key)).tags == {"b"}
    team = Team()
    team.save()
    on_temporary(Team, team.key, lambda m: (m.crew.skills.add_now, ("go",)))
    assert (Team.get(team.key)).crew.skills == {"go"}
    typed = Typed(labels=set())
    typed.save()
    on_temporary(Typed, typed.key, lambda m: (m.queue.push_now, ("job", 1)))
    assert on_temporary(Typed, typed.key, lambda m: (m.queue.peek_now, ())) == "job"
    assert (Typed.get(typed.key)).queue.size_now() == 1


def test_the_one_liners_as_written(real_redis):
    user = User(name="one", age=1)
    user.save()
    key = user.key
    del user
    (User.get(key)).tags.append_now("x")
    assert (User.get(key)).age.increase_now(1) == 2
    assert document(real_redis, key) == {"name": "one", "age": 2, "email": "", "tags": ["x"]}


def test_the_local_model_is_still_updated_while_it_lives(real_redis):
    stash = Stash(lst=[1], n=1)
    stash.save()
    stash.lst.append_now(2)
    stash.n.increase_now(1)
    assert stash.lst == [1, 2] and stash.n == 2
    assert document(real_redis, stash.key)["lst"] == [1, 2]


def test_a_kept_value_follows_a_key_change_of_its_model(real_redis):
    stash = Stash(lst=[1])
    stash.save()
    model = Stash.get(stash.key)
    values = model.lst
    model.pk = "moved"
    model.save()
    del model
    values.append_now(2)
    assert document(real_redis, "Stash:moved")["lst"] == [1, 2]
    assert document(real_redis, stash.key)["lst"] == [1]


def test_a_kept_value_of_a_nested_model_follows_its_root(real_redis):
    holder = Holder(inner={"city": "x"}, stash=Stash(lst=[1]))
    holder.save()
    model = Holder.get(holder.key)
    values = model.stash.lst
    model.pk = "moved"
    model.save()
    ref = weakref.ref(model)
    del model
    gc.collect()  # a model and its nested models form a cycle
    assert ref() is None
    values.append_now(2)
    assert document(real_redis, "Holder:moved")["stash"]["lst"] == [1, 2]
    assert document(real_redis, holder.key)["stash"]["lst"] == [1]


def test_values_of_a_temporary_model_in_a_pipeline(real_redis):
    stash = Stash(lst=[1], d={})
    stash.save()
    values = (Stash.get(stash.key)).lst
    mapping = (Stash.get(stash.key)).d
    with rapyer.pipeline():
        values.append(2)
        mapping["k"] = 3
        values.append_now(4)
        assert document(real_redis, stash.key)["lst"] == [1]  # queued, not sent
    assert document(real_redis, stash.key) == {**document(real_redis, stash.key), "lst": [1, 2, 4]}
    assert document(real_redis, stash.key)["d"] == {"k": 3}


def test_a_value_taken_from_a_locked_model(real_redis):
    stash = Stash(lst=[1])
    stash.save()
    with Stash.lock_from_key(stash.key) as locked:
        values = locked.lst
        values.append_now(2)
    ref = weakref.ref(locked)
    del locked
    assert ref() is None
    values.append_now(3)
    assert document(real_redis, stash.key)["lst"] == [1, 2, 3]


def test_a_model_never_stored_still_refuses(real_redis):
    values = Stash(lst=[1]).lst  # the model had no key yet and is gone
    with pytest.raises(RapyerError, match="no longer exists"):
        values.append_now(2)
