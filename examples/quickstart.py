"""rapyer quickstart: one model class, used through both APIs.

Run it with ``python examples/quickstart.py`` (``python scripts/demo.py`` sets up a venv and
does that for you). Without ``REDIS_URL`` it starts the embedded server of ``rapyer.testing``
(valkey with RedisJSON and RediSearch, from the ``server`` extra); with ``REDIS_URL``
it uses that server instead.
"""

from __future__ import annotations

import asyncio
import os

from pydantic import Field

import rapyer
from rapyer import AtomicRedisModel, Key
from rapyer.errors import KeyNotFound


class Player(AtomicRedisModel):
    """A document at ``Player:<handle>``: the ``Key`` field is the primary key."""

    handle: Key[str]
    name: str
    score: int = 0
    badges: list[str] = Field(default_factory=list)


def blocking_part() -> None:
    """The blocking API: scripts, Django views, notebooks, the REPL."""
    print("-- blocking API --")
    alice = Player(handle="alice", name="Alice", badges=["early"])
    alice.save()
    print(f"save: stored {alice.key}")

    loaded = Player.get("alice")  # a bare pk gets the prefix
    print(f"get: {loaded.name} has score {loaded.score} and badges {loaded.badges}")

    alice.update(score=10)  # validated, then written field by field in one transaction
    print(f"update: score is now {Player.get(alice.key).score}")

    alice.score = 99  # plain assignment changes the local copy only
    print(f"load: stored score {alice.load().score}, local score {alice.score}")

    with alice.pipeline() as fresh:  # one MULTI/EXEC at the end of the block
        fresh.score = 20  # inside a pipeline, assignments are queued as writes
        fresh.name = "Alice A."
    stored = Player.get("alice")
    print(f"pipeline: {stored.name} has score {stored.score}")

    # A lease lock: exclusive per (key, action); the save on exit is checked against its token.
    with Player.lock_from_key("alice", "bump", save_at_end=True, blocking_timeout=5) as locked:
        locked.score += 1
    print(f"lock: score is now {Player.get('alice').score}")

    # Field values are Redis types: atomic server-side operations, the local value kept in step.
    # rapyer.ops(value) is the value itself, typed as its Redis type for type checkers (with
    # the mypy plugin, stored.score.increase_now(5) type-checks as it is).
    print(f"increase_now: score {rapyer.ops(stored.score).increase_now(5)}")  # JSON.NUMINCRBY
    rapyer.ops(stored.badges).append_now("atomic")  # JSON.ARRAPPEND
    print(f"append_now: badges {Player.get('alice').badges}")

    same = rapyer.get("Player:alice")  # the class comes from the key's prefix
    assert isinstance(same, Player)  # rapyer.get returns an AtomicRedisModel
    print(f"rapyer.get: {type(same).__name__} {same.handle!r}")

    print(f"exists: {Player.exists('alice')}")
    print(f"delete: {alice.delete()}, exists afterwards: {Player.exists('alice')}")

    try:
        Player.get("alice")
    except KeyNotFound as error:
        print(f"KeyNotFound: {error}")
    print(f"rapyer.find_one: {rapyer.find_one('Player:alice')}")


async def async_part() -> None:
    """The async API: the same class, the same keys, every method prefixed with ``a``."""
    print("-- async API --")
    bob = Player(handle="bob", name="Bob")
    await bob.asave()
    print(f"asave: stored {bob.key}")

    loaded = await Player.aget("bob")
    print(f"aget: {loaded.name} has score {loaded.score}")

    await bob.aupdate(score=5, badges=["fast"])
    fresh = await bob.aload()
    print(f"aupdate + aload: score {fresh.score}, badges {fresh.badges}")

    async with bob.apipeline() as fresh:
        fresh.score = 7
    print(f"apipeline: score {(await Player.aget('bob')).score}")

    async with bob.alock("bump", save_at_end=True, blocking_timeout=5) as locked:
        locked.score += 1  # bob itself was refreshed too; the fresh copy is yielded
    print(f"alock: score {(await Player.aget('bob')).score}")

    current = await Player.aget("bob")
    print(f"aincrease: score {await rapyer.ops(current.score).aincrease(3)}")  # JSON.NUMINCRBY
    await rapyer.ops(current.badges).aappend("atomic")  # JSON.ARRAPPEND
    print(f"aappend: badges {(await Player.aget('bob')).badges}")

    same = await rapyer.aget(bob.key)
    assert isinstance(same, Player)
    print(f"rapyer.aget: {type(same).__name__} {same.handle!r}")

    print(f"aexists: {await rapyer.aexists(bob.key)}")
    print(f"adelete: {await bob.adelete()}, aexists afterwards: {await Player.aexists('bob')}")

    try:
        await Player.aget("bob")
    except KeyNotFound as error:
        print(f"KeyNotFound: {error}")

    await rapyer.teardown_rapyer()  # closes this event loop's client


def bulk_part() -> None:
    """Bulk operations: many models, one round trip (the async forms add the ``a``)."""
    print("-- bulk operations --")
    players = [Player(handle=f"p{i}", name=f"P{i}", score=i) for i in range(3)]
    Player.insert(*players)  # one MULTI/EXEC for all of them
    print(f"insert: {len(players)} players, count {Player.count()}")
    found = Player.find("p2", "p0")  # by keys (bare or full), in order
    print(f"find by keys: {[p.handle for p in found]}")
    print(f"find all: {sorted(p.handle for p in Player.find())}")  # SCAN, never KEYS
    outcome = Player.get_or_create(Player(handle="p1", name="Other"))  # atomic (Lua)
    print(f"get_or_create: {outcome.status.value} {outcome.value.name}")
    result = rapyer.delete_many(*[p.key for p in players])
    print(f"delete_many: {result.models_deleted} deleted, count {Player.count()}")


def main() -> None:
    url = os.environ.get("REDIS_URL")
    server = None
    if not url:
        from rapyer.testing import start_server

        server = start_server()
        url = server.url
        print(f"started the embedded server at {url}")
    else:
        print(f"using REDIS_URL={url}")

    # Optional: without it rapyer uses REDIS_URL, then redis://localhost:6379/0.
    rapyer.init_rapyer_sync(redis=url)
    try:
        blocking_part()
        asyncio.run(async_part())
        bulk_part()
    finally:
        rapyer.teardown_rapyer_sync()
        if server is not None:
            server.stop()
    print("done")


if __name__ == "__main__":
    main()
