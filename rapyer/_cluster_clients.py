"""Cluster clients of a binding (the I/O seam): the cluster client itself, its siblings, and a
plain client per node for the per-slot transactions and the scans of every primary.

A binding is a cluster binding when its source is a ``redis.cluster.RedisCluster``, a
``redis.asyncio.cluster.RedisCluster`` or a URL with the scheme ``redis+cluster://`` /
``rediss+cluster://`` (any node of the cluster; redis-py discovers the others).
"""

from __future__ import annotations

import weakref
from typing import Any

import redis
import redis.asyncio as aredis
from redis.asyncio.cluster import ClusterNode as AsyncClusterNode
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import ClusterNode, RedisCluster

from rapyer import _slots

__all__ = [
    "shard_tags_of",
    "close_node_clients",
    "new_cluster_client",
    "node_client",
    "plain_url",
]

_SCHEMES = {"redis+cluster://": "redis://", "rediss+cluster://": "rediss://"}

# Connection settings a sibling or a node client copies from a cluster client.
_COPIED = (
    "db",
    "username",
    "password",
    "socket_timeout",
    "socket_connect_timeout",
    "socket_keepalive",
    "socket_keepalive_options",
    "client_name",
    "credential_provider",
    "protocol",
    "health_check_interval",
    "retry_on_timeout",
    "encoding",
    "encoding_errors",
)


def plain_url(url: str) -> str:
    """The ``redis://`` form of a ``redis+cluster://`` URL, which redis-py parses."""
    for scheme, plain in _SCHEMES.items():
        if url.startswith(scheme):
            return plain + url[len(scheme) :]
    return url


def _settings(client: Any) -> dict[str, Any]:
    kwargs = client.get_connection_kwargs()
    settings = {name: kwargs[name] for name in _COPIED if kwargs.get(name) is not None}
    settings.pop("db", None)  # a cluster has database 0 only
    if kwargs.get("connection_class") is not None and "SSL" in str(kwargs["connection_class"]):
        settings["ssl"] = True
    for name, value in kwargs.items():
        if name.startswith("ssl_") and value is not None:
            settings[name] = value
    return settings


def _decodes(client: Any) -> bool:
    return bool(client.get_connection_kwargs().get("decode_responses"))


def new_cluster_client(source: Any, want_async: bool, reuse: bool) -> Any:
    """The cluster client of the wanted kind for ``source``.

    ``reuse``: the user's own client may be returned when it is of the wanted kind and
    decodes replies; otherwise a sibling is built from its nodes and connection settings.
    """
    cls = AsyncRedisCluster if want_async else RedisCluster
    if isinstance(source, str):
        return cls.from_url(plain_url(source), decode_responses=True)
    if reuse and isinstance(source, cls) and _decodes(source):
        return source
    node_cls = AsyncClusterNode if want_async else ClusterNode
    nodes: list[Any] = [node_cls(node.host, node.port) for node in source.get_nodes()] or [
        node_cls(node.host, node.port) for node in source.startup_nodes.values()
    ]
    return cls(startup_nodes=nodes, decode_responses=True, **_settings(source))


# Plain clients of each node, per cluster client (async ones live on that client's loop).
_node_clients: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def node_client(cluster_client: Any, host: str, port: int) -> Any:
    """A plain client of the node ``host:port``, of the kind of ``cluster_client``."""
    name = f"{host}:{port}"
    clients = _node_clients.get(cluster_client)
    if clients is None:
        clients = _node_clients.setdefault(cluster_client, {})
    client = clients.get(name)
    if client is None:
        cls = aredis.Redis if isinstance(cluster_client, AsyncRedisCluster) else redis.Redis
        settings = _settings(cluster_client)
        client = clients[name] = cls(host=host, port=port, decode_responses=True, **settings)
    return client


def close_node_clients(cluster_client: Any) -> list[Any]:
    """Forget the node clients of ``cluster_client``; return them (to close)."""
    return list(_node_clients.pop(cluster_client, {}).values())


def shard_tags_of(cluster_client: Any) -> dict[str, str]:
    """Each primary's ``host:port`` and a hash tag it owns (``rapyer._slots.shard_tags``),
    from the topology the client (sync or async) already holds: no I/O."""
    primaries = [str(node.name) for node in cluster_client.get_primaries()]
    cache = cluster_client.nodes_manager.slots_cache

    def owner(slot: int) -> str:
        nodes = cache.get(slot)
        return str(nodes[0].name) if nodes else ""

    return _slots.shard_tags(primaries, owner)
