"""The I/O seam of the blocking API: the names of ``rapyer._io_async``, blocking."""

from __future__ import annotations

import time
from typing import Any

from rapyer._binding import Binding, all_bindings

__all__ = ["client", "close_clients", "gather", "run", "sleep"]

sleep = time.sleep


def gather(*results: Any) -> list[Any]:
    """The blocking calls already ran (one after another); their results as a list."""
    return list(results)


def run(result: Any) -> Any:
    """The blocking call already ran; its result."""
    return result


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
