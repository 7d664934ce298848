"""Async connections that are replaced, before a command is sent, when the server closed them.

redis-py's async pool hands out a pooled connection without noticing that the server closed
it (a restart, an idle timeout): the first command then fails with ``ConnectionError``, and
retrying it could apply a non-idempotent command twice. rapyer's async clients use these
connection classes instead: just before a command is written, a connection whose socket is
readable (an idle connection has nothing to read: the server closed it, or left stray data)
is disconnected and connected again. Nothing was sent on it, so nothing is sent twice. The
probe is one non-blocking ``poll`` per command (``select`` where there is no ``poll``).
"""

from __future__ import annotations

import select
import weakref
from typing import Any

from redis.asyncio.connection import AbstractConnection

from rapyer._pack import PackInOneJoin
from rapyer._reply_parser import ParseFromBuffer
from rapyer._send import SendWithoutTask

__all__ = ["install"]

_classes: dict[type, type] = {}
_BASE_CHECK_HEALTH = AbstractConnection.check_health
_HAS_POLL = hasattr(select, "poll")


class _ProbeBeforeSend:
    """Mixin of an async redis-py connection class (see the module docstring)."""

    _writer: Any
    health_check_interval: Any
    _rapyer_handshake = False
    # Per connection: [weak reference to the writer, its socket, poll object, its fd] (see
    # ``_probe_state``); per class: whether the next ``check_health`` is redis-py's own.
    _rapyer_probe: list[Any] | None = None
    _rapyer_plain_health = False

    async def on_connect_check_health(self, check_health: bool = True) -> None:
        # The handshake pipelines commands (CLIENT SETINFO, SELECT): replies are pending
        # while it sends, so the probe stays off until it is done.
        self._rapyer_handshake = True
        try:
            await super().on_connect_check_health(check_health)  # type: ignore[misc]
        finally:
            self._rapyer_handshake = False

    async def check_health(self) -> None:
        if not self._rapyer_handshake and _closed_or_dirty(self):
            await self.disconnect()  # type: ignore[attr-defined]
            await self.connect()  # type: ignore[attr-defined]
        # fast path: redis-py's own check does nothing without a health-check interval, so it
        # is called only with one (or when a class between overrides it): one coroutine less
        # per command
        if self.health_check_interval or not self._rapyer_plain_health:
            await super().check_health()  # type: ignore[misc]


def _closed_or_dirty(connection: Any) -> bool:
    """Whether the idle connection has something to read (EOF included).

    What ``select.select([sock.fileno()], [], [], 0)`` answers (readable, or an error such
    as a closed socket), with less work per command: the socket of the connection's writer is
    kept with the writer (a transport's socket never changes), and a ``poll`` object per
    connection, registered for the socket's current descriptor, asks the kernel. ``poll``
    reports readable data, EOF (``POLLHUP``), an error (``POLLERR``) and a closed descriptor
    (``POLLNVAL``): the cases ``select`` reports as readable or raises for. One difference, on
    purpose: ``select`` raises for a descriptor of 1024 or more (it then reconnected before
    every command), ``poll`` has no such limit. Checked against ``select`` by
    ``tests/common/test_probe.py``.
    """
    writer = connection._writer
    if writer is None:
        return False
    state = connection._rapyer_probe
    if state is None or state[0]() is not writer:
        state = _probe_state(connection, writer)
    sock = state[1]
    if sock is None:
        return False
    fd = sock.fileno()
    if fd < 0:  # a closed socket: select raises ValueError
        return True
    if state[3] != fd:
        if not _HAS_POLL:
            return _select_readable(fd)
        state[2] = select.poll()
        state[2].register(fd, select.POLLIN)
        state[3] = fd
    try:
        return bool(state[2].poll(0))
    except OSError:
        return True


def _probe_state(connection: Any, writer: Any) -> list[Any]:
    state = [weakref.ref(writer), writer.get_extra_info("socket"), None, -1]
    connection._rapyer_probe = state
    return state


def _select_readable(fd: int) -> bool:
    """The general probe: ``select`` on ``fd`` (the platforms without ``poll``)."""
    try:
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):  # closed socket: fileno -1
        return True
    return bool(readable)


def probing_class(connection_class: type) -> type:
    """``connection_class`` with the probe (one subclass per class)."""
    if issubclass(connection_class, _ProbeBeforeSend):
        return connection_class
    probing = _classes.get(connection_class)
    if probing is None:
        plain_health = getattr(connection_class, "check_health", None) is _BASE_CHECK_HEALTH
        # the writes without a task per command (``_send``), the packer without a copy of the
        # buffer per argument (``_pack``) and the parser of whole buffers (``_reply_parser``)
        # come with the probe
        probing = type(
            connection_class.__name__,
            (_ProbeBeforeSend, SendWithoutTask, PackInOneJoin, ParseFromBuffer, connection_class),
            {"_rapyer_plain_health": plain_health},
        )
        probing = _classes.setdefault(connection_class, probing)
    return probing


def install(client: Any) -> Any:
    """Give an async client built by rapyer (before it has connections) the probe."""
    pool = getattr(client, "connection_pool", None)
    if pool is not None and hasattr(pool, "connection_class"):
        pool.connection_class = probing_class(pool.connection_class)
    return client
