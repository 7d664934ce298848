"""Writes of rapyer's async connections (``rapyer._send``): what redis-py's own connection does,
without a task per command: the same replies, the same errors, the same dropped connections."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aredis
from redis.asyncio.connection import Connection
from redis.exceptions import RedisError

from rapyer import _probe
from rapyer._send import SendWithoutTask

RAPYER_CONNECTION = _probe.probing_class(Connection)
BIG = b"x" * (8 << 20)  # more than a loopback socket takes at once: the write waits for it


def test_rapyer_connections_write_without_a_task() -> None:
    assert issubclass(RAPYER_CONNECTION, SendWithoutTask)
    assert RAPYER_CONNECTION.__mro__.index(SendWithoutTask) < RAPYER_CONNECTION.__mro__.index(
        Connection
    )


async def _tasks_created(step: Callable[[], Awaitable[Any]]) -> tuple[Any, list[str]]:
    """``step``'s result and the names of the coroutines of the tasks created while it ran."""
    loop = asyncio.get_running_loop()
    created: list[str] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        created.append(coro.__qualname__)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        return await step(), created
    finally:
        loop.set_task_factory(None)


def test_commands_give_redis_pys_replies_without_a_task_per_command(server_url: str) -> None:
    async def commands(client: aredis.Redis, name: str) -> list[Any]:
        replies = [await client.set(f"send:{name}", "v"), await client.get(f"send:{name}")]
        replies.append(await client.set(f"send:{name}:big", BIG))
        replies.append(len(await client.get(f"send:{name}:big")))
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr(f"send:{name}:n").incr(f"send:{name}:n").get(f"send:{name}")
            replies.append(await pipe.execute())
        replies.append(await client.delete(f"send:{name}", f"send:{name}:big", f"send:{name}:n"))
        return replies

    async def main() -> None:
        stock = aredis.Redis.from_url(server_url)
        ours = _probe.install(aredis.Redis.from_url(server_url))
        try:
            assert ours.connection_pool.connection_class is RAPYER_CONNECTION
            await stock.ping()
            await ours.ping()  # both connected: the counts are of commands only
            expected, stock_tasks = await _tasks_created(lambda: commands(stock, "stock"))
            got, our_tasks = await _tasks_created(lambda: commands(ours, "ours"))
        finally:
            await stock.aclose()
            await ours.aclose()
        assert got == expected
        writes = "AbstractConnection._send_packed_command"
        assert writes not in our_tasks
        if sys.version_info < (3, 12):  # redis-py's wait_for runs each write as a task
            assert stock_tasks.count(writes) >= 6

    asyncio.run(main())


@contextlib.asynccontextmanager
async def _server_that_never_reads() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never reads from them (its port)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("case", ["write_times_out", "connection_lost"])
def test_a_failed_write_raises_and_drops_the_connection_as_redis_py_does(case: str) -> None:
    async def outcome(connection_class: type, port: int) -> tuple[Any, ...]:
        # no handshake (RESP2, no CLIENT SETINFO): the server never answers; lib_name and
        # lib_version are deprecated by recent redis-py but work in every supported version
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            connection = connection_class(
                host="127.0.0.1",
                port=port,
                socket_timeout=0.3,
                protocol=2,
                lib_name=None,
                lib_version=None,
            )
        await connection.connect()
        assert connection.is_connected
        if case == "connection_lost":
            connection._writer.transport.abort()
            await asyncio.sleep(0)
        try:
            # without the health check: the probe of rapyer's class would replace a lost connection
            # (a write that never ends fails the test after 10 s instead of hanging)
            await asyncio.wait_for(connection.send_command("SET", "k", BIG, check_health=False), 10)
        except RedisError as exc:
            # the error, and whether the connection was dropped (before anything else)
            return (type(exc), str(exc), connection.is_connected)
        finally:
            await connection.disconnect()
        return ("no error",)

    async def main() -> None:
        async with _server_that_never_reads() as port:
            expected = await outcome(Connection, port)
            got = await outcome(RAPYER_CONNECTION, port)
        assert got == expected
        # a redis-py error (not "no error"), and a dropped connection
        assert isinstance(got[0], type) and issubclass(got[0], RedisError)
        assert got[2] is False

    asyncio.run(main())
