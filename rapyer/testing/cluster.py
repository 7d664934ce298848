"""An embedded Redis Cluster: several ``valkey-server`` nodes with RedisJSON and RediSearch.

The nodes are :class:`~rapyer.testing.EmbeddedServer` processes started with
``--cluster-enabled yes``; the cluster is formed with redis-py alone (``CLUSTER
ADDSLOTSRANGE``, ``CLUSTER SET-CONFIG-EPOCH``, ``CLUSTER MEET``, ``CLUSTER REPLICATE``), so no
``valkey-cli``/``redis-cli`` is needed, only the ``server`` extra (``python -m pip install '.[server]'`` in a clone)::

    from rapyer.testing import EmbeddedCluster

    with EmbeddedCluster(primaries=3) as cluster:
        client = redis.cluster.RedisCluster.from_url(cluster.url)

``start()`` returns when every node reports ``cluster_state:ok`` and every replica's link to
its primary is up. This module imports nothing from the rest of rapyer.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis

from rapyer.testing import EmbeddedServer, _free_port, _StartStop

__all__ = ["SLOTS", "EmbeddedCluster"]

SLOTS = 16384
"""Number of hash slots of a Redis Cluster."""

_HOST = "127.0.0.1"


def _slot_ranges(primaries: int) -> list[tuple[int, int]]:
    """Split the 16384 slots into ``primaries`` contiguous ranges (inclusive bounds)."""
    size, extra = divmod(SLOTS, primaries)
    ranges: list[tuple[int, int]] = []
    start = 0
    for index in range(primaries):
        end = start + size + (1 if index < extra else 0) - 1
        ranges.append((start, end))
        start = end + 1
    return ranges


def _run(client: redis.Redis, *args: str | int) -> Any:
    """One command on one node (redis-py leaves ``execute_command`` unannotated)."""
    return client.execute_command(*args)  # type: ignore[no-untyped-call]


def _info_field(info: str, name: str) -> str | None:
    for line in info.splitlines():
        if line.startswith(name + ":"):
            return line.partition(":")[2].strip()
    return None


class EmbeddedCluster(_StartStop):
    """A local Redis Cluster of embedded ``valkey-server`` nodes on free loopback ports.

    Each primary owns a contiguous range of slots; each primary gets ``replicas`` replicas.
    Nodes keep no data on disk. Use it as a context manager, or call :meth:`start` and
    :meth:`stop`; an ``atexit`` hook stops it if the owner forgets.

    Args:
        primaries: Number of primaries (at least 1).
        replicas: Replicas per primary.
        node_timeout_ms: ``cluster-node-timeout``; a failed primary's replica is promoted
            about this long after the failure.
        extra_args: More ``valkey-server`` arguments for every node.
        startup_timeout: Seconds to wait for the cluster to become ``ok``.
    """

    def __init__(
        self,
        primaries: int = 3,
        replicas: int = 0,
        *,
        node_timeout_ms: int = 3000,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 60.0,
    ) -> None:
        if primaries < 1:
            raise ValueError("a cluster needs at least one primary")
        if replicas < 0:
            raise ValueError("replicas must be >= 0")
        self.host = _HOST
        self.primaries = primaries
        self.replicas = replicas
        self._node_timeout_ms = node_timeout_ms
        self._extra_args = list(extra_args)
        self._startup_timeout = startup_timeout
        self._nodes: list[EmbeddedServer] = []
        self._bus_ports: list[int] = []
        self._lock = threading.RLock()
        self.startup_seconds: float | None = None
        """Seconds the last :meth:`start` took, from the first launch to ``ok`` everywhere."""

    # -- public properties -------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while every node this object started is alive."""
        return bool(self._nodes) and all(node.running for node in self._nodes)

    @property
    def nodes(self) -> list[EmbeddedServer]:
        """Every node: the primaries first, then the replicas (primary 0's first)."""
        if not self._nodes:
            raise RuntimeError("the embedded cluster is not started; call start() first")
        return list(self._nodes)

    @property
    def ports(self) -> list[int]:
        """The client ports of :attr:`nodes`, in the same order."""
        return [node.port for node in self.nodes]

    @property
    def url(self) -> str:
        """A cluster URL naming the first primary, ``redis+cluster://127.0.0.1:<port>/0``.

        ``redis.cluster.RedisCluster.from_url`` accepts it with the scheme ``redis://``;
        :attr:`startup_url` gives that form.
        """
        return f"redis+cluster://{self.host}:{self.nodes[0].port}/0"

    @property
    def startup_url(self) -> str:
        """``redis://127.0.0.1:<port>/0`` of the first primary (a cluster start-up node)."""
        return f"redis://{self.host}:{self.nodes[0].port}/0"

    # -- lifecycle ---------------------------------------------------------------------

    def _node_args(self, bus_port: int) -> list[str]:
        return [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            str(self._node_timeout_ms),
            "--cluster-port",
            str(bus_port),
            "--repl-diskless-sync",
            "yes",
            "--repl-diskless-sync-delay",
            "0",
            *self._extra_args,
        ]

    def _launch_node(self) -> EmbeddedServer:
        """Start one cluster-enabled node on a free client port and a free bus port.

        The bus port is chosen freely (``--cluster-port``), so ``port + 10000`` need not be
        free, and :meth:`_form` passes it to ``CLUSTER MEET``.
        """
        last_error: Exception | None = None
        for _ in range(5):
            port, bus_port = _free_port(self.host), _free_port(self.host)
            if port == bus_port:
                continue
            node = EmbeddedServer(port, extra_args=self._node_args(bus_port))
            try:
                node.start()
                self._bus_ports.append(bus_port)
                return node
            except RuntimeError as exc:  # a port race: pick two other ports
                last_error = exc
                node.stop()
        raise RuntimeError(f"no cluster node could start: {last_error}")

    def start(self) -> EmbeddedCluster:
        """Start every node, form the cluster, wait until it is ``ok``; return ``self``.

        Calling it on a running cluster does nothing.

        Raises:
            RuntimeError: A package is missing, a node did not start, or the cluster was not
                ``ok`` within ``startup_timeout`` seconds.
        """
        with self._lock:
            if self.running:
                return self
            self._cleanup()
            began = time.monotonic()
            try:
                total = self.primaries * (1 + self.replicas)
                self._nodes = [self._launch_node() for _ in range(total)]
                atexit.register(self.stop)
                self._form(began + self._startup_timeout)
            except BaseException:
                self._cleanup()
                raise
            self.startup_seconds = time.monotonic() - began
            return self

    def _client(self, node: EmbeddedServer) -> redis.Redis:
        return redis.Redis(host=self.host, port=node.port, decode_responses=True)

    def _form(self, deadline: float) -> None:
        primaries = self._nodes[: self.primaries]
        replicas = self._nodes[self.primaries :]
        clients = [self._client(node) for node in self._nodes]
        try:
            ids = [_run(client, "CLUSTER", "MYID") for client in clients]
            for index, (start, end) in enumerate(_slot_ranges(self.primaries)):
                _run(clients[index], "CLUSTER", "ADDSLOTSRANGE", start, end)
            for index, client in enumerate(clients):
                _run(client, "CLUSTER", "SET-CONFIG-EPOCH", index + 1)
            for node, bus_port in zip(self._nodes[1:], self._bus_ports[1:], strict=True):
                _run(clients[0], "CLUSTER", "MEET", self.host, node.port, bus_port)
            self._wait(deadline, lambda: self._all_know(clients, len(self._nodes)), "MEET")
            for offset, _replica in enumerate(replicas):
                primary_index = offset // self.replicas
                client = clients[self.primaries + offset]
                _run(client, "CLUSTER", "REPLICATE", ids[primary_index])
            self._wait(deadline, lambda: self._all_ok(clients, len(primaries)), "cluster_state:ok")
        finally:
            for client in clients:
                client.close()

    def _wait(self, deadline: float, ready: Callable[[], bool], what: str) -> None:
        while not ready():
            if time.monotonic() > deadline:
                tails = "\n".join(
                    f"--- node {node.port}:\n{node.log_tail(10)}" for node in self._nodes
                )
                raise RuntimeError(f"the embedded cluster did not reach {what} in time\n{tails}")
            time.sleep(0.05)

    @staticmethod
    def _all_know(clients: list[redis.Redis], count: int) -> bool:
        for client in clients:
            info = _run(client, "CLUSTER", "INFO")
            text = info if isinstance(info, str) else str(info)
            if _info_field(text, "cluster_known_nodes") != str(count):
                return False
        return True

    def _all_ok(self, clients: list[redis.Redis], primaries: int) -> bool:
        for index, client in enumerate(clients):
            info = _run(client, "CLUSTER", "INFO")
            text = info if isinstance(info, str) else str(info)
            if _info_field(text, "cluster_state") != "ok":
                return False
            if _info_field(text, "cluster_size") != str(primaries):
                return False
            if self._replica_count(client) != self.primaries * self.replicas:
                return False  # the node has not heard of every replica yet
            if index >= self.primaries:
                replication = _run(client, "INFO", "replication")
                raw = replication if isinstance(replication, str) else ""
                if isinstance(replication, dict):
                    if replication.get("master_link_status") != "up":
                        return False
                elif _info_field(raw, "master_link_status") != "up":
                    return False
        return True

    @staticmethod
    def _replica_count(client: redis.Redis) -> int:
        """Replicas the node's ``CLUSTER SLOTS`` lists (only those it knows to have synced)."""
        ranges = _run(client, "CLUSTER", "SLOTS")
        return sum(len(entry) - 3 for entry in ranges)

    def wait_until_ok(self, timeout: float = 30.0) -> None:
        """Wait until every running node reports ``cluster_state:ok`` (after a failover...).

        Raises:
            RuntimeError: The state did not become ``ok`` within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            states = []
            for node in self._nodes:
                if not node.running:
                    continue
                client = self._client(node)
                try:
                    text = str(_run(client, "CLUSTER", "INFO"))
                except redis.RedisError:
                    text = ""
                finally:
                    client.close()
                states.append(_info_field(text, "cluster_state"))
            if states and all(state == "ok" for state in states):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster state is {states} after {timeout:g} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop every node and remove their directories. Safe to call more than once."""
        with self._lock:
            atexit.unregister(self.stop)
            self._cleanup()

    def _cleanup(self) -> None:
        nodes, self._nodes = self._nodes, []
        self._bus_ports = []
        for node in nodes:
            with contextlib.suppress(Exception):
                node.stop()

    def __repr__(self) -> str:
        if not self.running:
            return "<EmbeddedCluster stopped>"
        return f"<EmbeddedCluster primaries={self.primaries} replicas={self.replicas} ports={self.ports}>"


# ---- the process-wide shared cluster ----------------------------------------------------

_shared_cluster: EmbeddedCluster | None = None
_shared_lock = threading.Lock()


def start_cluster() -> EmbeddedCluster:
    """Return the process-wide shared embedded cluster (3 primaries, 1 replica each).

    Started on the first call (about 3 s), restarted if it was stopped; stopped at interpreter
    exit or by :func:`stop_cluster`. ``REDIS_CLUSTER_URL`` is not consulted; see
    :func:`cluster_url`.
    """
    global _shared_cluster
    with _shared_lock:
        if _shared_cluster is None:
            _shared_cluster = EmbeddedCluster(primaries=3, replicas=1)
        return _shared_cluster.start()


def stop_cluster() -> None:
    """Stop the shared cluster of :func:`start_cluster`, if it runs."""
    with _shared_lock:
        if _shared_cluster is not None:
            _shared_cluster.stop()


def cluster_url() -> str:
    """Return ``$REDIS_CLUSTER_URL`` when set, else the URL of the shared embedded cluster.

    The URL has the form ``redis+cluster://host:port/0`` (any node of the cluster). With
    ``REDIS_CLUSTER_URL`` set, nothing is started.
    """
    url = os.environ.get("REDIS_CLUSTER_URL")
    if url:
        return url
    return start_cluster().url
