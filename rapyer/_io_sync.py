"""The I/O seam of the blocking API: the names of ``rapyer._io_async``, blocking."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rapyer._binding import Binding, all_bindings

__all__ = ["client", "close_clients", "gather_calls", "sleep"]

T = TypeVar("T")

sleep = time.sleep


def gather_calls(*calls: Callable[[], T]) -> list[T]:
    """Run ``calls()`` concurrently, each in its own thread; their results in argument order.

    The first exception raised by a call is re-raised after every call has finished.
    """
    if not calls:
        return []
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="rapyer") as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def client(binding: Binding) -> Any:
    """The sync client of ``binding`` for this process."""
    return binding.sync_client()


def close_clients() -> None:
    """Close every sync client; async clients are dropped without I/O."""
    for binding in all_bindings():
        binding.take_async_clients_for(None)
        sync_client = binding.take_sync_client()
        if sync_client is not None:
            sync_client.close()
