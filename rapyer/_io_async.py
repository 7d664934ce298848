"""The I/O seam of the async API. ``rapyer._io_sync`` has the same names, blocking.

Code in ``rapyer/_async`` imports I/O only from here; the generator maps this module to
``rapyer._io_sync`` in the blocking twin. The clients of a binding live in ``rapyer._clients``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from rapyer import _cluster_clients
from rapyer._binding import Binding, all_bindings
from rapyer._clients import aclose_client, async_clients, sync_clients

__all__ = [
    "client",
    "client_factory",
    "close_clients",
    "each",
    "node_client",
    "node_name_of_key",
    "primary_names",
    "refresh_topology",
    "shard_tags",
    "sleep",
    "value_client",
]

T = TypeVar("T")

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
    """Close the async clients of the running loop and every sync client. The clients of
    other loops are closed when those loops shut down (closed loops: without I/O)."""
    loop = asyncio.get_running_loop()
    for binding in all_bindings():
        if binding.async_clients is not None:
            closers, given = binding.async_clients.take_for(loop)
            for closer in closers:
                await closer.aclose()  # its finally closes the client
            for async_client in given:
                await aclose_client(async_client)
        sync_client = binding.sync_clients.take() if binding.sync_clients is not None else None
        if sync_client is not None:
            for node in _cluster_clients.close_node_clients(sync_client):
                node.close()
            sync_client.close()


def value_client(binding: Binding) -> Any:
    """The client a field value names as ``redis``: the async client of the running event
    loop, else (no loop running) the sync client of this process."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return (binding.sync_clients or sync_clients(binding)).get()
    return (binding.async_clients or async_clients(binding)).get(loop)


async def each(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run the calls concurrently (the nodes of a cluster); their results in order."""
    return list(await asyncio.gather(*(call() for call in calls)))


async def node_name_of_key(cluster_client: Any, key: str) -> str:
    """The ``host:port`` of the primary serving ``key``'s slot (topology as last known)."""
    await cluster_client.initialize()
    return str(cluster_client.get_node_from_key(key).name)


async def primary_names(cluster_client: Any) -> list[str]:
    """The ``host:port`` of every primary of the cluster."""
    await cluster_client.initialize()
    return [str(node.name) for node in cluster_client.get_primaries()]


def node_client(cluster_client: Any, name: str) -> Any:
    """A plain client of the node ``name`` (``host:port``) of ``cluster_client``."""
    host, _, port = name.rpartition(":")
    return _cluster_clients.node_client(cluster_client, host, int(port))


async def refresh_topology(cluster_client: Any) -> None:
    """Read the slots and nodes of the cluster again (after ``MOVED``)."""
    await cluster_client.nodes_manager.initialize()


async def shard_tags(cluster_client: Any) -> dict[str, str]:
    """Each primary's ``host:port`` and a hash tag it owns (``rapyer._slots.shard_tags``)."""
    await cluster_client.initialize()
    return _cluster_clients.shard_tags_of(cluster_client)
