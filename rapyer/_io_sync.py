"""The I/O seam of the blocking API: the names of ``rapyer._io_async``, blocking."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rapyer._binding import Binding, all_bindings
from rapyer._clients import sync_clients

__all__ = ["client", "client_factory", "close_clients", "sleep"]

sleep = time.sleep


def client(binding: Binding) -> Any:
    """The sync client of ``binding`` for this process."""
    clients = binding.sync_clients or sync_clients(binding)
    return clients.get()


def client_factory() -> Callable[[Binding], Any]:
    """Client lookup for a pipeline opened now: the sync clients of this process."""
    return client


def close_clients() -> None:
    """Close every sync client; async clients are dropped without I/O."""
    for binding in all_bindings():
        if binding.async_clients is not None:
            binding.async_clients.take_for(None)
        sync_client = binding.sync_clients.take() if binding.sync_clients is not None else None
        if sync_client is not None:
            sync_client.close()
