"""User code as written with rapyer's mypy plugin (``plugins = ["rapyer.mypy"]``): field
operations and queries on the fields themselves. Checked by mypy with the plugin only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field
from typing_extensions import assert_type

from rapyer import AtomicRedisModel, Index, IndexOptions, Key, Pickle, ops, q
from rapyer.types import RedisDict, RedisInt, RedisList, RedisSet, RedisStr


class Address(AtomicRedisModel):
    city: Index[str] = ""


class User(AtomicRedisModel):
    email: Key[str]
    age: Index[int] = 0
    name: Index[str] = ""
    bio: Annotated[str, IndexOptions(full_text=True)] = ""
    score: float | None = None
    blob: Pickle[bytes] = b""
    joined: dt.datetime = Field(default_factory=dt.datetime.now)
    tags: list[str] = []
    scores: dict[str, int] = {}
    roles: set[str] = set()
    address: Address = Field(default_factory=Address)


async def main() -> None:
    user = await User.aget("a@b.c")
    assert_type(user.email, str)
    assert_type(user.blob, bytes)
    assert_type(user.age, RedisInt)
    assert_type(user.name, RedisStr)
    assert_type(user.bio, str)  # Annotated metadata is not kept by mypy: the declared type
    assert_type(ops(user.bio), RedisStr)
    assert_type(user.tags, RedisList[str])
    assert_type(user.scores, RedisDict[str, int])
    assert_type(user.roles, RedisSet[str])
    assert_type(await user.age.aincrease(1), int)
    assert_type(user.age.increase_now(1), int)
    await user.tags.aappend("x")
    user.tags.append_now("y")
    await user.scores.aset_item("a", 1)
    await user.roles.aadd("r")
    if user.score is not None:
        assert_type(await user.score.aincrease(0.5), float)
    user.age += 1
    user.age = 3
    user.tags = ["a"]
    older = await User.afind(User.age > 30, User.name.in_(["a", "b"]))
    assert_type(older, list[User])
    await User.afind(User.address.city == "Paris", sort_by=User.age.desc())
    await User.afind(q(User.age) >= 18)
    await User.afind(User.name.startswith("ab"), User.name.match("x"))
