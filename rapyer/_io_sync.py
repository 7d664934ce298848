"""The I/O seam of the blocking API: the names of ``rapyer._io_async``, blocking."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rapyer import _cluster_clients
from rapyer._binding import Binding, all_bindings

__all__ = [
    "each",
    "node_client",
    "node_name_of_key",
    "primary_names",
    "refresh_topology",
    "client",
    "client_factory",
    "close_clients",
    "gather_calls",
    "run",
    "sleep",
]

T = TypeVar("T")

sleep = time.sleep


def run(result: Any) -> Any:
    """The blocking call already ran; its result."""
    return result


def client(binding: Binding) -> Any:
    """The sync client of ``binding`` for this process."""
    return binding.sync_client()


def client_factory() -> Callable[[Binding], Any]:
    """Client lookup for a pipeline opened now: the sync clients of this process."""
    return client


def gather_calls(*calls: Callable[[], T]) -> list[T]:
    """Run every call concurrently, one thread each (each thread starts with an empty
    context); return the results in order, or raise the first exception."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], T]) -> None:
        try:
            results[i] = call()
        except BaseException as exc:  # re-raised in the calling thread
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results


def close_clients() -> None:
    """Close every sync client; async clients are dropped without I/O."""
    for binding in all_bindings():
        binding.take_async_clients_for(None)
        sync_client = binding.take_sync_client()
        if sync_client is not None:
            for node in _cluster_clients.close_node_clients(sync_client):
                node.close()
            sync_client.close()


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
