"""Models shared by the async tests and their generated sync twins."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Annotated, Any, Generic, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from rapyer import AtomicRedisModel, Index, Key, Pickle, RedisConfig, SafeLoad, _keys
from rapyer.actions import ActionGroup, mark_actions
from rapyer.types import ForeignKey, RedisPriorityQueue, Reference

T = TypeVar("T")


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class User(AtomicRedisModel):
    name: str
    age: int = 0
    email: str = ""
    tags: list[str] = Field(default_factory=list)


class Product(AtomicRedisModel):
    name: str
    price: float
    in_stock: bool = True


class Address(AtomicRedisModel):
    city: str
    zip: str = ""


class Person(AtomicRedisModel):
    name: str
    address: Address
    previous: list[Address] = Field(default_factory=list)
    by_label: dict[str, Address] = Field(default_factory=dict)


class Account(AtomicRedisModel):
    Meta = RedisConfig(key_prefix="acct")
    account_id: Key[str]
    balance: int = 0


class Everything(AtomicRedisModel):
    """A field of every supported JSON type."""

    s: str = ""
    i: int = 0
    f: float = 0.0
    b: bool = False
    n: Optional[int] = None
    u: uuid.UUID = Field(default_factory=uuid.uuid4)
    d: decimal.Decimal = decimal.Decimal("0")
    day: dt.date = dt.date(2020, 1, 1)
    t: dt.time = dt.time(0, 0)
    td: dt.timedelta = dt.timedelta(0)
    when: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    color: Color = Color.RED
    level: Level = Level.LOW
    lit: Literal["x", "y"] = "x"
    raw: bytes = b""
    tup: tuple[int, str] = (0, "")
    fs: frozenset[int] = frozenset()
    lst: list[int] = Field(default_factory=list)
    mapping: dict[str, float] = Field(default_factory=dict)
    anything: Any = None


class Box(AtomicRedisModel, Generic[T]):
    item: T


class Inventory(AtomicRedisModel):
    owner: str
    counts: SafeLoad[list[int]] = Field(default_factory=list)
    note: SafeLoad[str] = ""


class Widget:
    """An arbitrary class: only storable pickled."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Widget) and other.size == self.size


class Pickled(AtomicRedisModel):
    widget: Pickle[Widget]


class PlainBase(BaseModel):
    created_by: str = "system"


class Derived(User):
    level: int = 1


class WithPlainBase(AtomicRedisModel, PlainBase):
    title: str = ""


# ---- indexed models (queries) -------------------------------------------------------------


class Place(AtomicRedisModel):
    city: Index[str]
    zip: str = ""
    floor: Index[Optional[int]] = None


class Member(AtomicRedisModel):
    """Every indexable kind, nested and optional fields included."""

    name: Index[str]
    age: Annotated[int, Index(sortable=True)] = 0
    score: Index[float] = 0.0
    email: Annotated[str, Index(full_text=True)] = ""
    bio: Annotated[str, Index(full_text=True)] = ""
    active: Index[bool] = True
    nickname: Index[Optional[str]] = None
    rank: Index[Optional[int]] = None
    joined: Index[dt.datetime] = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    birthday: Index[dt.date] = dt.date(2000, 1, 1)
    color: Index[Color] = Color.RED
    level: Index[Level] = Level.LOW
    ident: Index[uuid.UUID] = Field(default_factory=uuid.uuid4)
    kind: Index[Literal["a", "b"]] = "a"
    home: Place = Field(default_factory=lambda: Place(city="nowhere"))
    note: str = ""  # not indexed


class Doc(AtomicRedisModel):
    """The model of the property tests (small batches: many cursor reads per query)."""

    Meta = RedisConfig(batch_size=13)
    s: Annotated[str, Index(sortable=True)] = ""
    t: Annotated[Optional[str], Index(full_text=True)] = None
    n: Annotated[int, Index(sortable=True)] = 0
    x: Index[Optional[float]] = None
    b: Index[bool] = False
    when: Index[Optional[dt.datetime]] = None
    inner: Place = Field(default_factory=lambda: Place(city=""))


class Unindexed(AtomicRedisModel):
    name: str = ""


# ---- bulk operations and TTL ------------------------------------------------------------------


class Order(AtomicRedisModel):
    user_id: str
    product_id: str = ""
    quantity: int = 0
    total: float = 0.0


class Session(AtomicRedisModel):
    """TTL 100 s, refreshed by every action."""

    Meta = RedisConfig(ttl=100)
    token: str = ""
    hits: int = 0

    @mark_actions(ActionGroup.UPDATE)
    async def amark_visit(self) -> None:
        self.hits += 1

    @mark_actions(ActionGroup.UPDATE)
    def mark_visit(self) -> None:
        self.hits += 1

    @mark_actions(ActionGroup.UPDATE, ActionGroup.APPEND)
    async def amark_twice(self) -> None:
        await self.amark_visit()
        await self.amark_visit()

    @mark_actions(ActionGroup.UPDATE, ActionGroup.APPEND)
    def mark_twice(self) -> None:
        self.mark_visit()
        self.mark_visit()


class CreateOnlySession(AtomicRedisModel):
    """TTL 100 s that no action refreshes: creating writes use EXPIRE ... NX."""

    Meta = RedisConfig(ttl=100, refresh_ttl=False)
    token: str = ""


class ReadRefreshSession(AtomicRedisModel):
    """TTL 100 s refreshed by reads only."""

    class Meta:
        ttl = 100
        refresh_ttl = ActionGroup.READ

    token: str = ""


class Ticket(AtomicRedisModel):
    """A Key field and a TTL (get_or_create under concurrency)."""

    Meta = RedisConfig(ttl=100)
    code: Key[str]
    owner: str = ""


class Labelled(AtomicRedisModel):
    """Keeps ``labels`` in its own Redis SET through the special-field hooks of the model base,
    the way set and queue fields do (bulk operations must carry such keys along)."""

    Meta = RedisConfig(ttl=100)
    name: str = ""
    labels: list[str] = Field(default_factory=list, exclude=True)

    def _special_save_commands(self) -> list[tuple[Any, ...]]:
        key = _keys.special_key(self.key, "labels")
        commands: list[tuple[Any, ...]] = [("DEL", key)]
        if self.labels:
            commands.append(("SADD", key, *self.labels))
        return commands

    @classmethod
    def _special_read_commands(cls, key: str) -> list[tuple[Any, ...]]:
        return [("SMEMBERS", _keys.special_key(key, "labels"))]

    def _apply_special_replies(self, replies: list[Any]) -> None:
        self.labels = sorted(replies[0])


# Set after class creation: the model base computes this tuple from the field types.
Labelled.__rapyer_special_fields__ = ("labels",)


class Elsewhere(AtomicRedisModel):
    """Bound by tests to a second server at run time (several bindings in one call)."""

    note: str = ""


class PipelineSession(AtomicRedisModel):
    """A model with a TTL (pipeline tests)."""

    Meta = RedisConfig(ttl=100)
    name: str = ""
    hits: int = 0


class PipelineOtherDb(AtomicRedisModel):
    """A model whose binding a test points at a second server or db (pipeline tests)."""

    name: str = ""


# ---- locks (tests/_async/test_lock.py) ----------------------------------------------


class LockCounter(AtomicRedisModel):
    """A counter for lock contention tests (short pause between acquire attempts)."""

    Meta = RedisConfig(lock_sleep=0.002)
    n: int = 0


class LockTuned(AtomicRedisModel):
    """Lock defaults set in a nested Meta."""

    class Meta:
        lock_lease = 2.5
        lock_blocking_timeout = 0.1
        lock_sleep = 0.01
        ttl = 100

    n: int = 0


# ---- Redis field types (issue 4) --------------------------------------------------------------


class Stash(AtomicRedisModel):
    """One field of each type the stateful tests drive."""

    n: int = 0
    f: float = 0.0
    s: str = ""
    lst: list[int] = Field(default_factory=list)
    d: dict[str, int] = Field(default_factory=dict)
    tags: set[str] = Field(default_factory=set)


class Typed(AtomicRedisModel):
    """Every Redis field type, nested containers and special fields."""

    raw: bytes = b""
    when: dt.datetime = dt.datetime(2020, 1, 1, 12, 0, 0, 500, tzinfo=dt.timezone.utc)
    naive: dt.datetime = dt.datetime(2020, 1, 1)
    opt: Optional[int] = None
    grid: list[dict[str, list[int]]] = Field(default_factory=list)
    ratios: dict[str, float] = Field(default_factory=dict)
    people: list[Address] = Field(default_factory=list)
    members: set[int] = Field(default_factory=set)
    labels: set[str]
    queue: RedisPriorityQueue[str]


class Holder(AtomicRedisModel):
    inner: Address
    stash: Optional[Stash] = None


class Forward(AtomicRedisModel):
    """Refers to a class defined below: rewritten when pydantic completes it."""

    n: int = 0
    later: Optional[Later] = None
    items: list[Later] = Field(default_factory=list)


class Later(AtomicRedisModel):
    x: int = 0


class Expiring(AtomicRedisModel):
    Meta = RedisConfig(ttl=100)
    counts: list[int] = Field(default_factory=list)
    n: int = 0
    members: set[int] = Field(default_factory=set)


class Stamped(AtomicRedisModel):
    at: Index[dt.datetime] = dt.datetime(2020, 1, 1)
    plain_int: int = 0

    class Meta:
        redis_type = {int: int}  # opt out of RedisInt for this class


class Crew(AtomicRedisModel):
    skills: set[str] = Field(default_factory=set)
    name: str = ""


class Team(AtomicRedisModel):
    lead: Optional[Crew] = None
    crew: Crew = Field(default_factory=Crew)
    tags: set[int] = Field(default_factory=set)


class Author(AtomicRedisModel):
    name: str = ""


class Book(AtomicRedisModel):
    title: str = ""
    author: Optional[ForeignKey[Author]] = None
    co_authors: list[ForeignKey[Author]] = Field(default_factory=list)
    by_role: dict[str, Reference[Author]] = Field(default_factory=dict)
    fans: set[ForeignKey[Author]] = Field(default_factory=set)
    sequel: Optional[ForeignKey[Book]] = None
    subject: Optional[ForeignKey[Author | Book]] = None


class Tagged(AtomicRedisModel):
    strict_tags: set[int] = Field(default_factory=set)
    safe_tags: SafeLoad[set[int]] = Field(default_factory=set)


class Bounded(AtomicRedisModel):
    stock: Annotated[int, Field(ge=0)] = 0
    name: Annotated[str, Field(max_length=5)] = ""


class Aliased(AtomicRedisModel):
    """A field with an alias (serialised by alias for users) and an excluded field."""

    model_config = ConfigDict(serialize_by_alias=True)
    a: int = Field(1, alias="b")
    secret: str = Field("default", exclude=True)


class Pinned(AtomicRedisModel):
    """Keys in the cluster layout ``{Pinned:pk}`` on any server."""

    Meta = RedisConfig(cluster_keys=True)
    city: Index[str] = ""
    rank: Index[int] = 0
    tags: set[str] = Field(default_factory=set)


class Spread(AtomicRedisModel):
    """Every indexable kind in the cluster layout on any server: the same keys on a single
    server and on a cluster, so their query results compare item by item."""

    Meta = RedisConfig(cluster_keys=True, batch_size=7)
    s: Annotated[str, Index(sortable=True)] = ""
    name: Index[str] = ""
    t: Annotated[Optional[str], Index(full_text=True)] = None
    n: Annotated[int, Index(sortable=True)] = 0
    x: Index[Optional[float]] = None
    b: Index[bool] = False
    when: Index[Optional[dt.datetime]] = None
    day: Index[dt.date] = dt.date(2000, 1, 1)
    color: Index[Color] = Color.RED
    inner: Place = Field(default_factory=lambda: Place(city=""))


class Slot(AtomicRedisModel):
    """An item of ``Shelf``: ``tag`` names it, ``x`` and ``sub`` take atomic writes."""

    tag: int = 0
    x: int = 0
    sub: list[int] = Field(default_factory=list)


class Crate(AtomicRedisModel):
    slots: list[Slot] = Field(default_factory=list)


class Shelf(AtomicRedisModel):
    """Lists of nested models whose items shift (``tests/_async/test_list_positions.py``)."""

    items: list[Slot] = Field(default_factory=list)
    groups: dict[str, list[Slot]] = Field(default_factory=dict)
    crates: list[Crate] = Field(default_factory=list)


class Tally(AtomicRedisModel):
    """Lists of scalars whose items are read, held, and written through after shifts."""

    ints: list[int] = Field(default_factory=list)
    floats: list[float] = Field(default_factory=list)
    strs: list[str] = Field(default_factory=list)
    whens: list[dt.datetime] = Field(default_factory=list)
    raws: list[bytes] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


class Hot(AtomicRedisModel):
    """Fields of the fast paths of ``rapyer._types.hot`` (``tests/_async/test_hot_paths.py``)."""

    n: int = 0
    tags: list[str] = Field(default_factory=list)
    x: float = 0.5


class HotKeyed(AtomicRedisModel):
    """The same fields under a ``Key`` field."""

    name: Key[str]
    n: int = 0
    tags: list[str] = Field(default_factory=list)
