"""The clients of a binding (the I/O seam): an async client per event loop, kept weakly by
loop, and one sync client per process, all with ``decode_responses=True``.

A client object given by the user serves its own kind (an async client on the loop where it is
first used); other kinds and loops get siblings built from its connection settings. The I/O
modules ``rapyer._io_async`` / ``rapyer._io_sync`` reach the clients through ``async_clients``
/ ``sync_clients``; the core only knows the ``Binding``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from typing import Any

import redis
import redis.asyncio as aredis

from rapyer import _probe
from rapyer._binding import Binding
from rapyer._cluster_clients import new_cluster_client

__all__ = ["AsyncClients", "SyncClients", "async_clients", "sync_clients"]

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
        import fakeredis  # optional: only a fakeredis client leads here

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
        transport: Any = getattr(writer, "transport", None)
        sock = getattr(transport, "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            transport._sock = None  # closed here: its loop cannot do it any more


def _decodes(client: Any) -> bool:
    return bool(client.connection_pool.connection_kwargs.get("decode_responses"))


class AsyncClients:
    """The async clients of one binding, one per event loop."""

    def __init__(self, binding: Binding):
        self.source = binding.source
        self.is_cluster = binding.is_cluster
        self._lock = binding.lock
        self.by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._given_loop: Any = None  # the loop that owns the user's async client

    def get(self, loop: asyncio.AbstractEventLoop) -> Any:
        """The async client of ``loop``."""
        client = self.by_loop.get(loop)
        if client is not None:
            return client
        with self._lock:
            client = self.by_loop.get(loop)
            if client is None:
                self._drop_closed_loops()
                client = self._new_client(loop)
                self.by_loop[loop] = client
        return client

    def _drop_closed_loops(self) -> None:
        """Forget the clients of closed loops and close their sockets (no loop needed).

        A client keeps its loop alive through its connections, so the weak mapping alone
        would never release it.
        """
        for owner in [loop for loop in self.by_loop if loop.is_closed()]:
            _close_sockets(self.by_loop.pop(owner))

    def _new_client(self, loop: asyncio.AbstractEventLoop) -> Any:
        source = self.source
        if self.is_cluster:
            reuse = self._given_loop is None
            client = new_cluster_client(source, want_async=True, reuse=reuse)
            if client is source:
                self._given_loop = weakref.ref(loop)
            return client
        if isinstance(source, str):
            # A connection the server closed is replaced before a command is sent on it.
            return _probe.install(aredis.Redis.from_url(source, decode_responses=True))
        if _is_async_client(source) and _decodes(source) and self._given_loop is None:
            # The user's own client serves the first loop that uses it; other loops get siblings.
            self._given_loop = weakref.ref(loop)
            return source
        sibling = _sibling(source, want_async=True)
        return sibling if _is_fake(sibling) else _probe.install(sibling)

    def take_for(self, loop: asyncio.AbstractEventLoop | None) -> list[Any]:
        """Forget every async client; return those of ``loop`` (to close), drop the rest."""
        with self._lock:
            items = list(self.by_loop.items())
            self.by_loop = weakref.WeakKeyDictionary()
            self._given_loop = None  # the user's own client may serve again
        return [client for owner, client in items if owner is loop and not owner.is_closed()]


class SyncClients:
    """The sync client of one binding for this process (thread-safe)."""

    def __init__(self, binding: Binding):
        self.source = binding.source
        self.is_cluster = binding.is_cluster
        self._lock = binding.lock
        self._client: Any = None
        self._pid = 0

    def get(self) -> Any:
        """The sync client of this process."""
        pid = _current_pid
        client = self._client
        if client is not None and self._pid == pid:
            return client
        with self._lock:
            if self._client is None or self._pid != pid:
                self._client = self._new_client()
                self._pid = pid
            return self._client

    def _new_client(self) -> Any:
        source = self.source
        if self.is_cluster:
            return new_cluster_client(source, want_async=False, reuse=True)
        if isinstance(source, str):
            return redis.Redis.from_url(source, decode_responses=True)
        if isinstance(source, redis.Redis) and _decodes(source):
            return source
        return _sibling(source, want_async=False)

    def take(self) -> Any:
        """Forget the client; return it when this process made it (to close)."""
        with self._lock:
            client, self._client = self._client, None
        return client if self._pid == os.getpid() else None


def async_clients(binding: Binding) -> AsyncClients:
    """The async clients of ``binding`` (created on first use)."""
    clients = binding.async_clients
    if clients is None:
        with binding.lock:
            if binding.async_clients is None:
                binding.async_clients = AsyncClients(binding)
            clients = binding.async_clients
    return clients  # type: ignore[no-any-return]


def sync_clients(binding: Binding) -> SyncClients:
    """The sync client holder of ``binding`` (created on first use)."""
    clients = binding.sync_clients
    if clients is None:
        with binding.lock:
            if binding.sync_clients is None:
                binding.sync_clients = SyncClients(binding)
            clients = binding.sync_clients
    return clients  # type: ignore[no-any-return]
