"""Lines that must be errors under rapyer's mypy plugin (tests/typing/test_typing.py): each
line ending in ``# error`` is reported, no other line is. Never run."""

from __future__ import annotations

from rapyer import AtomicRedisModel, Index, Key


class User(AtomicRedisModel):
    email: Key[str]
    age: Index[int] = 0
    name: Index[str] = ""
    tags: list[str] = []
    scores: dict[str, int] = {}


async def wrong() -> None:
    user = await User.aget("x")
    await user.tags.aappend(1)  # error
    user.tags.extend_now([1])  # error
    await user.scores.aset_item("a", "b")  # error
    await user.age.aincrease("2")  # error
    await user.email.aload()  # error
    user.age = "3"  # error
    await User.afind(User.age > "30")  # error
    await User.afind(User.name.in_([1]))  # error
