"""Models of the integrity tests (issue 12), shared by ``tests/_async`` and ``tests/_sync``."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from rapyer import AtomicRedisModel, Key, RedisConfig


class IgScores(AtomicRedisModel):
    """Dicts addressed by key: flat, nested, and holding nested models."""

    scores: dict[str, int] = Field(default_factory=dict)
    deep: dict[str, dict[str, int]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class IgSpot(AtomicRedisModel):
    label: str = ""
    hits: int = 0


class IgPlaces(AtomicRedisModel):
    by_name: dict[str, IgSpot] = Field(default_factory=dict)


class IgNumbers(AtomicRedisModel):
    i: int = 0
    f: float = 0.0
    maybe: Optional[float] = None
    floats: list[float] = Field(default_factory=list)
    ints: dict[str, int] = Field(default_factory=dict)


class IgBounded(AtomicRedisModel):
    """Numbers with constraints of their fields (``Field(ge=...)``), top level and nested."""

    stock: int = Field(default=0, ge=0)
    ratio: float = Field(default=0.5, ge=0.0, le=1.0)
    inner: IgBoundedInner = Field(default_factory=lambda: IgBoundedInner())


class IgBoundedInner(AtomicRedisModel):
    level: int = Field(default=1, ge=1, le=3)


class IgUser(AtomicRedisModel):
    email: Key[str]
    name: str = ""
    balance: int = 0
    roles: set[str] = Field(default_factory=set)


class IgAcct(AtomicRedisModel):
    Meta = RedisConfig(key_prefix="IgAcct")
    id: Key[str]
    n: int = 0


class IgCounter(AtomicRedisModel):
    """Contention on two fields: ``n`` by atomic increments, ``a`` by saves."""

    n: int = 0
    a: int = 0
    note: str = ""
    items: list[int] = Field(default_factory=list)
    inner: IgSpot = Field(default_factory=IgSpot)


class IgEvolved(AtomicRedisModel):
    """A model that gained fields after documents were stored without them."""

    name: str = ""
    total: int = 0
    ratio: float = 0.5
    text: str = "t"
    items: list[int] = Field(default_factory=lambda: [1])
    table: dict[str, int] = Field(default_factory=dict)
    roles: set[str] = Field(default_factory=set)
