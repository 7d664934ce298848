"""pytest plugin of rapyer, registered through the ``pytest11`` entry point ``rapyer``.

Fixtures:

``rapyer_server_url`` (session)
    ``$REDIS_URL`` when set, else the URL of an :class:`~rapyer.testing.EmbeddedServer`
    started for the session (valkey + RedisJSON + RediSearch) and stopped at its end.

``rapyer_init`` (function)
    Flushes the server's database, calls ``rapyer.init_rapyer_sync(redis=url)``, yields the
    URL, then calls ``rapyer.teardown_rapyer_sync()``.

Loading the plugin starts nothing: a server is started only when a test asks for one of
these fixtures. rapyer's core is imported only inside ``rapyer_init``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from rapyer.testing import EmbeddedServer

__all__ = ["rapyer_init", "rapyer_server_url"]


@pytest.fixture(scope="session")
def rapyer_server_url() -> Iterator[str]:
    """The URL of a Redis-compatible server with RedisJSON and RediSearch.

    ``$REDIS_URL`` when set (nothing is started), else a session-wide embedded server.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with EmbeddedServer() as server:
        yield server.url


@pytest.fixture
def rapyer_init(rapyer_server_url: str) -> Iterator[str]:
    """An empty database with rapyer initialised on it; yields the URL.

    Runs ``FLUSHDB`` and ``rapyer.init_rapyer_sync(redis=url)`` before the test and
    ``rapyer.teardown_rapyer_sync()`` after it.
    """
    import redis

    import rapyer

    client = redis.Redis.from_url(rapyer_server_url)
    try:
        client.flushdb()
    finally:
        client.close()
    rapyer.init_rapyer_sync(redis=rapyer_server_url)
    try:
        yield rapyer_server_url
    finally:
        rapyer.teardown_rapyer_sync()
