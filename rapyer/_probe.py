"""Async connections that are replaced, before a command is sent, when the server closed them.

redis-py's async pool hands out a pooled connection without noticing that the server closed
it (a restart, an idle timeout): the first command then fails with ``ConnectionError``, and
retrying it could apply a non-idempotent command twice. rapyer's async clients use these
connection classes instead: just before a command is written, a connection whose socket is
readable (an idle connection has nothing to read: the server closed it, or left stray data)
is disconnected and connected again. Nothing was sent on it, so nothing is sent twice. The
probe is one non-blocking ``select`` per command.
"""

from __future__ import annotations

import select
from typing import Any

__all__ = ["install"]

_classes: dict[type, type] = {}


class _ProbeBeforeSend:
    """Mixin of an async redis-py connection class (see the module docstring)."""

    _writer: Any
    _rapyer_handshake = False

    async def on_connect_check_health(self, check_health: bool = True) -> None:
        # The handshake pipelines commands (CLIENT SETINFO, SELECT): replies are pending
        # while it sends, so the probe stays off until it is done.
        self._rapyer_handshake = True
        try:
            await super().on_connect_check_health(check_health)  # type: ignore[misc]
        finally:
            self._rapyer_handshake = False

    # ``(writer, [its socket])``: the socket looked up once per connected writer (a
    # reconnection makes a new writer), not at every command. The socket object, never its
    # number: a socket closed meanwhile gives -1 (refused by select), where a kept number
    # could name a new connection's socket.
    _rapyer_probed: tuple[Any, list[Any]] | None = None

    async def check_health(self) -> None:
        if not self._rapyer_handshake:
            writer = self._writer
            probed = self._rapyer_probed
            if probed is None or probed[0] is not writer:
                probed = self._rapyer_probed = (writer, _socket(writer))
            if probed[1] and _readable(probed[1]):
                await self.disconnect()  # type: ignore[attr-defined]
                await self.connect()  # type: ignore[attr-defined]
        await super().check_health()  # type: ignore[misc]


def _readable(sockets: list[Any]) -> bool:
    """Whether the idle connection has something to read (EOF included)."""
    try:
        readable, _, _ = select.select(sockets, (), (), 0)
    except (OSError, ValueError):  # closed socket: fileno -1
        return True
    return bool(readable)


def _socket(writer: Any) -> list[Any]:
    """``[the socket of writer]`` (``[]`` without one): the socket object itself where
    asyncio's wrapper exposes it (its ``fileno`` is then no Python call)."""
    sock = writer.get_extra_info("socket") if writer is not None else None
    if sock is None:
        return []
    return [getattr(sock, "_sock", sock)]


def probing_class(connection_class: type) -> type:
    """``connection_class`` with the probe (one subclass per class)."""
    if issubclass(connection_class, _ProbeBeforeSend):
        return connection_class
    probing = _classes.get(connection_class)
    if probing is None:
        probing = type(connection_class.__name__, (_ProbeBeforeSend, connection_class), {})
        probing = _classes.setdefault(connection_class, probing)
    return probing


def install(client: Any) -> Any:
    """Give an async client built by rapyer (before it has connections) the probe."""
    pool = getattr(client, "connection_pool", None)
    if pool is not None and hasattr(pool, "connection_class"):
        pool.connection_class = probing_class(pool.connection_class)
    return client
