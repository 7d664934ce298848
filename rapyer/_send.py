"""Async connections that write a command without a task per command.

redis-py's async connection writes each command under ``asyncio.wait_for(..., socket_timeout)``
whenever a socket timeout is set (redis-py's default is 5 s). Before Python 3.12 that runs the
write in a new task, which the event loop starts at its next iteration: one task and one loop
iteration more for every command. The write itself only waits when the transport's buffer is
full, so the connection classes of rapyer's async clients write at once and wait for the
buffer, under the same timeout (``asyncio.timeout``, no task), only when bytes are left in it.
Measured on the development machine, in-process and interleaved with redis-py's own client:
a get went from 0.94-0.95 to 0.99-1.00 of redis-py + pydantic.

The errors are redis-py's: ``redis.exceptions.TimeoutError("Timeout writing to socket")`` for a
write that timed out, ``ConnectionError`` for an ``OSError``, and the connection is dropped for
those and any other exception. Commands given as text or bytes, connections not yet connected
and connections without a socket timeout take redis-py's own method. Checked against redis-py's
method by ``tests/common/test_send.py``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

if sys.version_info >= (3, 11, 3):  # what redis-py itself uses for its reads
    from asyncio import timeout as _timeout  # type: ignore[attr-defined,unused-ignore]
else:  # pragma: no cover - a dependency of redis-py on these versions
    from async_timeout import timeout as _timeout

__all__ = ["SendWithoutTask"]


class SendWithoutTask:
    """Mixin of an async redis-py connection class (see the module docstring)."""

    _writer: Any
    socket_timeout: Any
    is_connected: bool

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        if not self.socket_timeout or not self.is_connected or isinstance(command, (str, bytes)):
            await super().send_packed_command(command, check_health)  # type: ignore[misc]
            return
        if check_health:
            await self.check_health()  # type: ignore[attr-defined]  # may reconnect
        writer = self._writer
        try:
            writer.writelines(command)
            if writer.transport.get_write_buffer_size():  # bytes left: the drain may wait
                async with _timeout(self.socket_timeout):
                    await writer.drain()
            else:
                await writer.drain()  # returns at once (or raises for a lost connection)
        except asyncio.TimeoutError:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as exc:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            if len(exc.args) >= 2:
                err_no, message = exc.args[0], exc.args[1]
            else:
                err_no, message = "UNKNOWN", exc.args[0] if exc.args else exc
            raise RedisConnectionError(
                f"Error {err_no} while writing to socket. {message}."
            ) from exc
        except BaseException:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise
