"""Client binding: one configured source (URL or client) -> the clients rapyer uses.

From one binding rapyer derives an async client per event loop (kept weakly by loop) and one
sync client per process, all with ``decode_responses=True``. A client object given by the user
serves its own kind (an async client on the loop where it is first used); other kinds and loops
get siblings built from its connection settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import weakref
from typing import Any

import redis
import redis.asyncio as aredis

from rapyer import config as _config
from rapyer._cluster_clients import is_cluster_source, new_cluster_client

DEFAULT_URL = "redis://localhost:6379/0"

# The pid of this process, updated in a forked child (saves a getpid syscall per sync call).
_current_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _current_pid
    _current_pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

_SIBLING_KWARGS = (
    "host",
    "port",
    "db",
    "username",
    "password",
    "socket_timeout",
    "socket_connect_timeout",
    "socket_keepalive",
    "client_name",
    "credential_provider",
    "protocol",
    "health_check_interval",
    "retry_on_timeout",
    "socket_keepalive_options",
    "encoding",
    "encoding_errors",
)


def _is_fake(client: Any) -> bool:
    return type(client).__module__.startswith("fakeredis")


def _is_async_client(client: Any) -> bool:
    return isinstance(client, aredis.Redis)


def _sibling(client: Any, want_async: bool) -> Any:
    """A new client of the wanted kind talking to the same server as ``client``."""
    pool_kwargs = dict(client.connection_pool.connection_kwargs)
    if _is_fake(client):
        import fakeredis

        fake_cls = fakeredis.FakeAsyncRedis if want_async else fakeredis.FakeRedis
        fake_kwargs = {
            k: pool_kwargs[k] for k in ("version", "server_type", "lua_modules") if k in pool_kwargs
        }
        return fake_cls(server=pool_kwargs.get("server"), decode_responses=True, **fake_kwargs)
    kwargs = {k: pool_kwargs[k] for k in _SIBLING_KWARGS if pool_kwargs.get(k) is not None}
    conn_name = client.connection_pool.connection_class.__name__
    if conn_name == "UnixDomainSocketConnection":
        kwargs.pop("host", None)
        kwargs.pop("port", None)
        kwargs["unix_socket_path"] = pool_kwargs.get("path")
    elif conn_name == "SSLConnection":
        kwargs["ssl"] = True
        for name, value in pool_kwargs.items():
            if name.startswith("ssl_") and value is not None:
                kwargs[name] = value
    max_connections = getattr(client.connection_pool, "max_connections", None)
    if max_connections is not None and max_connections < 2**31:
        kwargs["max_connections"] = max_connections
    cls = aredis.Redis if want_async else redis.Redis
    return cls(decode_responses=True, **kwargs)


def _close_sockets(client: Any) -> None:
    """Close the sockets of an async client whose loop is closed, without that loop."""
    pool = getattr(client, "connection_pool", None)
    connections = [
        *getattr(pool, "_available_connections", ()),
        *getattr(pool, "_in_use_connections", ()),
    ]
    for connection in connections:
        writer = getattr(connection, "_writer", None)
        transport = getattr(writer, "transport", None)
        sock = getattr(transport, "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            transport._sock = None  # closed here: its loop cannot do it any more


def _decodes(client: Any) -> bool:
    return bool(client.connection_pool.connection_kwargs.get("decode_responses"))


class Binding:
    """The clients derived from one configured source."""

    def __init__(self, source: str | Any):
        self.source = source
        self._lock = threading.Lock()
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._sync_client: Any = None
        self._sync_pid = 0
        self._given_async_loop: Any = None  # the loop that owns the user's async client
        self.is_cluster = is_cluster_source(source)

    def __repr__(self) -> str:
        return f"Binding({self.source!r})"

    def async_client(self, loop: asyncio.AbstractEventLoop | None = None) -> Any:
        """The async client of ``loop`` (default: the running event loop)."""
        if loop is None:
            loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is not None:
            return client
        with self._lock:
            client = self._async_clients.get(loop)
            if client is None:
                self._drop_closed_loops()
                client = self._new_async_client(loop)
                self._async_clients[loop] = client
        return client

    def _drop_closed_loops(self) -> None:
        """Forget the clients of closed loops and close their sockets (no loop needed).

        A client keeps its loop alive through its connections, so the weak mapping alone
        would never release it.
        """
        for owner in [loop for loop in self._async_clients if loop.is_closed()]:
            _close_sockets(self._async_clients.pop(owner))

    def _new_async_client(self, loop: asyncio.AbstractEventLoop) -> Any:
        source = self.source
        if self.is_cluster:
            reuse = self._given_async_loop is None
            client = new_cluster_client(source, want_async=True, reuse=reuse)
            if client is source:
                self._given_async_loop = weakref.ref(loop)
            return client
        if isinstance(source, str):
            return aredis.Redis.from_url(source, decode_responses=True)
        if _is_async_client(source) and _decodes(source) and self._given_async_loop is None:
            # The user's own client serves the first loop that uses it; other loops get siblings.
            self._given_async_loop = weakref.ref(loop)
            return source
        return _sibling(source, want_async=True)

    def sync_client(self) -> Any:
        """The sync client of this process (thread-safe)."""
        pid = _current_pid
        client = self._sync_client
        if client is not None and self._sync_pid == pid:
            return client
        with self._lock:
            if self._sync_client is None or self._sync_pid != pid:
                self._sync_client = self._new_sync_client()
                self._sync_pid = pid
            return self._sync_client

    def _new_sync_client(self) -> Any:
        source = self.source
        if self.is_cluster:
            return new_cluster_client(source, want_async=False, reuse=True)
        if isinstance(source, str):
            return redis.Redis.from_url(source, decode_responses=True)
        if isinstance(source, redis.Redis) and _decodes(source):
            return source
        return _sibling(source, want_async=False)

    def take_async_clients_for(self, loop: asyncio.AbstractEventLoop | None) -> list[Any]:
        """Forget every async client; return those of ``loop`` (to close), drop the rest."""
        with self._lock:
            items = list(self._async_clients.items())
            self._async_clients = weakref.WeakKeyDictionary()
            self._given_async_loop = None  # the user's own client may serve again
        return [client for owner, client in items if owner is loop and not owner.is_closed()]

    def take_sync_client(self) -> Any:
        with self._lock:
            client, self._sync_client = self._sync_client, None
        return client if self._sync_pid == os.getpid() else None


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
    configured = _config.resolve(cls, "redis")  # type: ignore[arg-type]
    binding = binding_for(default_source(configured))
    if configured is not None:
        _class_bindings[cls] = (generation, binding)
    return binding


def default_binding() -> Binding:
    """The binding of the ``init_rapyer`` default (else ``REDIS_URL``, else localhost)."""
    from rapyer import config

    return binding_for(default_source(config.init_default("redis")))


def all_bindings() -> list[Binding]:
    with _bindings_lock:
        return list(_bindings.values())
