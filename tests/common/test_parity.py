"""Every public async operation has its blocking twin, and no twin shadows anything."""

from __future__ import annotations

import inspect

import rapyer
from rapyer import AtomicRedisModel
from rapyer.model import AtomicRedisModel as Model

BUILTIN_METHODS = set().union(*(dir(t) for t in (list, dict, set, int, float, str, bytes)))


def _twin(name: str) -> str:
    return {"init_rapyer": "init_rapyer_sync", "teardown_rapyer": "teardown_rapyer_sync"}.get(
        name, name[1:]
    )


def _is_async(value: object) -> bool:
    """A coroutine function, an async generator function (``aiterator``), an async context
    manager function (``apipeline``), or a plain function returning one of our async objects
    (``alock`` returns an ``AsyncModelLock``)."""
    func = getattr(value, "__func__", value)
    wrapped = getattr(func, "__wrapped__", None)
    returns = getattr(func, "__annotations__", {}).get("return") if callable(func) else None
    returns_async = isinstance(returns, str) and returns.startswith("Async")
    return (
        inspect.iscoroutinefunction(func)
        or inspect.isasyncgenfunction(func)
        or inspect.isasyncgenfunction(wrapped)
        or returns_async
    )


def _async_names(obj: object) -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(obj)
        if not name.startswith("_") and _is_async(value)
    }


def test_every_async_model_method_has_a_blocking_twin() -> None:
    names = _async_names(AtomicRedisModel)
    assert {"asave", "aget", "aload", "aupdate", "adelete", "aexists", "apipeline"} <= names
    assert {"alock", "alock_from_key"} <= names
    for name in names:
        twin = getattr(AtomicRedisModel, _twin(name), None)
        assert twin is not None, f"{name} has no twin"
        assert not _is_async(twin), f"{_twin(name)} is async"
        assert inspect.signature(twin).parameters.keys() == (
            inspect.signature(getattr(AtomicRedisModel, name)).parameters.keys()
        )


def test_every_blocking_method_comes_from_an_async_source() -> None:
    async_names = _async_names(AtomicRedisModel)
    for base in Model.__mro__:
        if base.__name__.startswith("Sync") and base.__module__.startswith("rapyer._sync"):
            for name, value in vars(base).items():
                func = getattr(value, "__func__", value)
                if callable(func) and not name.startswith("_"):
                    assert "a" + name in async_names, f"{base.__name__}.{name} has no source"


def test_every_async_module_function_has_a_blocking_twin() -> None:
    for name in rapyer.__all__:
        value = getattr(rapyer, name)
        if _is_async(value):
            twin = getattr(rapyer, _twin(name), None)
            assert twin is not None and _twin(name) in rapyer.__all__, f"{name} has no twin"
            assert not _is_async(twin)


def test_mixins_share_no_method_names() -> None:
    mixins = [
        base
        for base in Model.__mro__
        if base.__module__.startswith(("rapyer._async", "rapyer._sync"))
    ]
    seen: dict[str, str] = {}
    for mixin in mixins:
        for name in vars(mixin):
            if name.startswith("__") and name.endswith("__"):
                continue
            assert name not in seen, f"{mixin.__name__}.{name} shadows {seen[name]}.{name}"
            seen[name] = mixin.__name__


def test_no_model_twin_shadows_a_builtin_container_method() -> None:
    model_methods = {n for n in dir(AtomicRedisModel) if not n.startswith("_")}
    field_like = {"append", "extend", "pop", "clear", "remove", "add", "discard", "popitem"}
    assert not (model_methods & field_like)
    assert "update" in model_methods and "update" in BUILTIN_METHODS  # documented exception
