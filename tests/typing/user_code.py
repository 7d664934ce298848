"""Typical user code, checked by mypy and pyright in tests/typing/test_typing.py (never run).

Every line type-checks without ignores; ``assert_type`` pins the types the checkers infer.
Lines that must be errors live in ``user_errors.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field
from typing_extensions import assert_type

import rapyer
from rapyer import AtomicRedisModel, Index, IndexOptions, Key, SafeLoad, ops, q
from rapyer.types import ForeignKey, PriorityQueueItem, RedisList, RedisPriorityQueue


class Address(AtomicRedisModel):
    city: Index[str] = ""


class User(AtomicRedisModel):
    email: Key[str]
    age: Index[int] = 0
    score: float = 0.0
    name: Index[str] = ""
    bio: Annotated[str, IndexOptions(full_text=True)] = ""
    nickname: SafeLoad[str | None] = None
    joined: dt.datetime = Field(default_factory=dt.datetime.now)
    tags: list[str] = []
    scores: dict[str, int] = {}
    roles: set[str] = set()
    address: Address = Field(default_factory=Address)
    jobs: RedisPriorityQueue[str] = Field(default_factory=RedisPriorityQueue)
    best_friend: ForeignKey[User] | None = None


async def async_api() -> None:
    user = User(email="a@b.c", age=3, tags=["x"])
    assert_type(user.email, str)
    age: int = user.age  # a RedisInt with the mypy plugin: an int all the same
    user.age = age + 1
    user.age += 1
    doubled: int = user.age * 2
    await user.asave()

    loaded = await User.aget("a@b.c")
    assert_type(loaded, User)
    assert_type(await User.afind(), list[User])
    assert_type(await rapyer.aget(loaded.key), AtomicRedisModel)
    assert_type(await rapyer.afind_one(loaded.key), AtomicRedisModel | None)
    assert_type(await rapyer.afind(loaded.key), list[AtomicRedisModel])

    # Field operations, through ops() (no plugin needed).
    await ops(user.tags).aappend("y")
    await ops(user.tags).aextend(["z"])
    assert_type(await ops(user.tags).apop(), str)
    assert_type(await ops(user.age).aincrease(2), int)
    assert_type(await ops(user.score).aincrease(0.5), float)
    await ops(user.scores).aset_item("math", 3)
    await ops(user.scores).aupdate({"art": 1})
    await ops(user.roles).aadd("admin")
    assert_type(await ops(user.roles).acontains("admin"), bool)
    await user.jobs.apush("resize", priority=1)
    assert_type(await user.jobs.apop(), str | None)
    await user.jobs.apush_many([PriorityQueueItem("crop", 2.0)])
    await ops(user.jobs).aclear()
    assert_type(ops(user.tags), RedisList[str])

    # Queries: class-level fields through q().
    adults = await User.afind(q(User.age) > 30, q(User.name).in_(["a", "b"]))
    assert_type(adults, list[User])
    await User.afind(q(User.bio).match("x"), sort_by=q(User.age).desc())
    await User.afind(q(User.address.city) == "Paris")
    assert_type(await User.acount(q(User.age) >= 18), int)

    # Locks and pipelines.
    async with user.alock("bump", save_at_end=True) as locked:
        assert_type(locked, User)
        locked.age += 1
    async with User.alock_from_key("a@b.c") as by_key:
        assert_type(by_key, User)
    async with rapyer.alock_from_key(user.key) as any_model:
        assert_type(any_model, AtomicRedisModel | None)
    async with user.apipeline() as piped:
        assert_type(piped, User)
        piped.age = 5
    await user.adelete()
    del doubled


def blocking_api() -> None:
    user = User.get("a@b.c")
    assert_type(user, User)
    ops(user.tags).append_now("y")
    assert_type(ops(user.age).increase_now(1), int)
    ops(user.scores).set_item_now("math", 2)
    ops(user.roles).add_now("x")
    user.jobs.push_now("x", 1.0)
    assert_type(rapyer.get(user.key), AtomicRedisModel)
    assert_type(rapyer.find_one(user.key), AtomicRedisModel | None)
    assert_type(User.find(q(User.age) < 3), list[User])
    with user.lock("edit") as locked:
        assert_type(locked, User)
    with rapyer.lock_from_key(user.key) as any_model:
        assert_type(any_model, AtomicRedisModel | None)
    with user.pipeline() as piped:
        piped.name = "x"
    user.save()
