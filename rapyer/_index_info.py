"""What the server says about an index (no I/O): ``FT.INFO`` replies and schema coverage.

``parse_info`` reads an ``FT.INFO`` reply (RESP2 lists or RESP3 / redis-py dicts) into an
:class:`IndexInfo`. ``missing_fields`` compares the attributes an index has with the ones a
model needs, so a query on a field the serving index lacks raises instead of matching nothing
(the server answers such a query with an empty result).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapyer._index import indexed_fields

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = [
    "Attribute",
    "IndexInfo",
    "Known",
    "Target",
    "forget",
    "missing_attributes",
    "missing_fields",
    "needed_attributes",
    "parse_info",
]

# RESP2 attribute entries are flat lists: these names are followed by a value, other words
# are flags (CASESENSITIVE, SORTABLE ...).
_VALUED = frozenset({"identifier", "attribute", "type", "SEPARATOR", "WEIGHT", "PHONETIC"})


@dataclass(frozen=True)
class Attribute:
    """One attribute of an index, as far as queries depend on it."""

    identifier: str  # the JSON path
    type: str  # TAG, NUMERIC, TEXT
    case_sensitive: bool


@dataclass(frozen=True)
class IndexInfo:
    """The parts of ``FT.INFO`` rapyer uses."""

    name: str  # the index the name resolved to (the alias target)
    attributes: dict[str, Attribute]
    indexing: bool
    percent_indexed: float
    num_docs: int
    open_cursors: int

    @property
    def complete(self) -> bool:
        """Whether every existing document has been indexed."""
        return not self.indexing and self.percent_indexed >= 1.0


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


def _pairs(items: Any) -> dict[str, Any]:
    if isinstance(items, dict):
        return {str(_text(k)): v for k, v in items.items()}
    if isinstance(items, (list, tuple)):
        return {str(_text(items[i])): items[i + 1] for i in range(0, len(items) - 1, 2)}
    return {}


def _attribute(entry: Any) -> tuple[str, Attribute]:
    values: dict[str, Any] = {}
    flags: set[str] = set()
    if isinstance(entry, dict):
        values = {str(_text(k)): _text(v) for k, v in entry.items() if k != "flags"}
        flags = {str(_text(f)) for f in entry.get("flags") or ()}
    else:
        items = [_text(item) for item in entry]
        i = 0
        while i < len(items):
            word = str(items[i])
            if word in _VALUED and i + 1 < len(items):
                values[word] = items[i + 1]
                i += 2
            else:
                flags.add(word)
                i += 1
    attribute = Attribute(
        identifier=str(values.get("identifier", "")),
        type=str(values.get("type", "")).upper(),
        case_sensitive="CASESENSITIVE" in flags,
    )
    return str(values.get("attribute", values.get("identifier", ""))), attribute


def _flag(value: Any) -> bool:
    text = str(_text(value))
    return text not in ("0", "0.0", "", "False", "false")


def parse_info(reply: Any) -> IndexInfo:
    """An :class:`IndexInfo` from an ``FT.INFO`` reply."""
    data = _pairs(reply)
    attributes = dict(_attribute(entry) for entry in data.get("attributes") or ())
    cursors = _pairs(data.get("cursor_stats") or {})
    return IndexInfo(
        name=str(_text(data.get("index_name", ""))),
        attributes=attributes,
        indexing=_flag(data.get("indexing", 0)),
        percent_indexed=float(_text(data.get("percent_indexed", 1)) or 0),
        num_docs=int(float(_text(data.get("num_docs", 0)) or 0)),
        open_cursors=int(_text(cursors.get("index_total", 0)) or 0),
    )


def needed_attributes(cls: type[BaseRedisModel]) -> dict[str, tuple[str, Attribute]]:
    """Each attribute ``cls``'s queries use: name -> (the field's name, its definition)."""
    out: dict[str, tuple[str, Attribute]] = {}
    for field in indexed_fields(cls).values():
        if field.kind in ("numeric", "datetime"):
            out[field.name] = (field.name, Attribute(field.json_path, "NUMERIC", False))
        else:
            sensitive = field.kind != "bool"
            out[field.name] = (field.name, Attribute(field.json_path, "TAG", sensitive))
        if field.full_text:
            out[field.text_name] = (field.name, Attribute(field.json_path, "TEXT", False))
    return out


def missing_attributes(cls: type[BaseRedisModel], info: IndexInfo) -> dict[str, tuple[str, str]]:
    """The attributes ``cls`` needs that ``info``'s index lacks or defines differently:
    attribute name -> (the model's field, what is wrong)."""
    out: dict[str, tuple[str, str]] = {}
    for name, (field, wanted) in needed_attributes(cls).items():
        have = info.attributes.get(name)
        if have is None:
            out[name] = (field, f"{info.name} has no attribute {name!r}")
        elif have != wanted:
            out[name] = (
                field,
                f"{info.name} defines {name!r} as {have.type} on {have.identifier} "
                f"(the model needs {wanted.type} on {wanted.identifier})",
            )
    return out


def missing_fields(cls: type[BaseRedisModel], info: IndexInfo) -> tuple[str, ...]:
    """The fields of ``cls`` whose queries ``info``'s index cannot answer, in model order."""
    return tuple(dict.fromkeys(field for field, _ in missing_attributes(cls, info).values()))


# ---- what this process knows (shared by both APIs) ------------------------------------------


@dataclass
class Known:
    """The index serving a model's queries, as last checked: its name, the attributes the
    model needs that it lacks, and when it was checked (``time.monotonic``)."""

    name: str
    missing: dict[str, tuple[str, str]]
    checked_at: float


@dataclass(frozen=True)
class Target:
    """Where an index lives: the server of a binding, or on a cluster one primary (``node``,
    ``host:port``) and the hash tag its index names end with (``tag``, ``"{3}"``)."""

    binding: Any
    node: str | None = None
    tag: str = ""


# (target, model class) -> Known; a binding is hashed by identity.
known: dict[tuple[Any, type], Known] = {}
# Classes the last ``init_rapyer`` of this process prepared, and whether it ran at all: a
# model registered later (a notebook cell) gets its index on its first query.
prepared: weakref.WeakSet[type] = weakref.WeakSet()
init_state = {"ran": False}
# The index options of the last init_rapyer, for the models it left to their first query.
init_options: dict[str, Any] = {}


def forget(cls: type | None = None) -> None:
    """Forget what is known of ``cls``'s index (of every class when ``None``)."""
    for key in [k for k in known if cls is None or k[1] is cls]:
        known.pop(key, None)
