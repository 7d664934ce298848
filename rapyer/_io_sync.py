"""The I/O seam of the blocking API: the names of ``rapyer._io_async``, blocking."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rapyer import _cluster_clients
from rapyer._binding import Binding, all_bindings
from rapyer._clients import sync_clients

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

sleep = time.sleep


def client(binding: Binding) -> Any:
    """The sync client of ``binding`` for this process."""
    clients = binding.sync_clients or sync_clients(binding)
    return clients.get()


def client_factory() -> Callable[[Binding], Any]:
    """Client lookup for a pipeline opened now: the sync clients of this process."""
    return client


def close_clients() -> None:
    """Close every sync client. Async clients are closed when their loops shut down (closed
    loops: without I/O)."""
    for binding in all_bindings():
        if binding.async_clients is not None:
            binding.async_clients.take_for(None)
        sync_client = binding.sync_clients.take() if binding.sync_clients is not None else None
        if sync_client is not None:
            for node in _cluster_clients.close_node_clients(sync_client):
                node.close()
            sync_client.close()


def value_client(binding: Binding) -> Any:
    """The client a field value names as ``redis``: the sync client of this process."""
    return client(binding)


def each(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls one after the other (the nodes of a cluster); their results in order."""
    return [call() for call in calls]


def node_name_of_key(cluster_client: Any, key: str) -> str:
    """The ``host:port`` of the primary serving ``key``'s slot (topology as last known)."""
    return str(cluster_client.get_node_from_key(key).name)


def primary_names(cluster_client: Any) -> list[str]:
    """The ``host:port`` of every primary of the cluster."""
    return [str(node.name) for node in cluster_client.get_primaries()]


def node_client(cluster_client: Any, name: str) -> Any:
    """A plain client of the node ``name`` (``host:port``) of ``cluster_client``."""
    host, _, port = name.rpartition(":")
    return _cluster_clients.node_client(cluster_client, host, int(port))


def refresh_topology(cluster_client: Any) -> None:
    """Read the slots and nodes of the cluster again (after ``MOVED``)."""
    cluster_client.nodes_manager.initialize()


def shard_tags(cluster_client: Any) -> dict[str, str]:
    """Each primary's ``host:port`` and a hash tag it owns (``rapyer._slots.shard_tags``)."""
    return _cluster_clients.shard_tags_of(cluster_client)
