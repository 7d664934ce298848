"""The I/O seam of the async API. ``rapyer._io_sync`` has the same names, blocking.

Code in ``rapyer/_async`` imports I/O only from here; the generator maps this module to
``rapyer._io_sync`` in the blocking twin. The clients of a binding live in ``rapyer._clients``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rapyer._binding import Binding, all_bindings
from rapyer._clients import async_clients

__all__ = ["client", "client_factory", "close_clients", "sleep"]

sleep = asyncio.sleep


def client(binding: Binding) -> Any:
    """The async client of ``binding`` for the running event loop."""
    clients = binding.async_clients or async_clients(binding)
    return clients.get(asyncio.get_running_loop())


def client_factory() -> Callable[[Binding], Any]:
    """Client lookup for a pipeline opened now: the async clients of the running loop.

    The loop is captured, so code queueing from a worker thread of this loop (for example
    through ``asyncio.to_thread``) gets the same clients.
    """
    loop = asyncio.get_running_loop()
    return lambda binding: async_clients(binding).get(loop)


async def close_clients() -> None:
    """Close the async clients of the running loop and every sync client; forget the rest."""
    loop = asyncio.get_running_loop()
    for binding in all_bindings():
        if binding.async_clients is not None:
            for async_client in binding.async_clients.take_for(loop):
                await async_client.aclose()
        sync_client = binding.sync_clients.take() if binding.sync_clients is not None else None
        if sync_client is not None:
            sync_client.close()
