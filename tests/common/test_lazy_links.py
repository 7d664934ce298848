"""Field values are linked to their model on first read, not when the model is built (no I/O)."""

from __future__ import annotations

import gc
import weakref
from typing import Annotated, Optional

import pytest
from pydantic import Field, ValidationError

from rapyer import AtomicRedisModel, _codec
from rapyer._query import FieldProxy
from rapyer.types import RedisFloat, RedisInt, RedisList, RedisStr


class LazyUser(AtomicRedisModel):
    name: str
    age: int
    tags: list[str] = []
    note: Optional[str] = None


class LazyChild(LazyUser):
    extra: int = 0


class LazyOverride(LazyUser):
    age: int = 5  # a subclass default for an inherited field


DOC = '{"name":"n","age":3,"tags":["a","b"],"note":null}'


def test_loading_links_nothing_and_a_read_links_the_value() -> None:
    model = _codec.load_model(LazyUser, DOC, "LazyUser:1")
    stored = model.__dict__
    assert all(getattr(v, "_rapyer_link", None) is None for v in stored.values())
    age = model.age
    assert isinstance(age, RedisInt) and age._rapyer_link is not None
    assert age.json_path == "$.age" and age.key == "LazyUser:1"
    tags = model.tags
    assert isinstance(tags, RedisList) and tags.json_path == "$.tags"
    assert tags[1].json_path == "$.tags[1]"


def test_fields_are_no_class_attributes_and_subclasses_keep_their_fields() -> None:
    # On the class, a field name is the query proxy of rapyer._query, never the field's value.
    assert isinstance(LazyUser.name, FieldProxy)
    assert list(LazyChild.model_fields) == ["name", "age", "tags", "note", "extra"]
    assert LazyOverride(name="x").age == 5 and LazyOverride(name="x").name == "x"
    child = LazyChild(name="c", age=1, extra=2)
    assert isinstance(child.name, RedisStr) and child.name.json_path == "$.name"
    assert child.model_dump() == {"name": "c", "age": 1, "tags": [], "note": None, "extra": 2}


def test_assignment_deletion_and_missing_fields_behave_as_in_pydantic() -> None:
    model = LazyUser(name="a", age=1)
    model.name = "b"
    assert model.name == "b" and model.name._rapyer_link[0]() is model
    model.note = "x"
    assert model.note.json_path == "$.note"
    built = LazyUser.model_construct(name="only")
    with pytest.raises(AttributeError):
        _ = built.age


def test_a_value_taken_over_by_another_model_is_relinked_explicitly() -> None:
    first = _codec.load_model(LazyUser, DOC, "LazyUser:1")
    second = _codec.load_model(LazyUser, DOC, "LazyUser:2")
    value = first.age
    second.__dict__["age"] = value
    second._rapyer_link_fields()
    assert value.key == "LazyUser:2"


def test_a_read_value_does_not_keep_its_model_alive() -> None:
    model = _codec.load_model(LazyUser, DOC, "LazyUser:1")
    tags = model.tags
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None and tags._rapyer_link[0]() is None


class Constrained(AtomicRedisModel):
    code: Annotated[str, Field(max_length=3)] = "abc"
    ratio: float = 0.5


def test_scalar_fields_stay_plain_until_read_and_keep_their_constraints() -> None:
    model = _codec.load_model(LazyUser, DOC, "LazyUser:1")
    assert type(model.__dict__["name"]) is str and type(model.__dict__["age"]) is int
    name = model.name
    assert type(name) is RedisStr and model.__dict__["name"] is name and model.name is name
    assert model == _codec.load_model(LazyUser, DOC, "LazyUser:1")
    with pytest.raises(ValidationError):
        Constrained(code="abcd")
    item = Constrained(ratio=1)
    assert type(item.ratio) is RedisFloat and item.ratio == 1.0
    with pytest.raises(ValidationError):
        item.code = "long"
    assert Constrained.model_json_schema()["properties"]["code"]["maxLength"] == 3


def test_dict_of_a_model_gives_redis_values() -> None:
    model = _codec.load_model(LazyUser, DOC, "LazyUser:1")
    values = dict(model)
    assert type(values["name"]) is RedisStr and values["age"].json_path == "$.age"
    assert values == {"name": "n", "age": 3, "tags": ["a", "b"], "note": None}
