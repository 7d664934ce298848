"""The RediSearch index of a model (no I/O): which fields are indexed, and the schema.

``indexed_fields(cls)`` is computed at class definition (an unsupported ``Index`` raises
``UnsupportedIndexedFieldError`` there) and maps each attribute name (``"age"``,
``"address.city"``) to an :class:`IndexedField`. ``create_index_args`` builds the
``FT.CREATE`` command (see docs/guide/queries.md).

Index names: every schema version is its own index, ``idx:{prefix}:v{hash}`` (``version_name``,
the hash of the canonical schema: ``schema_hash``), and the alias ``idx:{prefix}``
(``index_name``) names the version that serves queries (see ``docs/guide/queries.md``).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import typing
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from rapyer import _layout
from rapyer._binding import binding_of
from rapyer._paths import json_path_of
from rapyer.errors import UnsupportedIndexedFieldError
from rapyer.fields import Index, RapyerKey

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = [
    "IndexedField",
    "create_index_args",
    "has_index",
    "index_name",
    "indexed_fields",
    "lookup",
    "schema_hash",
    "version_name",
]

Kind = Literal["tag", "numeric", "bool", "datetime", "date"]

# The character RediSearch splits TAG values on: one that never occurs in normal text.
TAG_SEPARATOR = "\x1f"
# RediSearch trims these characters around TAG values when it indexes them.
TAG_WHITESPACE = " \t\n\r\v\f"
_MAX_DEPTH = 8


@dataclass(frozen=True)
class IndexedField:
    """One attribute of a model's index."""

    name: str  # attribute name: dotted Python field names ("address.city")
    path: tuple[str, ...]  # Python field names from the root
    json_path: str  # "$.address.city" (aliases)
    kind: Kind
    full_text: bool
    sortable: bool
    owner: type  # the (nested) model class that declares the field
    field_name: str  # the field's name in ``owner``
    optional: bool

    @property
    def is_tag(self) -> bool:
        return self.kind in ("tag", "bool", "date")

    @property
    def text_name(self) -> str:
        return f"{self.name}__text"


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], len(rest) != len(args)
    return annotation, False


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def kind_of(annotation: Any) -> Kind | None:
    """The index kind of a (non-Optional) annotation, or ``None`` when unsupported."""
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) is Literal:
        values = typing.get_args(annotation)
        if values and all(isinstance(v, str) for v in values):
            return "tag"
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return "numeric"
        return None
    if not isinstance(annotation, type):
        return None
    if issubclass(annotation, bool):
        return "bool"
    if issubclass(annotation, enum.Enum):
        values = tuple(member.value for member in annotation)
        if values and all(isinstance(v, str) for v in values):
            return "tag"
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return "numeric"
        return None
    if issubclass(annotation, (int, float)):
        return "numeric"
    if issubclass(annotation, (str, RapyerKey, uuid.UUID)):
        return "tag"
    if issubclass(annotation, dt.datetime):
        return "datetime"
    if issubclass(annotation, dt.date):
        return "date"
    return None


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip_annotated(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _index_marker(metadata: list[Any]) -> Index | None:
    for item in metadata:
        if isinstance(item, Index):
            return item
    return None


def _alias(info: Any, name: str) -> str:
    return info.serialization_alias or info.alias or name


def _collect(
    model: type[BaseModel],
    path: tuple[str, ...],
    json_segments: tuple[str, ...],
    optional_parent: bool,
    depth: int,
    out: dict[str, IndexedField],
) -> None:
    for name, info in model.model_fields.items():
        marker = _index_marker(info.metadata)
        annotation, optional = _strip_optional(info.annotation)
        optional = optional or optional_parent
        nested = _nested_model(annotation)
        field_path = (*path, name)
        segments = (*json_segments, _alias(info, name))
        if marker is not None:
            kind = kind_of(annotation)
            if kind is None:
                what = "a nested model" if nested is not None else repr(info.annotation)
                raise UnsupportedIndexedFieldError(
                    f"{model.__name__}.{name}: Index does not support {what}; supported are "
                    "str, UUID, str/int Enum, Literal, bool, int, float, datetime, date and "
                    "Optional of these (index the fields of a nested model instead)"
                )
            if marker.full_text and kind != "tag":
                raise UnsupportedIndexedFieldError(
                    f"{model.__name__}.{name}: full_text=True needs a string field"
                )
            attr = ".".join(field_path)
            out[attr] = IndexedField(
                name=attr,
                path=field_path,
                json_path=json_path_of(segments),
                kind=kind,
                full_text=marker.full_text,
                sortable=marker.sortable,
                owner=model,
                field_name=name,
                optional=optional,
            )
        elif nested is not None and depth < _MAX_DEPTH:
            _collect(nested, field_path, segments, optional, depth + 1, out)


def compute_indexed_fields(cls: type[BaseModel]) -> dict[str, IndexedField]:
    """Every indexed attribute of ``cls`` (nested models included), checked.

    Raises UnsupportedIndexedFieldError for an Index on an unsupported type.
    """
    out: dict[str, IndexedField] = {}
    _collect(cls, (), (), False, 0, out)
    return out


def indexed_fields(cls: type[BaseRedisModel]) -> dict[str, IndexedField]:
    """The indexed attributes of ``cls`` (cached on the class)."""
    fields = cls.__dict__.get("__rapyer_indexed_fields__")
    if fields is None:
        fields = compute_indexed_fields(cls)
        type.__setattr__(cls, "__rapyer_indexed_fields__", fields)
    return fields


def has_index(cls: type[BaseRedisModel]) -> bool:
    return bool(indexed_fields(cls))


def lookup(cls: type[BaseRedisModel], name: str) -> IndexedField | None:
    return indexed_fields(cls).get(name)


def index_name(cls: type[BaseRedisModel], tag: str = "") -> str:
    """The name queries use: the alias of the serving version (or an old-layout index).

    ``tag`` (``"{3}"``) names the index of one primary of a cluster: a hash tag whose slot
    that primary owns, so the name is routed to it (``rapyer._slots.shard_tags``).
    """
    return f"idx:{cls.class_key_initials()}{tag}"


HASH_LENGTH = 12


def schema_hash(cls: type[BaseRedisModel]) -> str:
    """A hash of the canonical definition of ``cls``'s index (prefix and schema).

    The same model gives the same hash in every process and on every server (the schema
    hashed is always the one with ``INDEXEMPTY``, whether the server supports it or not).
    """
    # The key layout is part of the definition ({prefix: keys need their own index); the
    # plain layout hashes the bare prefix as it always did.
    head = _layout.head(cls)
    prefix = cls.class_key_initials() if head[:1] != "{" else head
    cluster = on_cluster(cls)
    cached = cls.__dict__.get("__rapyer_schema_hash__")
    if cached is not None and cached[0] == (prefix, cluster):
        return str(cached[1])
    definition = ["JSON", prefix, _schema_args(cls, index_empty=True, cluster=cluster)]
    text = json.dumps(definition, separators=(",", ":"), ensure_ascii=True)
    value = hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]
    type.__setattr__(cls, "__rapyer_schema_hash__", ((prefix, cluster), value))
    return value


def on_cluster(cls: type[BaseRedisModel]) -> bool:
    """Whether ``cls`` is bound to a cluster now (one index per primary, every attribute
    sortable: a shard's sort keys come from the index, its documents cannot be loaded)."""
    return bool(binding_of(cls).is_cluster)


def version_name(cls: type[BaseRedisModel], schema: str | None = None, tag: str = "") -> str:
    """The name of the index of ``cls``'s current schema: ``idx:{prefix}:v{hash}``, plus the
    primary's ``tag`` on a cluster."""
    return f"{index_name(cls)}:v{schema or schema_hash(cls)}{tag}"


def version_hash(cls: type[BaseRedisModel], name: str, tag: str = "") -> str | None:
    """The schema hash in a version name of ``cls``'s prefix; ``None`` for other names."""
    head = index_name(cls) + ":v"
    if tag:
        if not name.endswith(tag):
            return None
        name = name[: -len(tag)]
    if name.startswith(head) and len(name) == len(head) + HASH_LENGTH:
        return name[len(head) :]
    return None


def create_index_args(
    cls: type[BaseRedisModel], index_empty: bool = True, name: str | None = None
) -> list[Any]:
    """The ``FT.CREATE`` command of ``cls``'s index, named ``name``.

    ``name`` defaults to the version name of the current schema; ``index_empty`` adds
    ``INDEXEMPTY`` to TAG attributes (RediSearch 2.10+).
    """
    args: list[Any] = ["FT.CREATE", name or version_name(cls), "ON", "JSON"]
    args += ["PREFIX", 1, _layout.head(cls), "SCHEMA"]
    return args + _schema_args(cls, index_empty, on_cluster(cls))


def _schema_args(cls: type[BaseRedisModel], index_empty: bool, cluster: bool) -> list[Any]:
    """The attributes; on a cluster every one is ``SORTABLE`` (TAGs ``UNF``: the value as
    stored, which is what a single server sorts a loaded value by)."""
    args: list[Any] = []
    for field in indexed_fields(cls).values():
        args += [field.json_path, "AS", field.name]
        if field.kind in ("numeric", "datetime"):
            args.append("NUMERIC")
        elif field.kind == "bool":
            args.append("TAG")
        else:
            args += ["TAG", "CASESENSITIVE", "SEPARATOR", TAG_SEPARATOR]
            if index_empty:
                args.append("INDEXEMPTY")
        if cluster:
            args += ["SORTABLE"] if field.kind in ("numeric", "datetime") else ["SORTABLE", "UNF"]
        elif field.sortable:
            args.append("SORTABLE")
        if field.full_text:
            args += [field.json_path, "AS", field.text_name, "TEXT"]
    return args


def redis_schema(cls: type[BaseRedisModel]) -> list[Any]:
    """The ``SCHEMA`` part of ``FT.CREATE`` (the arguments after ``SCHEMA``)."""
    args = create_index_args(cls)
    return args[args.index("SCHEMA") + 1 :]
