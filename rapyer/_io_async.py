"""The I/O seam of the async API. ``rapyer._io_sync`` has the same names, blocking.

Code in ``rapyer/_async`` imports I/O only from here; the generator maps this module to
``rapyer._io_sync`` in the blocking twin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rapyer._binding import Binding, all_bindings

__all__ = ["client", "client_factory", "close_clients", "gather_calls", "run", "sleep"]

T = TypeVar("T")

sleep = asyncio.sleep


def run(awaitable: Any) -> Any:
    """Run a coroutine to completion on a new event loop (for a thread without one)."""
    return asyncio.run(awaitable)


def client(binding: Binding) -> Any:
    """The async client of ``binding`` for the running event loop."""
    return binding.async_client()


def client_factory() -> Callable[[Binding], Any]:
    """Client lookup for a pipeline opened now: the async clients of the running loop.

    The loop is captured, so code queueing from a worker thread of this loop (for example
    through ``asyncio.to_thread``) gets the same clients.
    """
    loop = asyncio.get_running_loop()
    return lambda binding: binding.async_client(loop)


async def gather_calls(*calls: Callable[[], Awaitable[T]]) -> list[T]:
    """Run every call concurrently (one task each, with a copy of the current context)."""
    return list(await asyncio.gather(*(call() for call in calls)))


async def close_clients() -> None:
    """Close the async clients of the running loop and every sync client; forget the rest."""
    loop = asyncio.get_running_loop()
    for binding in all_bindings():
        for async_client in binding.take_async_clients_for(loop):
            await async_client.aclose()
        sync_client = binding.take_sync_client()
        if sync_client is not None:
            sync_client.close()
