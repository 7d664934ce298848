"""Shared fixtures (not generated): the real server, fakeredis, and a clean binding per test.

Test models live in ``tests/models.py`` so that ``tests/_async`` and the generated
``tests/_sync`` share one registry entry per class.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import rapyer
from rapyer.config import reset_init_defaults

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def server_url() -> str:
    """A real Redis-compatible server with RedisJSON and RediSearch."""
    from rapyer.testing import server_url as shared_server_url

    return shared_server_url()


def _clean_state() -> None:
    rapyer.teardown_rapyer_sync()
    reset_init_defaults()


@pytest.fixture
def real_redis(server_url: str):
    """Binds rapyer to the real server, flushed."""
    import redis

    client = redis.Redis.from_url(server_url, decode_responses=True)
    client.flushdb()
    rapyer.init_rapyer_sync(redis=server_url)
    yield client
    client.close()
    _clean_state()


@pytest.fixture
def fake_redis():
    """Binds rapyer to a fresh in-process fakeredis server."""
    import fakeredis

    server = fakeredis.FakeServer()
    client = fakeredis.FakeRedis(server=server, decode_responses=True, lua_modules={"cjson"})
    rapyer.init_rapyer_sync(redis=client)
    yield client
    _clean_state()


@pytest.fixture
def cluster_redis(rapyer_cluster_url: str):
    """Binds rapyer to the shared embedded cluster, flushed; yields a blocking cluster client."""
    from redis.cluster import RedisCluster

    from rapyer._cluster_clients import plain_url

    client = RedisCluster.from_url(plain_url(rapyer_cluster_url), decode_responses=True)
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    rapyer.init_rapyer_sync(redis=rapyer_cluster_url)
    yield client
    client.close()
    _clean_state()


@pytest.fixture(params=["real", "fake"])
def redis_backend(request: pytest.FixtureRequest):
    """Runs a test against the real server and against fakeredis."""
    yield request.getfixturevalue("real_redis" if request.param == "real" else "fake_redis")


@pytest.fixture
def backend(real_redis):
    """The real server only (for features fakeredis lacks)."""
    return real_redis
