"""Client binding: one configured source (a URL or a client object) per model class (no I/O).

A ``Binding`` names where a class's commands go; the clients talking to it are derived and
kept by the I/O seam (``rapyer._clients``: an async client per event loop, a sync client per
process), in the binding's ``async_clients`` / ``sync_clients`` slots.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from rapyer import config as _config

DEFAULT_URL = "redis://localhost:6379/0"


class Binding:
    """One configured source; the I/O seam keeps the clients derived from it."""

    __slots__ = ("async_clients", "is_cluster", "lock", "source", "sync_clients")

    def __init__(self, source: str | Any):
        self.source = source
        self.is_cluster = is_cluster_source(source)  # rapyer._async.cluster sends its commands
        self.lock = threading.Lock()
        self.async_clients: Any = None  # rapyer._clients.AsyncClients, on first use
        self.sync_clients: Any = None  # rapyer._clients.SyncClients, on first use

    def __repr__(self) -> str:
        return f"Binding({self.source!r})"


CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")
_CLUSTER_CLASSES = {("redis.cluster", "RedisCluster"), ("redis.asyncio.cluster", "RedisCluster")}


def is_cluster_source(source: Any) -> bool:
    """Whether a binding source names a Redis Cluster: a ``redis+cluster://`` /
    ``rediss+cluster://`` URL, or a redis-py cluster client (sync or async, or a subclass)."""
    if isinstance(source, str):
        return source.startswith(CLUSTER_SCHEMES)
    return any((c.__module__, c.__name__) in _CLUSTER_CLASSES for c in type(source).__mro__)


_bindings: dict[Any, Binding] = {}
_bindings_lock = threading.Lock()


def binding_for(source: str | Any) -> Binding:
    """The Binding of a URL or a client object (one per distinct source)."""
    cache_key: Any = source if isinstance(source, str) else ("obj", id(source))
    binding = _bindings.get(cache_key)
    if binding is not None and (isinstance(source, str) or binding.source is source):
        return binding
    with _bindings_lock:
        binding = _bindings.get(cache_key)
        if binding is None or binding.source is not source and not isinstance(source, str):
            binding = Binding(source)
            _bindings[cache_key] = binding
        return binding


def default_source(configured: str | Any | None) -> str | Any:
    """``configured``, else the ``REDIS_URL`` environment variable, else localhost."""
    if configured is not None:
        return configured
    return os.environ.get("REDIS_URL") or DEFAULT_URL


# Binding of each class whose Meta.redis resolves to a value, with the config generation it was
# resolved in (a class falling back to REDIS_URL is resolved at each call).
_class_bindings: dict[type, tuple[int, Binding]] = {}


def binding_of(cls: type) -> Binding:
    """The binding of a model class now: its resolved ``Meta.redis``, else the default."""
    generation = _config.generation()
    cached = _class_bindings.get(cls)
    if cached is not None and cached[0] == generation:
        return cached[1]
    configured = _config.resolve(cls, "redis")
    binding = binding_for(default_source(configured))
    if configured is not None:
        _class_bindings[cls] = (generation, binding)
    return binding


def default_binding() -> Binding:
    """The binding of the ``init_rapyer`` default (else ``REDIS_URL``, else localhost)."""
    return binding_for(default_source(_config.init_default("redis")))


def all_bindings() -> list[Binding]:
    with _bindings_lock:
        return list(_bindings.values())
