"""Models and stored documents in the format of the original rapyer 1.3 (shared by
``tests/_async`` and the generated ``tests/_sync``).

The original stored every value it had no Redis type for as ``base64(pickle.dumps(value))``:
``bool``, ``Enum``, ``date``, ``UUID``, ``tuple``, ``Decimal`` … as whole fields, each item of
``list[bool]``/``dict[str, UUID]``/``list[datetime | None]``, and ``bytes`` as the base64 of
the pickle of the bytes. The documents below are written that way, by hand.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import os
import pickle
import uuid
import warnings
from typing import Any, Optional

from pydantic import BaseModel, Field

from rapyer import AtomicRedisModel, Index, Key, RedisConfig, SafeLoad


class OrigColor(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class OrigLevel(enum.IntEnum):
    LOW = 1
    HIGH = 2


class OrigPerm(enum.IntFlag):
    READ = 1
    WRITE = 2


class OrigInner(BaseModel):
    active: bool = False
    color: OrigColor = OrigColor.RED


class OrigAll(AtomicRedisModel):
    name: str = ""
    number: int = 0
    flag: bool = False
    maybe: Optional[bool] = None  # noqa: UP045 - the form the original pickled
    color: OrigColor = OrigColor.RED
    level: OrigLevel = OrigLevel.LOW
    perm: OrigPerm = OrigPerm.READ
    day: dt.date = dt.date(2000, 1, 1)
    at: dt.datetime = dt.datetime(2000, 1, 1)
    clock: dt.time = dt.time(0, 0)
    span: dt.timedelta = dt.timedelta(0)
    ident: uuid.UUID = uuid.UUID(int=0)
    pair: tuple[int, str] = (0, "")
    money: decimal.Decimal = decimal.Decimal("0")
    frozen: frozenset[int] = frozenset()
    raw: bytes = b""
    flags: list[bool] = Field(default_factory=list)
    ids: dict[str, uuid.UUID] = Field(default_factory=dict)
    moments: list[Optional[dt.datetime]] = Field(default_factory=list)  # noqa: UP045
    inner: OrigInner = Field(default_factory=OrigInner)


class OrigSafe(AtomicRedisModel):
    flag: SafeLoad[bool] = False
    color: OrigColor = OrigColor.RED


def pickled(value: Any) -> str:
    """A value as the original stored it: base64 of its pickle (default protocol)."""
    return base64.b64encode(pickle.dumps(value)).decode()


def sample_values() -> dict[str, Any]:
    """A plain (non-default) value for every field of ``OrigAll``."""
    utc = dt.timezone.utc
    return {
        "name": "gASILg==",  # a str that looks like a pickle stays a str
        "number": 7,
        "flag": True,
        "maybe": False,
        "color": OrigColor.BLUE,
        "level": OrigLevel.HIGH,
        "perm": OrigPerm.READ | OrigPerm.WRITE,
        "day": dt.date(2024, 2, 29),
        "at": dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=utc),
        "clock": dt.time(13, 14, 15, 16),
        "span": dt.timedelta(days=2, seconds=5, microseconds=7),
        "ident": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "pair": (3, "x"),
        "money": decimal.Decimal("12.345"),
        "frozen": frozenset({1, 2}),
        "raw": b"\x00\xffdata",
        "flags": [True, False, True],
        "ids": {"a": uuid.UUID(int=1), "b": uuid.UUID(int=2)},
        "moments": [
            dt.datetime(2020, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            None,
        ],
        "inner": {"active": True, "color": OrigColor.BLUE},
    }


def sample() -> OrigAll:
    """An ``OrigAll`` with a non-default value in every field."""
    return OrigAll(**sample_values())


def original_document(values: dict[str, Any]) -> dict[str, Any]:
    """The document the original rapyer stored for ``OrigAll(**values)`` (its default format)."""
    return {
        "name": values["name"],
        "number": values["number"],
        "flag": pickled(values["flag"]),
        "maybe": None if values["maybe"] is None else pickled(values["maybe"]),
        "color": pickled(values["color"]),
        "level": pickled(values["level"]),
        "perm": pickled(values["perm"]),
        "day": pickled(values["day"]),
        "at": values["at"].isoformat(),  # a top-level datetime was ISO text
        "clock": pickled(values["clock"]),
        "span": pickled(values["span"]),
        "ident": pickled(values["ident"]),
        "pair": pickled(values["pair"]),
        "money": pickled(values["money"]),
        "frozen": pickled(values["frozen"]),
        "raw": pickled(values["raw"]),
        "flags": [pickled(v) for v in values["flags"]],
        "ids": {k: pickled(v) for k, v in values["ids"].items()},
        "moments": [pickled(v) for v in values["moments"]],
        "inner": {k: pickled(v) for k, v in values["inner"].items()},
    }


class _System:
    """Pickles as a call of ``os.system`` (what an attacker would store)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> Any:
        return (os.system, (self.command,))


def hostile_system(command: str) -> str:
    """base64 of a pickle that would run ``command`` through ``os.system`` if unpickled."""
    return base64.b64encode(pickle.dumps(_System(command))).decode()


# ---- public behaviours of the original (issue: drop-in for its users) ----------------------


class OrigUnsetRedis(AtomicRedisModel):
    """``Meta.redis = None`` set explicitly: the ``init_rapyer`` default applies."""

    Meta = RedisConfig(redis=None)
    n: int = 0


class OrigIntKey(AtomicRedisModel):
    ident: Key[int]
    label: str = ""
    score: Index[int] = 0


class OrigContainers(AtomicRedisModel):
    nums: list[int] = Field(default_factory=list)
    scores: dict[str, int] = Field(default_factory=dict)
    moments: list[dt.datetime] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class OrigAddress(BaseModel):
    """A plain pydantic model: as a field it becomes a linked Redis model."""

    city: str = ""
    zip: str = ""


class OrigLookalike(BaseModel):
    """Another pydantic model with the same fields as ``OrigAddress``."""

    city: str = ""
    zip: str = ""


class OrigPerson(AtomicRedisModel):
    address: OrigAddress = Field(default_factory=OrigAddress)
    previous: list[OrigAddress] = Field(default_factory=list)
    by_label: dict[str, OrigAddress] = Field(default_factory=dict)
    raw: bytes = b""
    seen: Index[dt.datetime] = dt.datetime(2020, 1, 1)


with warnings.catch_warnings(record=True) as RESERVED_WARNINGS:
    warnings.simplefilter("always")

    class OrigReserved(AtomicRedisModel):
        """Field names of the original's models that are also names of the blocking API."""

        find: Index[int] = 0
        count: Index[int] = 0
        get: str = ""
        save: int = 0
        update: str = ""
        lock: bool = False
        delete: int = 0


# ---- pickles that validate as strings, and sets stored inside the document -------------------


class OrigLoose(AtomicRedisModel):
    """Positions where the original pickled every value and a plain string is valid too."""

    anything: Any = None
    names: list[Optional[str]] = Field(default_factory=list)  # noqa: UP045
    extra: dict[str, Any] = Field(default_factory=dict)
    label: str = ""


class OrigTagInner(BaseModel):
    codes: set[int] = Field(default_factory=set)


class OrigTagged(AtomicRedisModel):
    """Set fields, which the original 1.2.5 stored inside the document."""

    name: str = ""
    tags: set[str] = Field(default_factory=set)
    days: set[dt.date] = Field(default_factory=set)
    inner: OrigTagInner = Field(default_factory=OrigTagInner)


class OrigTaggedIndexed(AtomicRedisModel):
    """A set field next to an indexed field (reads by expression)."""

    name: Index[str] = ""
    tags: set[str] = Field(default_factory=set)


def tagged_document_1_2_5() -> dict[str, Any]:
    """An ``OrigTagged`` as 1.2.5 stored it: a pickled set, a JSON array (its
    ``prefer_normal_json_dump`` form) and a pickled set in a nested model."""
    return {
        "name": "t",
        "tags": pickled({"a", "b"}),
        "days": ["2020-01-01", "2021-02-03"],
        "inner": {"codes": pickled({1, 2})},
    }
