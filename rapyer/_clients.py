"""The clients of a binding (the I/O seam): an async client per event loop, kept weakly by
loop, and one sync client per process, all with ``decode_responses=True``.

An async client rapyer builds is closed with its loop: a small async generator, started on the
loop when the client is made, closes it in its ``finally`` when the loop shuts its async
generators down (``asyncio.run``, asgiref's ``async_to_sync``, pytest-asyncio), while the loop
still runs. A loop closed without that step leaves sockets that are closed without any loop
(no I/O on a closed loop) when the next client is made, at ``teardown_rapyer`` and at exit.

A client object given by the user serves its own kind (an async client on the loop where it is
first used); other kinds and loops get siblings built from its connection settings. The I/O
modules ``rapyer._io_async`` / ``rapyer._io_sync`` reach the clients through ``async_clients``
/ ``sync_clients``; the core only knows the ``Binding``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import weakref
from collections.abc import AsyncGenerator
from typing import Any

import redis
import redis.asyncio as aredis

from rapyer import _cluster_clients, _pack, _probe
from rapyer._binding import Binding
from rapyer._cluster_clients import new_cluster_client

__all__ = ["AsyncClients", "SyncClients", "aclose_client", "async_clients", "sync_clients"]

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
    """Close the sockets of an async client whose loop is closed, without that loop.

    The connection, its stream writer and its transport are marked closed as well, so that
    none of them warns when collected (each would try its closed loop).
    """
    clients = [client, *_cluster_clients.close_node_clients(client)]
    for each in clients:
        for connection in _connections_of(each):
            writer: Any = getattr(connection, "_writer", None)
            if writer is None:
                continue
            transport: Any = getattr(writer, "transport", None)
            if getattr(transport, "_sock", None) is not None:
                with contextlib.suppress(OSError):
                    transport._sock.close()
                transport._sock = None  # closed here: its loop cannot do it any more
            if transport is not None:
                transport._closing = True
            connection._writer = connection._reader = None
        if getattr(each, "_initialize", None) is False:
            each._initialize = True  # an async cluster client: closed, as its aclose marks it


def _connections_of(client: Any) -> list[Any]:
    """The connections of a plain or cluster async client (pooled and in use)."""
    pools = []
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        pools.append(pool)
    nodes_manager = getattr(client, "nodes_manager", None)
    for nodes in ("nodes_cache", "startup_nodes"):
        # An async cluster node holds its connections itself.
        pools.extend(getattr(nodes_manager, nodes, {}).values())
    connections: list[Any] = []
    for holder in pools:
        connections.extend(getattr(holder, "_available_connections", ()))
        connections.extend(getattr(holder, "_in_use_connections", ()))
        connections.extend(getattr(holder, "_connections", ()))
    return connections


async def aclose_client(client: Any) -> None:
    """Close an async client and the node clients made for it (on its own running loop)."""
    for node in _cluster_clients.close_node_clients(client):
        await node.aclose()
    await client.aclose()


async def _close_with_loop(
    holder: weakref.ReferenceType[AsyncClients],
    loop: weakref.ReferenceType[asyncio.AbstractEventLoop],
    client: Any,
) -> AsyncGenerator[None, None]:
    """Suspended until its loop shuts its async generators down; then closes ``client``."""
    try:
        yield
    finally:
        clients, owner = holder(), loop()
        if clients is not None and owner is not None:
            clients.forget(owner, client)
        _detached.pop(id(client), None)
        if owner is None or owner.is_closed():  # collected after its loop: no I/O
            _close_sockets(client)
        elif _running_loop() is owner:
            await aclose_client(client)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _start(closer: AsyncGenerator[None, None]) -> None:
    """Run ``closer`` to its ``yield``: the running loop's first-iteration hook registers it,
    so the loop's ``shutdown_asyncgens`` closes it."""
    try:
        step: Any = closer.__anext__()
    except Warning:  # the loop already shut its generators down (warnings as errors)
        return  # its client is closed without I/O once the loop is closed
    with contextlib.suppress(StopIteration):
        step.send(None)


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
        # The closer of each client rapyer made (a client given by the user has none).
        self.closers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, AsyncGenerator[None, None]
        ] = weakref.WeakKeyDictionary()
        self._given_loop: Any = None  # the loop that owns the user's async client
        # fast path: the (loop, client) pair of the last lookup, so that a command on the
        # same loop as the previous one finds its client without the weak mapping's Python
        # ``get`` (a new weak reference and its hash per command). Holds nothing the mapping
        # does not: the client keeps its loop alive through its connections, and the pair is
        # dropped wherever the mapping drops the client.
        self._last: tuple[asyncio.AbstractEventLoop, Any] | None = None
        _holders.add(self)

    def get(self, loop: asyncio.AbstractEventLoop) -> Any:
        """The async client of ``loop``."""
        last = self._last
        if last is not None and last[0] is loop:
            return last[1]
        client = self.by_loop.get(loop)
        if client is not None:
            self._last = (loop, client)
            return client
        closer = None
        with self._lock:
            client = self.by_loop.get(loop)
            if client is None:
                self._drop_closed_loops()
                client, owned = self._new_client(loop)
                self.by_loop[loop] = client
                if owned:
                    closer = _close_with_loop(weakref.ref(self), weakref.ref(loop), client)
                    self.closers[loop] = closer
        if closer is not None:
            if _running_loop() is loop:
                _start(closer)
            else:  # a worker thread of the loop: start it on the loop's own thread
                with contextlib.suppress(RuntimeError):  # a closed loop: dropped later
                    loop.call_soon_threadsafe(_start, closer)
        return client

    def forget(self, loop: asyncio.AbstractEventLoop, client: Any) -> None:
        """Forget the client of ``loop`` when it is still ``client`` (its closer ran)."""
        with self._lock:
            if self.by_loop.get(loop) is client:
                del self.by_loop[loop]
                self.closers.pop(loop, None)
            self._last = None

    def _drop_closed_loops(self) -> None:
        """Forget the clients of closed loops and close their sockets (no loop needed).

        A client keeps its loop alive through its connections, so the weak mapping alone
        would never release it.
        """
        self._last = None
        for owner in [loop for loop in self.by_loop if loop.is_closed()]:
            self.closers.pop(owner, None)
            _close_sockets(self.by_loop.pop(owner))

    def _new_client(self, loop: asyncio.AbstractEventLoop) -> tuple[Any, bool]:
        """A new client for ``loop`` and whether rapyer made it (closed with the loop)."""
        source = self.source
        if self.is_cluster:
            reuse = self._given_loop is None
            client = new_cluster_client(source, want_async=True, reuse=reuse)
            if client is source:
                self._given_loop = weakref.ref(loop)
                return client, False
            return client, True
        if isinstance(source, str):
            # A connection the server closed is replaced before a command is sent on it.
            return _probe.install(aredis.Redis.from_url(source, decode_responses=True)), True
        if _is_async_client(source) and _decodes(source) and self._given_loop is None:
            # The user's own client serves the first loop that uses it; other loops get siblings.
            self._given_loop = weakref.ref(loop)
            return source, False
        sibling = _sibling(source, want_async=True)
        return (sibling if _is_fake(sibling) else _probe.install(sibling)), True

    def take_for(
        self, loop: asyncio.AbstractEventLoop | None
    ) -> tuple[list[AsyncGenerator[None, None]], list[Any]]:
        """Forget every async client. Return the closers of ``loop``'s clients (to close) and
        its client given by the user (to close); clients of closed loops are closed without
        I/O, those of other open loops are closed by their closers on their own loops."""
        with self._lock:
            items = list(self.by_loop.items())
            closers = dict(self.closers.items())
            self.by_loop = weakref.WeakKeyDictionary()
            self.closers = weakref.WeakKeyDictionary()
            self._last = None
            self._given_loop = None  # the user's own client may serve again
        mine: list[AsyncGenerator[None, None]] = []
        given: list[Any] = []
        for owner, client in items:
            closer = closers.get(owner)
            if owner.is_closed():
                _close_sockets(client)
            elif owner is loop:
                if closer is not None:
                    mine.append(closer)
                else:
                    given.append(client)
            elif closer is not None:  # may still be in use: closed when its loop shuts down
                _detached[id(client)] = (owner, client, closer)
        _close_detached_of_closed_loops()
        return mine, given


# Every holder of async clients (for the exit hook), and, by id of the client, the clients of
# loops still open at a teardown in another loop or thread, with their closers (kept until
# their loops run them: a closer that is collected closes its client at once, maybe mid-call).
_holders: weakref.WeakSet[AsyncClients] = weakref.WeakSet()
_detached: dict[int, tuple[asyncio.AbstractEventLoop, Any, AsyncGenerator[None, None]]] = {}


def _close_detached_of_closed_loops() -> None:
    for key, (owner, client, _closer) in list(_detached.items()):
        if owner.is_closed():
            _detached.pop(key, None)
            _close_sockets(client)


@atexit.register
def _close_at_exit() -> None:
    """Close the sockets of every async client whose loop is closed (no loop needed)."""
    _close_detached_of_closed_loops()
    for holder in list(_holders):
        for owner, client in list(holder.by_loop.items()):
            if owner.is_closed():
                _close_sockets(client)


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
            return _pack.install_sync(redis.Redis.from_url(source, decode_responses=True))
        if isinstance(source, redis.Redis) and _decodes(source):
            return source
        sibling = _sibling(source, want_async=False)
        return sibling if _is_fake(sibling) else _pack.install_sync(sibling)

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
