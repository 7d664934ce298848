"""The async API across event loops, and the blocking API inside a running loop."""

from __future__ import annotations

import asyncio
import threading
import time

import redis
import redis.asyncio as aredis

import rapyer
from rapyer import _clients
from rapyer._binding import binding_of
from rapyer.testing import flush_test_database
from tests.models import User


def test_repeated_asyncio_run(real_redis) -> None:
    user = User(name="loop")
    for i in range(3):
        user.age = i
        asyncio.run(user.asave())
        assert asyncio.run(User.aget(user.key)).age == i


def test_loops_in_other_threads(real_redis) -> None:
    """As asgiref's async_to_sync does: each call runs in a fresh loop in another thread."""
    user = User(name="threads")
    asyncio.run(user.asave())
    results: list[int] = []

    def worker(n: int) -> None:
        async def body() -> int:
            await user.aupdate(age=n)
            return (await User.aget(user.key)).age

        results.append(asyncio.run(body()))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) != [] and len(results) == 4
    assert User.get(user.key).age in range(4)


def test_blocking_api_inside_a_running_loop(real_redis) -> None:
    """As in Jupyter: blocking calls and awaits in the same running loop."""

    async def cell() -> tuple[int, int]:
        user = User(name="jupyter", age=1)
        user.save()  # blocking call inside the loop
        loaded = await User.aget(user.key)
        loaded.age = 2
        await loaded.asave()
        return User.get(user.key).age, (await rapyer.aget(user.key)).age

    assert asyncio.run(cell()) == (2, 2)


def test_teardown_then_reconnect(real_redis) -> None:
    user = User(name="teardown")
    asyncio.run(user.asave())

    async def teardown_and_read() -> str:
        await rapyer.teardown_rapyer()
        return (await User.aget(user.key)).name

    assert asyncio.run(teardown_and_read()) == "teardown"
    rapyer.teardown_rapyer_sync()
    assert User.get(user.key).name == "teardown"


def test_binding_to_a_client_object(server_url: str, real_redis) -> None:
    """A sync client given to init serves the sync API; async calls get a sibling."""
    client = redis.Redis.from_url(server_url)  # without decode_responses: replaced
    rapyer.init_rapyer_sync(redis=client)
    user = User(name="client")
    user.save()
    assert asyncio.run(User.aget(user.key)).name == "client"

    async def with_async_client() -> str:
        async_client = aredis.Redis.from_url(server_url, decode_responses=True)
        await rapyer.init_rapyer(redis=async_client)
        try:
            await user.aupdate(name="async-client")
            return (await User.aget(user.key)).name
        finally:
            await rapyer.teardown_rapyer()

    assert asyncio.run(with_async_client()) == "async-client"
    assert User.get(user.key).name == "async-client"


def test_runtime_rebinding_of_one_class(server_url: str, real_redis) -> None:
    other_db = server_url.rsplit("/", 1)[0] + "/1"
    flush_test_database(other_db)  # refuses a database this session did not fill
    other = redis.Redis.from_url(other_db, decode_responses=True)
    User.Meta.redis = other_db
    try:
        user = User(name="db1")
        user.save()
        assert other.exists(user.key) and not real_redis.exists(user.key)
        assert asyncio.run(User.aget(user.key)).name == "db1"
    finally:
        User.Meta.__pydantic_fields_set__.discard("redis")
        User.Meta.redis = None
        User.Meta.__pydantic_fields_set__.discard("redis")
        other.flushdb()
        other.close()
    assert not User.exists(user.key)


def test_closed_loops_release_their_clients(real_redis) -> None:
    """Each asyncio.run gets its own client; the clients of closed loops are closed and dropped."""
    from rapyer._binding import all_bindings

    baseline = len(real_redis.client_list())
    user = User(name="many-loops")
    for _ in range(15):
        asyncio.run(user.asave())
    kept = sum(len(b.async_clients.by_loop) for b in all_bindings() if b.async_clients is not None)
    assert kept <= 1
    assert len(real_redis.client_list()) - baseline <= 1


def _named(client: redis.Redis, name: str) -> int:
    return sum(1 for c in client.client_list() if c["name"] == name)


def _settles(client: redis.Redis, name: str, count: int) -> bool:
    for _ in range(100):  # the server notices a closed socket a moment later
        if _named(client, name) == count:
            return True
        time.sleep(0.02)
    return False


def test_the_loops_client_is_closed_when_asyncio_run_ends(server_url: str, real_redis) -> None:
    rapyer.init_rapyer_sync(redis=f"{server_url}?client_name=closed-with-loop")
    user = User(name="closed")
    blocking = _named(real_redis, "closed-with-loop")  # init's blocking client

    async def body() -> int:
        await user.asave()
        return _named(real_redis, "closed-with-loop")

    assert asyncio.run(body()) > blocking  # open while the loop runs
    assert _settles(real_redis, "closed-with-loop", blocking)
    binding = binding_of(User)
    assert binding.async_clients is not None and len(binding.async_clients.by_loop) == 0


def test_a_teardown_elsewhere_leaves_a_running_loop_its_client(server_url: str, real_redis) -> None:
    """A teardown in another thread does not close a client a running loop may be using: it
    is closed when that loop shuts down."""
    rapyer.init_rapyer_sync(redis=f"{server_url}?client_name=detached")
    rapyer.teardown_rapyer_sync()  # init's blocking client: closed
    started, torn_down = threading.Event(), threading.Event()
    seen: list[int] = []

    async def body() -> None:
        await User(name="detached").asave()
        started.set()
        await asyncio.to_thread(torn_down.wait)
        await asyncio.sleep(0.1)  # a closer dropped by the teardown would have run by now
        seen.append(_named(real_redis, "detached"))

    thread = threading.Thread(target=asyncio.run, args=(body(),))
    thread.start()
    assert started.wait(30)
    rapyer.teardown_rapyer_sync()
    torn_down.set()
    thread.join(30)
    assert seen == [1]  # still connected until the loop ended
    assert _settles(real_redis, "detached", 0)
    assert not _clients._detached
