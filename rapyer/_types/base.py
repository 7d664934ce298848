"""Shared, no-I/O parts of the Redis field types: links, paths, adapters, commands."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import ConfigDict, TypeAdapter
from pydantic.errors import PydanticUserError
from pydantic.functional_serializers import PlainSerializer
from pydantic.functional_validators import AfterValidator

from rapyer import _keys, _layout, _links
from rapyer import config as _config
from rapyer._binding import binding_of
from rapyer._changes import field_changed
from rapyer._codec import DUMP_CONTEXT, bytes_json, check_number, checked_json
from rapyer._links import RedisValue
from rapyer._model import BaseRedisModel
from rapyer._original import stored_bytes
from rapyer._paths import DictKey, field_path_of, json_path_of, public_field_path
from rapyer._ttl import ttl_commands
from rapyer.actions import ActionGroup
from rapyer.errors import RapyerError

if TYPE_CHECKING:
    from rapyer._binding import Binding

Command = tuple[Any, ...]

_ADAPTER_CONFIG = ConfigDict(
    ser_json_bytes="base64", val_json_bytes="base64", ser_json_inf_nan="constants"
)
_adapters: dict[Any, TypeAdapter[Any]] = {}


def adapter_for(annotation: Any) -> TypeAdapter[Any]:
    """A cached TypeAdapter (bytes as base64, like models) for ``annotation``."""
    try:
        return _adapters[annotation]
    except (KeyError, TypeError):
        pass
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(annotation, config=_ADAPTER_CONFIG)
    except PydanticUserError:
        adapter = TypeAdapter(annotation)
    with contextlib.suppress(TypeError):  # unhashable annotations are not cached
        _adapters[annotation] = adapter
    return adapter


def dump_json(adapter: TypeAdapter[Any], value: Any) -> str:
    """The JSON text stored for ``value`` (RapyerSerializationError for NaN, ±inf or an int
    outside [-2**63, 2**63))."""
    return checked_json(adapter.dump_json(value, context=DUMP_CONTEXT).decode())


def dump_jsonable(adapter: TypeAdapter[Any], value: Any) -> Any:
    return adapter.dump_python(value, mode="json", context=DUMP_CONTEXT)


def member_text(adapter: TypeAdapter[Any], value: Any) -> str:
    """Set and queue members: the compact JSON text of the JSON-mode value."""
    return json.dumps(
        dump_jsonable(adapter, value), separators=(",", ":"), ensure_ascii=False, sort_keys=True
    )


def read_command(key: str, path: str) -> tuple[Any, ...]:
    """``JSON.GET key path path``: naming the path twice gives ``{"<path>": [matches]}``,
    which is unambiguous on every server (fakeredis unwraps a single-path list match)."""
    return ("JSON.GET", key, path, path)


def first_match(raw: Any) -> tuple[bool, Any]:
    """``(found, value)`` from a ``$`` path reply: a JSON array of matches, or the object
    of ``read_command``."""
    if raw is None:
        return False, None
    data = json.loads(raw) if isinstance(raw, (str, bytes, bytearray)) else raw
    if isinstance(data, dict):
        data = next(iter(data.values()), [])
    if isinstance(data, list):
        if not data:
            return False, None
        return True, data[0]
    return data is not None, data


class Target:
    """Where a linked value lives: root model, key, path segments (key and path computed once).

    ``root`` is ``None`` when the model is gone (``from_place``): the value's anchors still
    give the class, key and path, so the operation runs; only the local bookkeeping of a
    model (``changed``) is skipped, and the TTL keys are the class's.
    """

    __slots__ = ("cls", "holder_cls", "key", "path", "root", "segments")

    def __init__(self, root: BaseRedisModel, segments: tuple[Any, ...]):
        self.root: BaseRedisModel | None = root
        self.segments = segments
        self.cls: type[BaseRedisModel] = type(root)
        self.holder_cls: Any = None
        self.key: str = _layout.model_key(self.cls, root.pk)  # a root model
        if len(segments) == 1 and type(segments[0]) is str:
            self.path: str = "$." + segments[0]  # a field of the root model
        else:
            self.path = json_path_of(segments)

    @classmethod
    def from_place(cls, place: _links.StoredPlace) -> Target:
        """The target of a value whose model (or a holder above it) is gone."""
        if place.root is not None:
            return cls(place.root, place.segments)
        target = cls.__new__(cls)
        target.root = None
        target.segments = place.segments
        target.cls = place.cls
        target.holder_cls = place.holder_cls
        target.key = _layout.model_key(place.cls, place.pk)
        target.path = json_path_of(place.segments)
        return target

    @property
    def binding(self) -> Binding:
        return binding_of(self.cls)

    def special_key(self) -> str:
        return _keys.special_key(self.key, field_path_of(self.segments))

    def child_path(self, segment: Any) -> str:
        return json_path_of((*self.segments, segment))

    def ensure(self) -> list[Command]:
        """``JSON.SET key <path> <default> NX`` when this value is a model field with a
        default: sent before an atomic operation, it creates a field the stored document
        lacks (a field added to the model later) and changes nothing otherwise."""
        if self.root is not None:
            found = _field_of(self.root, self.segments)
            if found is None:
                return []
            holder_cls, name = type(found[0]), found[1]
        elif self.holder_cls is not None and type(self.segments[-1]) is str:
            holder_cls, name = self.holder_cls, self.segments[-1]
            if name not in holder_cls.model_fields:
                return []
        else:
            return []
        if name in holder_cls.__rapyer_special_fields__:
            return []  # a set or queue lives in its own key, never in the document
        info = holder_cls.model_fields[name]
        if info.is_required() or info.exclude:
            return []
        default = info.get_default(call_default_factory=True)
        return [
            (
                "JSON.SET",
                self.key,
                self.path,
                dump_json(adapter_for(info.annotation), default),
                "NX",
            )
        ]

    def changed(self, *edit: Any) -> None:
        """A direct atomic operation changed this value on the server as it did locally;
        ``edit`` says how, for the stored document's fast path (``rapyer._stored_edits``)."""
        if self.root is not None:
            field_changed(self.root, self.segments, edit or None)

    def ttl(self, groups: ActionGroup) -> list[Command]:
        cls = self.cls
        if _config.resolve(cls, "ttl") is None:
            return []  # no TTL: no key list to build
        if self.root is not None:
            keys = self.root.all_keys
        else:  # the model is gone: the keys its class names
            keys = [self.key, *cls._class_special_keys(self.key)]
        return ttl_commands(cls, keys, groups)


def _field_of(root: BaseRedisModel, segments: tuple[Any, ...]) -> tuple[Any, str] | None:
    """``(model, field name)`` when ``segments`` ends at a field of a model, else ``None``."""
    if not segments or type(segments[-1]) is not str:
        return None
    holder: Any = root
    for segment in segments[:-1]:
        if isinstance(holder, BaseRedisModel):
            holder = holder.__dict__.get(segment)
        elif isinstance(holder, (dict, list)):
            try:
                holder = holder[segment]
            except (KeyError, IndexError, TypeError):
                return None
        else:
            return None
    name = segments[-1]
    if isinstance(holder, BaseRedisModel) and name in type(holder).model_fields:
        return holder, name
    return None


def missing_reply(reply: Any) -> bool:
    """Whether a JSON command's reply says that nothing is stored at its path (fakeredis
    answers with an error instead: ``MISSING_PATH``)."""
    return reply is None or reply == [] or reply == "[]" or reply is MISSING_PATH


MISSING_PATH: Any = object()


def wrong_type_reply(reply: object) -> bool:
    """Whether a JSON command's reply says that the path holds another JSON type."""
    return reply == [None] or reply == "[null]"


def target_of(value: Any) -> Target:
    """The location of ``value``; RapyerError when it is not attached to a model."""
    found = _links.locate(value)
    if found is not None:
        return Target(*found)
    place = _links.stored_place(value)  # a model (or container) holding it is gone
    if place is None:
        if getattr(value, "_rapyer_link", None) is not None:
            raise RapyerError(
                f"The model holding this {type(value).__name__} no longer exists; keep a "
                "reference to the model while using its values"
            )
        raise RapyerError(
            f"This {type(value).__name__} is not attached to a model field; "
            "read it from a model to use Redis operations"
        )
    return Target.from_place(place)


def pipeline_target(value: Any) -> Target | None:
    """The location of ``value`` when a pipeline is open and the value is linked."""
    if not _links.pipeline_active():
        return None
    found = _links.locate(value)
    if found is not None:
        return Target(*found)
    place = _links.stored_place(value)
    return None if place is None else Target.from_place(place)


def queue(target: Target, commands: list[Command], groups: ActionGroup) -> None:
    """Queue an atomic operation into the open pipeline, after the command that creates its
    field when the document lacks it (``Target.ensure``)."""
    _links.queue_for(target.cls, [*target.ensure(), *commands, *target.ttl(groups)])


def replace_in_parent(value: Any, new: Any) -> None:
    """Put ``new`` where ``value`` is held (model field, list index or dict key), locally."""
    found = _links.parent_of(value)
    if found is None:
        return
    parent, segment = found
    if isinstance(parent, BaseRedisModel):
        parent.__dict__[segment] = new
    elif isinstance(parent, list):
        if -len(parent) <= segment < len(parent):
            list.__setitem__(parent, segment, new)
        else:
            return
    elif isinstance(parent, dict):
        dict.__setitem__(parent, segment, new)
    _links.link(new, parent, segment)


def number_text(value: Any) -> str:
    """JSON text of a number operand (bools become 0/1); RapyerSerializationError for NaN,
    ±inf or an int outside [-2**63, 2**63)."""
    check_number(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    return repr(float(value))


class RedisType(RedisValue):
    """Members shared by every Redis field type (no I/O)."""

    _rapyer_plain_in_containers = False  # True for the scalar types (see lazy_scalar)
    _rapyer_spot: Any = None  # where a field value is stored, kept by ``rapyer._types.hot``

    @classmethod
    def _rapyer_adapter(cls) -> TypeAdapter[Any]:
        return adapter_for(cls._rapyer_source())

    @classmethod
    def _rapyer_source(cls) -> Any:
        return cls

    @property
    def key(self) -> str:
        return target_of(self).key

    @property
    def json_path(self) -> str:
        return target_of(self).path

    @property
    def field_path(self) -> str:
        """Path from the root model with a leading dot, as the original's (``.a.b[2]``)."""
        return public_field_path(target_of(self).segments)

    def clone(self) -> Any:
        """A plain Python copy of the value."""
        return copy.deepcopy(self._rapyer_plain())

    def _rapyer_dump_json(self) -> str:
        return dump_json(type(self)._rapyer_adapter(), self)


# ---- generic containers: one concrete subclass per parametrisation -------------------------


class GenericContainer(RedisType):
    """``RedisList[int]`` validates into a cached concrete subclass that knows its item type."""

    _rapyer_args: tuple[Any, ...] = ()
    _rapyer_alias: Any = None
    _rapyer_concrete_cache: dict[Any, type] = {}

    @classmethod
    def _rapyer_normalize_args(cls, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return args

    @classmethod
    def _rapyer_concrete(cls, source: Any) -> type[Any]:
        args = cls._rapyer_normalize_args(typing.get_args(source))
        base = cls.__dict__.get("_rapyer_generic_base", cls)
        if not args:
            return base  # type: ignore[no-any-return]
        cache = GenericContainer._rapyer_concrete_cache
        key = (base, args)
        concrete = cache.get(key)
        if concrete is None:
            names = ", ".join(getattr(a, "__name__", repr(a)) for a in args)
            concrete = type(
                f"{base.__name__}[{names}]",
                (base,),
                {
                    "__module__": base.__module__,
                    "_rapyer_args": args,
                    "_rapyer_alias": source,
                    "__qualname__": f"{base.__qualname__}[{names}]",
                    "_rapyer_generic_base": base,
                },
            )
            concrete = cache.setdefault(key, concrete)  # one class per alias, also across threads
        return concrete

    @classmethod
    def _rapyer_source(cls) -> Any:
        return cls._rapyer_alias if cls._rapyer_alias is not None else cls

    @classmethod
    def _rapyer_pickle_source(cls) -> Any:
        return cls._rapyer_source()

    @classmethod
    def _rapyer_item_type(cls) -> Any:
        return cls._rapyer_args[-1] if cls._rapyer_args else Any

    @classmethod
    def _rapyer_item_adapter(cls) -> TypeAdapter[Any]:
        return adapter_for(cls._rapyer_item_type())

    @classmethod
    def _rapyer_lazy_item(cls) -> Any:
        """The scalar Redis type of the items when they are stored plain and wrapped on read."""
        cached = cls.__dict__.get("_rapyer_lazy_cache", _UNSET)
        if cached is _UNSET:
            cached = lazy_scalar(cls._rapyer_item_type()) if cls._rapyer_args else None
            type.__setattr__(cls, "_rapyer_lazy_cache", cached)
        return cached

    def _rapyer_wrap_read(self, item: Any) -> Any:
        """An item read through ``[]``: plain scalars become their Redis type (stored back)."""
        wrap = type(self)._rapyer_lazy_item()
        if wrap is not None and type(item) is wrap._rapyer_builtin:
            return wrap(item)
        return item

    def _rapyer_validate_item(self, item: Any) -> Any:
        if not self._rapyer_args:
            return item
        cls = type(self)
        wrap = cls.__dict__.get("_rapyer_lazy_cache", _UNSET)
        if wrap is _UNSET:
            wrap = cls._rapyer_lazy_item()
        if wrap is not None and type(item) is wrap._rapyer_builtin and wrap._rapyer_identity:
            return item  # kept plain, as loading does; wrapped when read through []
        return cls._rapyer_item_adapter().validate_python(item)

    def _rapyer_item_json(self, item: Any) -> str:
        kind = type(item)
        if kind is str and item.isascii():
            return _encode_ascii(item)  # the text pydantic writes, without the adapter
        if kind is int and -_BIG <= item < _BIG:
            return int.__repr__(item)
        return dump_json(type(self)._rapyer_item_adapter(), item)


_UNSET: Any = object()
_BIG = 2**63  # ints beyond go through dump_json, which refuses them
_encode_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii


def lazy_scalar(item_type: Any) -> Any:
    """The Redis scalar class whose values containers keep plain until read, else ``None``
    (the scalar types but the epoch-seconds datetime: ``_rapyer_plain_in_containers``)."""
    if isinstance(item_type, type) and issubclass(item_type, RedisType):
        return item_type if item_type._rapyer_plain_in_containers else None
    return None


def item_schema_source(item_type: Any) -> Any:
    """What container items are validated as: plain builtins for the lazy scalar types."""
    lazy = lazy_scalar(item_type)
    if lazy is None:
        return item_type
    if lazy._rapyer_builtin is bytes:
        return _stored_bytes_source()  # bytes items of the original are pickles too
    return lazy._rapyer_builtin


@functools.cache
def _stored_bytes_source() -> Any:
    return Annotated[
        bytes, AfterValidator(stored_bytes), PlainSerializer(bytes_json, when_used="json")
    ]


def dict_segment(key: Any) -> DictKey:
    return DictKey(str(key))
