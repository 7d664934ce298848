"""Fixtures of the integration tests: the examples, the notebook and the docs build.

The server is the shared one of ``rapyer.testing`` (``$REDIS_URL`` when set).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_on_path() -> Iterator[Path]:
    """``examples/`` on ``sys.path``, so ``fastapi_app`` imports as a package."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield EXAMPLES
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.fixture
def rapyer_bound(rapyer_init: str) -> str:
    """The plugin's ``rapyer_init``: an empty database with rapyer bound to it; the URL."""
    return rapyer_init


@pytest.fixture
def raw(rapyer_bound: str) -> Iterator[object]:
    """A raw redis-py client on the same server, for assertions on what is stored."""
    import redis

    client = redis.Redis.from_url(rapyer_bound, decode_responses=True)
    try:
        yield client
    finally:
        client.close()
