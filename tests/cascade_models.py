"""Models for the TTL cascade tests (shared by ``tests/_async`` and ``tests/_sync``)."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import BaseModel, Field

from rapyer import AtomicRedisModel, Index, RedisConfig
from rapyer.actions import ActionGroup, mark_actions
from rapyer.cascade import CascadeTTL
from rapyer.types import RedisPriorityQueue, Reference


class CasLeaf(AtomicRedisModel):
    Meta = RedisConfig(ttl=1000)
    name: str = ""


class CasMid(AtomicRedisModel):
    """References without a marker: they follow ``Meta.cascade_ttl`` (off here)."""

    Meta = RedisConfig(ttl=500)
    leaf: Optional[Reference[CasLeaf]] = None  # noqa: UP045
    leaves: list[Reference[CasLeaf]] = Field(default_factory=list)
    by_name: dict[str, Reference[CasLeaf]] = Field(default_factory=dict)


class CasRoot(AtomicRedisModel):
    """One edge with a marker (always cascades), one without (follows the class default)."""

    Meta = RedisConfig(ttl=100)
    mid: Annotated[Optional[Reference[CasMid]], CascadeTTL()] = None  # noqa: UP045
    other: Optional[Reference[CasLeaf]] = None  # noqa: UP045
    n: Index[int] = 0
    tags: list[str] = Field(default_factory=list)

    @mark_actions(ActionGroup.UPDATE)
    async def amark_touch(self) -> None:
        return None

    @mark_actions(ActionGroup.UPDATE)
    def mark_touch(self) -> None:
        return None


class CasQuiet(AtomicRedisModel):
    """A marked edge, refreshed by updates only: reads neither refresh nor cascade."""

    Meta = RedisConfig(ttl=100, refresh_ttl=ActionGroup.UPDATE)
    mid: Annotated[Optional[Reference[CasMid]], CascadeTTL()] = None  # noqa: UP045
    n: int = 0


class CasInner(BaseModel):
    """A nested model whose set and queue hold references (each at a key of its own)."""

    refs: Annotated[set[Reference[CasLeaf]], CascadeTTL()] = Field(default_factory=set)
    queue: Annotated[RedisPriorityQueue[Reference[CasLeaf]], CascadeTTL()] = Field(
        default_factory=RedisPriorityQueue
    )


class CasBag(AtomicRedisModel):
    """References in sets and queues of nested models, held directly and as Optional."""

    Meta = RedisConfig(ttl=100)
    inner: CasInner = Field(default_factory=CasInner)
    maybe: Optional[CasInner] = None  # noqa: UP045


class CasOpen(AtomicRedisModel):
    """Every edge cascades through the class default, at most two hops."""

    Meta = RedisConfig(ttl=200, cascade_ttl=CascadeTTL(depth=2))
    next: Optional[Reference[CasOpen]] = None  # noqa: UP045
    leaves: list[Reference[CasLeaf]] = Field(default_factory=list)
    wrong: Optional[Reference[CasLeaf]] = None  # noqa: UP045


class CasRing(AtomicRedisModel):
    """A marked self reference: rings are walked once."""

    Meta = RedisConfig(ttl=300)
    next: Annotated[Optional[Reference[CasRing]], CascadeTTL()] = None  # noqa: UP045
