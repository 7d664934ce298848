"""Parity of the field layer: every public async operation of a Redis field type has its
blocking ``*_now`` twin (and vice versa), and no twin shadows a builtin method."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

import rapyer.types as rt

TYPES = [rt.ForeignKey, *(getattr(rt, name) for name in rt.__all__ if name.startswith("Redis"))]
BUILTIN_METHODS = {
    name for cls in (list, dict, set, int, float, str, bytes, dt.datetime) for name in dir(cls)
}


def async_ops(cls: type) -> set[str]:
    return {
        name
        for name in dir(cls)
        if name.startswith("a")
        and not name.startswith("__")
        and inspect.iscoroutinefunction(getattr(cls, name))
    }


def sync_ops(cls: type) -> set[str]:
    return {
        name
        for name in dir(cls)
        if name.endswith("_now") and callable(getattr(cls, name)) and not name.startswith("_")
    }


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_every_async_operation_has_a_now_twin(cls: type) -> None:
    asyncs = async_ops(cls)
    syncs = sync_ops(cls)
    assert asyncs, f"{cls.__name__} has no async operations"
    assert {name[1:] + "_now" for name in asyncs} == syncs
    for name in syncs:
        method = getattr(cls, name)
        assert not inspect.iscoroutinefunction(method), name
        twin = getattr(cls, "a" + name[: -len("_now")])
        assert list(inspect.signature(method).parameters) == list(
            inspect.signature(twin).parameters
        ), name


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_no_twin_shadows_a_builtin_method(cls: type) -> None:
    assert not (sync_ops(cls) & BUILTIN_METHODS)
    assert not (async_ops(cls) & BUILTIN_METHODS)
    for base in (list, dict, set, int, float, str, bytes, dt.datetime):
        if issubclass(cls, base):
            # the builtin names keep their local meaning: they are not coroutines
            for name in dir(base):
                if not name.startswith("_"):
                    assert not inspect.iscoroutinefunction(getattr(cls, name)), name


def test_expected_operations_exist() -> None:
    expected = {
        rt.RedisInt: {"aincrease", "asave", "aload"},
        rt.RedisFloat: {"aincrease", "asave", "aload"},
        rt.RedisList: {"aappend", "aextend", "ainsert", "apop", "aclear", "aremove_range"},
        rt.RedisDict: {"aset_item", "adel_item", "aupdate", "aclear", "apop", "apopitem"},
        rt.RedisSet: {
            "aadd",
            "aadd_many",
            "aremove",
            "apop",
            "aclear",
            "acontains",
            "amembers",
            "asize",
            "aunion",
            "aintersect",
            "adifference",
        },
        rt.RedisPriorityQueue: {
            "apush",
            "apush_many",
            "apop",
            "apeek",
            "asize",
            "aitems",
            "aremove",
            "aclear",
        },
    }
    expected[rt.ForeignKey] = {"afetch", "aunload"}
    for cls, names in expected.items():
        assert names <= async_ops(cls), cls.__name__
