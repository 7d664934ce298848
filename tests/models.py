"""Models shared by the async tests and their generated sync twins."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any, Generic, Literal, Optional, TypeVar

from pydantic import BaseModel, Field

from rapyer import AtomicRedisModel, Key, Pickle, RedisConfig, SafeLoad

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
