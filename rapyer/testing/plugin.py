"""pytest plugin of rapyer, registered through the ``pytest11`` entry point ``rapyer``.

Fixtures:

``rapyer_server_url`` (session)
    ``$REDIS_URL`` when set, else the URL of the shared embedded server (``server_url()``:
    valkey + RedisJSON + RediSearch, started on first use, stopped when the process exits).

``rapyer_init`` (function)
    Flushes the server's database, calls ``rapyer.init_rapyer_sync(redis=url)``, yields the
    URL, then calls ``rapyer.teardown_rapyer_sync()`` and forgets the ``init_rapyer`` defaults.
    It refuses (``FlushRefusedError``) to flush a database that already held keys when the
    session first used it, unless ``RAPYER_TEST_ALLOW_FLUSH=1`` is set.

``rapyer_cluster`` (session)
    A process-wide :class:`~rapyer.testing.EmbeddedCluster` (3 primaries, 1 replica each),
    started on first use (about 3 s) and stopped when the process exits.

``rapyer_cluster_url`` (session)
    ``$REDIS_CLUSTER_URL`` when set (nothing is started), else the ``redis+cluster://`` URL of
    ``rapyer_cluster``.

Marker: ``@pytest.mark.cluster`` marks tests that run against a cluster (select them with
``-m cluster``, skip them with ``-m "not cluster"``).

Loading the plugin starts nothing: a server is started only when a test asks for one of
these fixtures, and nothing heavy (redis-py, pydantic, rapyer's core) is imported until a
fixture runs: the cluster helpers and ``rapyer_init``'s imports are loaded on use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from rapyer import testing

if TYPE_CHECKING:
    from rapyer.testing.cluster import EmbeddedCluster

__all__ = ["rapyer_cluster", "rapyer_cluster_url", "rapyer_init", "rapyer_server_url"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cluster: runs against a Redis Cluster (the embedded one unless REDIS_CLUSTER_URL)",
    )


@pytest.fixture(scope="session")
def rapyer_cluster() -> EmbeddedCluster:
    """The process-wide embedded cluster: 3 primaries, 1 replica each, started on first use."""
    return testing.start_cluster()


@pytest.fixture(scope="session")
def rapyer_cluster_url() -> str:
    """``$REDIS_CLUSTER_URL`` when set, else the ``redis+cluster://`` URL of the shared cluster."""
    return testing.cluster_url()


@pytest.fixture(scope="session")
def rapyer_server_url() -> Iterator[str]:
    """The URL of a Redis-compatible server with RedisJSON and RediSearch.

    ``$REDIS_URL`` when set (nothing is started), else the process-wide embedded server of
    ``rapyer.testing.server_url()`` (stopped when the process exits).
    """
    yield testing.server_url()


@pytest.fixture
def rapyer_init(rapyer_server_url: str) -> Iterator[str]:
    """An empty database with rapyer initialised on it; yields the URL.

    Runs ``FLUSHDB`` and ``rapyer.init_rapyer_sync(redis=url)`` before the test and
    ``rapyer.teardown_rapyer_sync()`` after it. A database that held keys before this session
    first flushed it is refused unless ``RAPYER_TEST_ALLOW_FLUSH=1`` (see
    ``rapyer.testing.flush_test_database``).
    """
    # Imported here, when a test uses the fixture: loading the plugin stays light.
    import rapyer

    testing.flush_test_database(rapyer_server_url)
    rapyer.init_rapyer_sync(redis=rapyer_server_url)
    try:
        yield rapyer_server_url
    finally:
        rapyer.teardown_rapyer_sync()
        from rapyer.config import reset_init_defaults

        reset_init_defaults()
