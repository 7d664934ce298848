"""Corrupt documents, wrong types and bad values: specific errors, stored data untouched."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

import rapyer
from rapyer.errors import (
    CantSerializeRedisValueError,
    CorruptedModelError,
    KeyNotFound,
    RapyerSerializationError,
)
from tests.models import Inventory, Pickled, User, Widget


async def test_non_object_document_cannot_be_serialized(redis_backend):
    redis_backend.execute_command("JSON.SET", "User:arr", "$", "[1, 2, 3]")
    with pytest.raises(CantSerializeRedisValueError) as info:
        await User.aget("User:arr")
    assert not isinstance(info.value, CorruptedModelError)
    with pytest.raises(CantSerializeRedisValueError):
        await rapyer.aget("User:arr")


async def test_wrong_redis_type_cannot_be_serialized(redis_backend):
    redis_backend.set("User:plain-string", "hello")
    with pytest.raises(CantSerializeRedisValueError):
        await User.aget("plain-string")
    assert redis_backend.get("User:plain-string") == "hello"


async def test_invalid_document_is_corrupted(redis_backend):
    redis_backend.execute_command("JSON.SET", "User:bad", "$", json.dumps({"age": "old"}))
    with pytest.raises(CorruptedModelError) as info:
        await User.aget("bad")
    assert info.value.key == "User:bad"
    assert {tuple(e["loc"]) for e in info.value.errors} >= {("name",), ("age",)}
    assert json.loads(redis_backend.execute_command("JSON.GET", "User:bad", ".")) == {"age": "old"}


async def test_invalid_values_never_reach_redis(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    with pytest.raises(ValidationError):
        await user.aupdate(age="abc")
    with pytest.raises(ValidationError):
        user.age = "abc"
    assert (await User.aget(user.key)).age == 1


async def test_unserializable_value_raises_and_writes_nothing(redis_backend):
    user = User(name="bad \ud800 surrogate")
    with pytest.raises(RapyerSerializationError):
        await user.asave()
    assert not await User.aexists(user.key)


async def test_safe_load_drops_bad_items_and_reports_failed_fields(redis_backend, caplog):
    doc = {"owner": "o", "counts": [1, "x", 3], "note": {"not": "a string"}}
    redis_backend.execute_command("JSON.SET", "Inventory:1", "$", json.dumps(doc))
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        inventory = await Inventory.aget("1")
    assert inventory.owner == "o"
    assert inventory.counts == [1, 3]
    assert inventory.note is None
    assert inventory.failed_fields == {"counts", "note"}
    assert "Inventory:1" in caplog.text
    stored = json.loads(redis_backend.execute_command("JSON.GET", "Inventory:1", "."))
    assert stored == doc  # loading never rewrites


async def test_safe_load_does_not_cover_other_fields(redis_backend):
    redis_backend.execute_command("JSON.SET", "Inventory:2", "$", json.dumps({"owner": 5}))
    with pytest.raises(CorruptedModelError):
        await Inventory.aget("2")


async def test_pickle_field_round_trips(redis_backend):
    model = Pickled(widget=Widget(7))
    await model.asave()
    assert (await Pickled.aget(model.key)).widget == Widget(7)


async def test_errors_are_the_documented_builtin_kinds(redis_backend):
    with pytest.raises(KeyError):
        await User.aget("missing")
    with pytest.raises(ValueError, match="Invalid rapyer key 'missing'"):
        await rapyer.aget("missing")
    with pytest.raises(KeyNotFound) as info:
        await User.aget("missing")
    assert str(info.value) == "User:missing is missing in redis"
