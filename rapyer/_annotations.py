"""Rewriting of field annotations to Redis types at class creation (no I/O).

``int`` -> ``RedisInt``, ``list[str]`` -> ``RedisList[RedisStr]`` and so on, recursively
through ``Optional``, ``Union``, ``Annotated`` and the arguments of lists and dicts, per the
class's ``Meta.redis_type``. The rewrite runs after pydantic resolved the annotations
(``from __future__ import annotations`` included); the class is then rebuilt once.

The Redis types are the public, composed ones of ``rapyer.types``, which REGISTERS them here
(``register_types``) when it is imported: this module never imports them.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from rapyer.config import RedisConfig
from rapyer.errors import RapyerError
from rapyer.fields import Index, Key, Pickle

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel


@dataclass(frozen=True)
class RedisTypes:
    """The public Redis types the rewrite produces, registered by ``rapyer.types``."""

    int: type[Any]
    float: type[Any]
    str: type[Any]
    bytes: type[Any]
    datetime: type[Any]
    timestamp: type[Any]  # an indexed datetime: stored as epoch seconds
    list: type[Any]
    dict: type[Any]
    set: type[Any]
    priority_queue: type[Any]
    scalar: type[Any]  # base of the scalar types (``_rapyer_identity``: kept plain at load)


_registered: list[RedisTypes] = []


def register_types(redis_types: RedisTypes) -> None:
    """Called once by ``rapyer.types``: the types every annotation is rewritten to."""
    _registered[:] = [redis_types]


def _types() -> RedisTypes:
    if not _registered:
        raise RapyerError("rapyer.types is not imported: no Redis types are registered")
    return _registered[0]


def default_type_map() -> dict[Any, Any]:
    rt = _types()
    return {
        int: rt.int,
        float: rt.float,
        str: rt.str,
        bytes: rt.bytes,
        dt.datetime: rt.datetime,
        list: rt.list,
        dict: rt.dict,
        set: rt.set,
    }


def type_map(cls: type) -> dict[Any, Any]:
    mapping = default_type_map()
    for klass in reversed(cls.__mro__):
        meta = klass.__dict__.get("Meta")
        extra = getattr(meta, "redis_type", None)
        if extra:
            mapping.update(extra)
    return mapping


_UNION_TYPES: tuple[Any, ...] = (Union,)
if hasattr(types, "UnionType"):
    _UNION_TYPES += (types.UnionType,)


def rewrite(annotation: Any, mapping: dict[Any, Any], top: bool = True) -> Any:
    """The annotation with builtin types replaced by their Redis types."""
    rt = _types()
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is None:
        if _is_plain_model(annotation):
            return redis_model_of(annotation)
        if isinstance(annotation, type) and annotation in mapping:
            target: Any = mapping[annotation]
            if target is rt.set and not top:
                return annotation
            return target
        return annotation
    if origin is Annotated:
        inner, metadata = args[0], annotation.__metadata__
        if any(isinstance(m, (Key, Pickle)) for m in metadata):
            return annotation
        if inner is dt.datetime and any(isinstance(m, Index) for m in metadata):
            new_inner: Any = rt.timestamp
        else:
            new_inner = rewrite(inner, mapping, top)
        if new_inner is inner:
            return annotation
        return Annotated[(new_inner,) + tuple(metadata)]
    if origin in _UNION_TYPES:
        new_args = tuple(rewrite(a, mapping, top) for a in args)
        if new_args == args:
            return annotation
        return Union[new_args]
    if origin is list or (isinstance(origin, type) and issubclass(origin, rt.list)):
        target = mapping.get(list, rt.list) if origin is list else origin
        return target[rewrite(args[0], mapping, False)] if args else target
    if origin is dict or (isinstance(origin, type) and issubclass(origin, rt.dict)):
        target = mapping.get(dict, rt.dict) if origin is dict else origin
        if len(args) == 2:
            return target[args[0], rewrite(args[1], mapping, False)]
        return target
    if top and origin is set and mapping.get(set) is rt.set:
        return rt.set[args[0]] if args else rt.set
    return annotation


# The composed model base (``AtomicRedisModel``), set by ``rapyer.model`` once it exists.
_NESTED_BASE: list[type] = []
_NESTED_MODELS: dict[type, type] = {}


def set_nested_model_base(base: type) -> None:
    """Register the class that nested plain pydantic models are turned into subclasses of."""
    _NESTED_BASE[:] = [base]


def _is_plain_model(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and not hasattr(annotation, "__rapyer_key_field__")
        and bool(_NESTED_BASE)
    )


def redis_model_of(plain: type[BaseModel]) -> type:
    """The linked Redis model that stands for the plain pydantic model ``plain`` in a field:
    a subclass of both (so ``isinstance(value, plain)`` holds), not registered, one per class."""
    found = _NESTED_MODELS.get(plain)
    if found is None:
        namespace = {
            "__module__": plain.__module__,
            "__qualname__": plain.__qualname__,
            "__doc__": plain.__doc__,
            "Meta": RedisConfig(init_with_rapyer=False),
        }
        found = _NESTED_MODELS.setdefault(
            plain, type(plain.__name__, (_NESTED_BASE[0], plain), namespace)
        )
    return found


def _is_special(annotation: Any) -> bool:
    rt = _types()
    for candidate in (annotation, *typing.get_args(annotation)):
        base = typing.get_origin(candidate) or candidate
        if isinstance(base, type) and issubclass(base, (rt.set, rt.priority_queue)):
            return True
    return False


def is_queue(annotation: Any) -> bool:
    """Whether an (rewritten) annotation is a priority queue field."""
    base = typing.get_origin(annotation) or annotation
    return isinstance(base, type) and issubclass(base, _types().priority_queue)


def apply(cls: type[BaseRedisModel]) -> None:
    """Rewrite ``cls``'s field annotations and record its special fields."""
    if not cls.__pydantic_complete__:
        return  # forward references: BaseRedisModel.model_rebuild applies it once complete
    type.__setattr__(cls, "__rapyer_rewritten__", True)
    mapping = type_map(cls)
    changed = False
    special: list[str] = []
    for name, info in cls.model_fields.items():
        if info.exclude is True and not is_queue(info.annotation):
            continue
        if any(isinstance(m, (Key, Pickle)) for m in info.metadata):
            continue
        indexed = any(isinstance(m, Index) for m in info.metadata)
        if indexed and info.annotation is dt.datetime:
            new: Any = _types().timestamp
        elif indexed and _is_optional_datetime(info.annotation):
            new = typing.Optional[_types().timestamp]  # noqa: UP045
        else:
            new = rewrite(info.annotation, mapping)
        if new is not info.annotation:
            info.annotation = new
            changed = True
        if _plain_on_load(new) and plain_on_load_of(info.metadata) is None:
            info.metadata.insert(0, PlainOnLoad(new))
            changed = True
        if _is_special(new):
            special.append(name)
            changed |= _special_defaults(info, new)
    cls.__rapyer_special_fields__ = tuple(special)
    if changed:
        cls.model_rebuild(force=True)
    cls.__rapyer_value_fields__ = tuple(cls.model_fields)


def _special_defaults(info: FieldInfo, annotation: Any) -> bool:
    """Sets and queues start empty when no default is given; queues are never dumped."""
    changed = False
    if is_queue(annotation):
        if not info.exclude:
            info.exclude = True
            changed = True
        if info.is_required():
            info.default = None
            changed = True
    elif info.is_required():
        info.default_factory = set
        changed = True
    return changed


def _is_optional_datetime(annotation: Any) -> bool:
    """``Optional[datetime]`` (an indexed one is stored as epoch seconds too)."""
    if typing.get_origin(annotation) not in _UNION_TYPES:
        return False
    args = typing.get_args(annotation)
    return len(args) == 2 and type(None) in args and dt.datetime in args


class PlainOnLoad:
    """Field metadata of a top-level field kept plain at load: an ``int``/``float``/``str``
    field (``RedisInt`` ...), or a ``list``/``dict`` field whose items stay plain in it anyway
    (``RedisList[RedisStr]`` ...). The model validates the plain builtin (as pydantic does, no
    wrapper object per field at load) and the field's class attribute (``_lazy_links``) wraps
    it into ``wrap`` and links it on first read.

    A container gets the schema of its Redis type without the last step that builds the Redis
    list or dict (the same items, checks and errors); ``wrap(value)`` is that step.
    """

    __slots__ = ("builtin", "container", "wrap")

    def __init__(self, redis_type: Any):
        origin = typing.get_origin(redis_type) or redis_type
        self.container = issubclass(origin, (list, dict))
        # the class the value becomes: a container's one concrete class per parametrisation
        self.wrap: type[Any] = origin._rapyer_concrete(redis_type) if self.container else redis_type
        self.builtin: type[Any] = (
            (list if issubclass(origin, list) else dict)
            if self.container
            else redis_type._rapyer_builtin
        )

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        if not self.container:
            return handler(self.builtin)
        schema = handler(source)
        if schema.get("type") == "function-after" and schema["function"]["function"] is self.wrap:
            return schema["schema"]
        raise RapyerError(f"Unexpected schema of {source!r}: {schema.get('type')}")

    def __repr__(self) -> str:
        return f"PlainOnLoad({self.wrap.__name__})"


def _plain_on_load(annotation: Any) -> bool:
    """Whether a top-level field of this (rewritten) type is kept plain until read: the
    scalar types that validate to ``cls(value)``, and lists and dicts of items that containers
    keep plain (``RedisList[RedisStr]``, ``RedisDict[str, RedisInt]`` ...)."""
    rt = _types()
    if isinstance(annotation, type) and issubclass(annotation, rt.scalar):
        return bool(annotation._rapyer_identity)  # type: ignore[attr-defined]
    origin = typing.get_origin(annotation)
    if not (isinstance(origin, type) and issubclass(origin, (rt.list, rt.dict))):
        return False
    if not typing.get_args(annotation):
        return False
    concrete: Any = origin._rapyer_concrete(annotation)  # type: ignore[attr-defined]
    return concrete._rapyer_lazy_item() is not None


def plain_on_load_of(metadata: list[Any]) -> PlainOnLoad | None:
    """The ``PlainOnLoad`` marker of a field, else ``None``."""
    for item in metadata:
        if isinstance(item, PlainOnLoad):
            return item
    return None
