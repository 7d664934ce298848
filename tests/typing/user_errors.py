"""Lines that must be type errors: each line ending in ``# error`` is reported by mypy and by
pyright, and no other line is (tests/typing/test_typing.py). Never run."""

from __future__ import annotations

from typing_extensions import assert_type

import rapyer
from rapyer import AtomicRedisModel, Index, Key, ops, q


class User(AtomicRedisModel):
    email: Key[str]
    age: Index[int] = 0
    name: Index[str] = ""
    tags: list[str] = []
    scores: dict[str, int] = {}
    roles: set[str] = set()


async def wrong() -> None:
    user = await User.aget("x")
    user.age = "old"  # error
    await ops(user.tags).aappend(123)  # error
    await ops(user.tags).aextend([1, 2])  # error
    ops(user.tags).append_now(1.5)  # error
    await ops(user.scores).aset_item("math", "A")  # error
    await ops(user.roles).aadd(1)  # error
    await ops(user.age).aincrease("1")  # error
    await ops(user.age).aappend(1)  # error
    await User.afind(q(User.age) > "30")  # error
    await User.afind(q(User.name).in_([1, 2]))  # error
    User(email=1)  # error
    assert_type(await rapyer.aget("User:x"), User)  # error
