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

    async def check_health(self) -> None:
        if not self._rapyer_handshake and _closed_or_dirty(self._writer):
            await self.disconnect()  # type: ignore[attr-defined]
            await self.connect()  # type: ignore[attr-defined]
        await super().check_health()  # type: ignore[misc]


def _closed_or_dirty(writer: Any) -> bool:
    """Whether the idle connection of ``writer`` has something to read (EOF included)."""
    if writer is None:
        return False
    sock = writer.get_extra_info("socket")
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed socket: fileno -1
        return True
    return bool(readable)


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
