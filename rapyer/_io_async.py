"""The I/O seam of the async API. ``rapyer._io_sync`` has the same names, blocking.

Code in ``rapyer/_async`` imports I/O only from here; the generator maps this module to
``rapyer._io_sync`` in the blocking twin.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rapyer._binding import Binding, all_bindings

__all__ = ["client", "close_clients", "gather", "run", "sleep"]

sleep = asyncio.sleep
gather = asyncio.gather


def run(awaitable: Any) -> Any:
    """Run a coroutine to completion on a new event loop (for a thread without one)."""
    return asyncio.run(awaitable)


def client(binding: Binding) -> Any:
    """The async client of ``binding`` for the running event loop."""
    return binding.async_client()


async def close_clients() -> None:
    """Close the async clients of the running loop and every sync client; forget the rest."""
    loop = asyncio.get_running_loop()
    for binding in all_bindings():
        for async_client in binding.take_async_clients_for(loop):
            await async_client.aclose()
        sync_client = binding.take_sync_client()
        if sync_client is not None:
            sync_client.close()
