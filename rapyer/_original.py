"""Values written by the original rapyer 1.3 in its default format (no I/O).

The original stored every value whose type it had no Redis type for (``bool``, ``Enum``,
``date``, ``UUID``, ``tuple``, ``Decimal``, items of ``list[bool]`` or ``dict[str, UUID]``,
``Optional`` items, ``Any`` …) as ``base64(pickle.dumps(value))``, and ``bytes`` as
``base64(pickle.dumps(bytes))``. Such strings are read here through a **restricted
unpickler**: it resolves only the classes of the field's declared type (plus what pickle needs
to rebuild them, such as ``timezone`` for a ``datetime``) and never imports a module or calls
anything else; a payload naming ``os.system`` or any class outside the field's type raises
``CantSerializeRedisValueError``. Each unpickled value is turned into rapyer's own stored form
(pydantic JSON mode), so the document then validates as usual and the migration can write it
back as plain JSON.

Loading gets here when a document fails the normal validation, and for the classes with a
position where a pickle is itself a valid value (``hides_pickles``: an ``Any`` field, items of
``list[str | None]`` or ``dict[str, Any]``): there the original pickled every value, so a
string that is a complete ``base64(pickle)`` the restricted unpickler accepts is decoded.
Documents of other classes in rapyer's own format never pay for it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import enum
import io
import pickle
import typing
import uuid
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core.core_schema import ValidationInfo

from rapyer.errors import CantSerializeRedisValueError
from rapyer.fields import LOAD_CONTEXT_FLAG

__all__ = [
    "allowed_globals",
    "hides_pickles",
    "pickled_payload",
    "revive_document",
    "revive_value",
    "unpickle",
]

DUMP_CONTEXT: dict[str, Any] = {"rapyer": "redis"}

# Pickle protocols the original wrote (``pickle.DEFAULT_PROTOCOL`` of Python 3.8 to 3.14).
_PROTOCOLS = frozenset({2, 3, 4, 5})

# What pickle needs besides the declared class to rebuild a value of that class.
_COMPANIONS: dict[type, tuple[tuple[str, str, Any], ...]] = {
    dt.datetime: (
        ("datetime", "timezone", dt.timezone),
        ("datetime", "timedelta", dt.timedelta),
    ),
    dt.time: (
        ("datetime", "timezone", dt.timezone),
        ("datetime", "timedelta", dt.timedelta),
    ),
    uuid.UUID: (("uuid", "SafeUUID", uuid.SafeUUID),),
}


def _latin1(text: str, encoding: str = "utf-8") -> bytes:
    """``codecs.encode`` limited to what protocol 2 pickles of ``bytes`` use."""
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("only latin1 text may be encoded")
    return text.encode("latin1")


# Plain builtins a pickle may name for any field (rebuilt by pickle's own opcodes otherwise).
_PLAIN: tuple[tuple[str, str, Any], ...] = (
    ("builtins", "set", set),
    ("builtins", "frozenset", frozenset),
    ("builtins", "bytearray", bytearray),
    ("builtins", "complex", complex),
    ("_codecs", "encode", _latin1),  # how protocol 2 rebuilds bytes
)

# Types whose values the original never pickled: a string there is always the value itself.
_TEXT_ONLY: tuple[type, ...] = (str,)


def pickled_payload(text: str) -> bytes | None:
    """The pickle inside ``text`` when it is ``base64(pickle)`` as the original wrote, else ``None``.

    Only the framing is checked (base64, a protocol 2-5 header, the final ``STOP``).
    """
    # base64 of b"\x80" (the PROTO opcode) always starts with "g"
    if len(text) < 4 or text[0] != "g":
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(data) < 3 or data[0] != 0x80 or data[1] not in _PROTOCOLS or data[-1:] != b".":
        return None
    return data


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of its table and never imports."""

    def __init__(self, stream: io.BytesIO, table: Mapping[tuple[str, str], Any]) -> None:
        super().__init__(stream)
        self._table = table

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol 2 names the builtins as Python 2 did
            module = "builtins"
        found = self._table.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"the global {module}.{name} is not allowed here")
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not allowed")


def unpickle(data: bytes, table: Mapping[tuple[str, str], Any]) -> Any:
    """Unpickle ``data`` resolving only the globals in ``table``.

    Raises CantSerializeRedisValueError for any other global, a malformed pickle, or bytes
    left after the pickle.
    """
    stream = io.BytesIO(data)
    try:
        value = _RestrictedUnpickler(stream, table).load()
    except Exception as exc:  # any failure of a pickle read from Redis: refused
        raise CantSerializeRedisValueError(f"A pickled value was refused: {exc}") from exc
    if stream.tell() != len(data):
        raise CantSerializeRedisValueError("A pickled value was refused: data after its end")
    return value


def _class_of(annotation: Any) -> Any:
    """The plain class a rapyer type stands for (``RedisInt`` -> ``int`` …)."""
    builtin = getattr(annotation, "_rapyer_builtin", None)
    if isinstance(builtin, type):
        return builtin
    return annotation


def _walk_classes(annotation: Any, found: set[type]) -> None:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        _walk_classes(typing.get_args(annotation)[0], found)
        return
    if origin is typing.Literal:
        for value in typing.get_args(annotation):
            found.add(type(value))
        return
    if origin is not None:
        if isinstance(origin, type):
            found.add(_class_of(origin))
        for arg in typing.get_args(annotation):
            _walk_classes(arg, found)
        return
    if not isinstance(annotation, type):
        return
    args = getattr(annotation, "_rapyer_args", None)
    if args:  # a concrete rapyer container such as RedisList[bool]
        found.add(list if issubclass(annotation, list) else dict)
        for arg in args:
            _walk_classes(arg, found)
        return
    if issubclass(annotation, BaseModel):
        return  # stored as an object, never pickled
    found.add(_class_of(annotation))


_ALLOWED_CACHE: dict[Any, dict[tuple[str, str], Any]] = {}


def allowed_globals(annotation: Any) -> dict[tuple[str, str], Any]:
    """The globals a pickle may name for a value of ``annotation``: its classes (and Enum
    members by qualified name), their companions, and a few plain builtins."""
    try:
        return _ALLOWED_CACHE[annotation]
    except (KeyError, TypeError):
        pass
    classes: set[type] = set()
    _walk_classes(annotation, classes)
    table: dict[tuple[str, str], Any] = {(m, n): v for m, n, v in _PLAIN}
    for cls in classes:
        table[(cls.__module__, cls.__qualname__)] = cls
        if issubclass(cls, enum.Enum):
            for name, member in cls.__members__.items():
                table[(cls.__module__, f"{cls.__qualname__}.{name}")] = member
        for base, extra in _COMPANIONS.items():
            if issubclass(cls, base):
                for module, name, value in extra:
                    table[(module, name)] = value
        if issubclass(cls, (dt.datetime, dt.time)):
            _add_zoneinfo(table)
    with contextlib.suppress(TypeError):  # an annotation with unhashable metadata
        _ALLOWED_CACHE[annotation] = table
    return table


def _add_zoneinfo(table: dict[tuple[str, str], Any]) -> None:
    table[("zoneinfo", "ZoneInfo._unpickle")] = zoneinfo.ZoneInfo._unpickle  # type: ignore[attr-defined]


# ---- positions of a document ----------------------------------------------------------------

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    try:
        adapter = _ADAPTERS.get(annotation)
    except TypeError:
        return _new_adapter(annotation)
    if adapter is None:
        adapter = _ADAPTERS[annotation] = _new_adapter(annotation)
    return adapter


def _new_adapter(annotation: Any) -> TypeAdapter[Any]:
    """A TypeAdapter storing bytes as base64, as models do (a model class keeps its own config)."""
    if _model_class(annotation) is not None:
        return TypeAdapter(annotation)
    return TypeAdapter(annotation, config=_BYTES_CONFIG)


_BYTES_CONFIG = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


_UNION_ORIGINS: tuple[Any, ...] = (typing.Union,)
try:
    import types as _types

    _UNION_ORIGINS += (_types.UnionType,)
except AttributeError:  # pragma: no cover - Python < 3.10
    pass


def _members(annotation: Any) -> tuple[Any, ...]:
    annotation = _strip(annotation)
    if typing.get_origin(annotation) in _UNION_ORIGINS:
        return tuple(m for arg in typing.get_args(annotation) for m in _members(arg))
    return (annotation,)


def _text_only(annotation: Any, item: bool = False) -> bool:
    """A string stored here is always the value itself (the original never pickled it).

    Items of lists and dicts (``item``) were pickled unless their type was one the original
    had a Redis type for: a plain ``str`` item is text, a ``str | None`` item was pickled.
    """
    if item:
        members = list(_members(annotation))
        if len(members) != 1:
            return False
        cls = _class_of(members[0])
        return isinstance(cls, type) and issubclass(cls, str) and not issubclass(cls, enum.Enum)
    members = [m for m in _members(annotation) if m is not type(None)]
    if not members:
        return False
    for member in members:
        cls = _class_of(member)
        if typing.get_origin(member) is typing.Literal:
            if not all(isinstance(v, str) for v in typing.get_args(member)):
                return False
            continue
        if not (isinstance(cls, type) and issubclass(cls, _TEXT_ONLY)):
            return False
        if issubclass(cls, enum.Enum):
            return False
    return True


def _accepts_text(annotation: Any) -> bool:
    """Whether a plain (not pickled) string is a valid stored value here."""
    for member in _members(annotation):
        if member is Any or member is object:
            return True
        cls = _class_of(member)
        if isinstance(cls, type) and issubclass(cls, (str, bytes)):
            return True
    return False


def _sequence_items(annotation: Any) -> Callable[[int], Any] | None:
    """The annotation of item ``i`` of a list-like annotation, else ``None``."""
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is None and isinstance(annotation, type):
        rargs = getattr(annotation, "_rapyer_args", None)
        if rargs and issubclass(annotation, list):
            return lambda i: rargs[-1]
        return None
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return lambda i: args[0]
        if args:
            return lambda i: args[i] if i < len(args) else Any
        return lambda i: Any
    if isinstance(origin, type) and issubclass(origin, (list, set, frozenset)):
        return lambda i: args[0] if args else Any
    if isinstance(origin, type) and hasattr(origin, "_rapyer_args") and issubclass(origin, list):
        return lambda i: args[-1] if args else Any
    return None


def _mapping_values(annotation: Any) -> Any:
    """The value annotation of a dict-like annotation, else ``None``."""
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is None and isinstance(annotation, type):
        rargs = getattr(annotation, "_rapyer_args", None)
        if rargs and issubclass(annotation, dict):
            return rargs[-1]
        return None
    if isinstance(origin, type) and issubclass(origin, dict):
        return args[-1] if args else Any
    return None


def _model_class(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def revive_value(annotation: Any, value: Any, item: bool = False) -> tuple[Any, bool]:
    """``value`` with every original pickle in it replaced by rapyer's stored form (``item``:
    the value is an item of a list or dict).

    Returns ``(value, changed)``. Raises CantSerializeRedisValueError for a pickle that names
    a global outside ``annotation`` (or is not a value of it) at a position where a plain
    string is not a valid value either.
    """
    if isinstance(value, str):
        return _revive_text(annotation, value, item)
    if isinstance(value, list):
        for member in _members(annotation):
            item_of = _sequence_items(member)
            if item_of is not None:
                return _revive_list(item_of, value)
        return value, False
    if isinstance(value, dict):
        for member in _members(annotation):
            model = _model_class(member)
            if model is not None:
                return revive_document(model, value)
            values = _mapping_values(member)
            if values is not None:
                return _revive_dict(values, value)
        return value, False
    return value, False


def _revive_list(item_of: Callable[[int], Any], value: list[Any]) -> tuple[Any, bool]:
    changed = False
    out = list(value)
    for index, item in enumerate(value):
        new, item_changed = revive_value(item_of(index), item, True)
        if item_changed:
            out[index] = new
            changed = True
    return (out, True) if changed else (value, False)


def _revive_dict(values: Any, value: dict[str, Any]) -> tuple[Any, bool]:
    changed = False
    out = dict(value)
    for key, item in value.items():
        new, item_changed = revive_value(values, item, True)
        if item_changed:
            out[key] = new
            changed = True
    return (out, True) if changed else (value, False)


def _revive_text(annotation: Any, text: str, item: bool = False) -> tuple[Any, bool]:
    if _text_only(annotation, item):
        return text, False
    data = pickled_payload(text)
    if data is None:
        return text, False
    lenient = _accepts_text(annotation)
    try:
        obj = unpickle(data, allowed_globals(annotation))
    except CantSerializeRedisValueError:
        if lenient:
            return text, False
        raise
    adapter = _adapter(annotation)
    try:
        return adapter.dump_python(
            adapter.validate_python(obj), mode="json", context=DUMP_CONTEXT
        ), True
    except (ValidationError, ValueError, TypeError) as exc:
        if lenient:
            return text, False
        raise CantSerializeRedisValueError(
            f"A pickled value is not a valid {annotation!r}: {exc}"
        ) from exc


# ---- classes where a pickle validates as a value ------------------------------------------------

_HIDES: dict[type, bool] = {}

PLAIN_CLASSES: set[type] = set()
"""Classes known not to hide pickles: the load path tests ``cls in PLAIN_CLASSES`` (no call)
before asking ``hides_pickles``."""


def hides_pickles(cls: type[BaseModel]) -> bool:
    """Whether a document of ``cls`` may hold an original pickle that validates as it is: an
    ``Any`` (or ``object``) position, or a list or dict item that accepts a string but is not
    a plain ``str`` (the original pickled those items). Cached per class."""
    found = _HIDES.get(cls)
    if found is None:
        _HIDES[cls] = False  # a class that holds itself
        found = _HIDES[cls] = any(
            _hides(field_annotation(cls, name), False, 0)
            for name in cls.model_fields
            if not _skipped(cls, name)
        )
        if not found:
            PLAIN_CLASSES.add(cls)
    return found


_HIDES_VALUE: dict[Any, bool] = {}


def value_hides_pickles(annotation: Any) -> bool:
    """``hides_pickles`` for one field's value (cached per annotation)."""
    try:
        found = _HIDES_VALUE.get(annotation)
    except TypeError:  # unhashable metadata
        return _hides(annotation, False, 0)
    if found is None:
        found = _HIDES_VALUE[annotation] = _hides(annotation, False, 0)
    return found


def revive_item(annotation: Any, data: Any) -> Any:
    """An item read on its own (a list's or dict's pop): decoded when it is an original
    pickle in a position where a string would validate too."""
    if isinstance(data, str) and data.startswith("gA"):
        return revive_value(annotation, data, True)[0]
    return data


def _hides(annotation: Any, item: bool, depth: int) -> bool:
    if depth > 20:
        return False
    members = _members(annotation)
    if any(member is Any or member is object for member in members):
        return True
    if item and not _text_only(annotation, True):
        for member in members:
            cls = _class_of(member)
            if isinstance(cls, type) and issubclass(cls, str) and not issubclass(cls, enum.Enum):
                return True
    for member in members:
        model = _model_class(member)
        if model is not None:
            if hides_pickles(model):
                return True
            continue
        item_of = _sequence_items(member)
        if item_of is not None:
            if _hides(item_of(0), True, depth + 1):
                return True
            continue
        values = _mapping_values(member)
        if values is not None and _hides(values, True, depth + 1):
            return True
    return False


def field_annotation(cls: type[BaseModel], name: str) -> Any:
    """The annotation of field ``name`` with its metadata (what the field validates as)."""
    info = cls.model_fields[name]
    if info.metadata:
        return Annotated[(info.annotation,) + tuple(info.metadata)]
    return info.annotation


def _skipped(cls: type[BaseModel], name: str) -> bool:
    """Fields rapyer itself stores as pickles (``Pickle[T]``) are left to their own codec."""
    return any(type(m).__name__ == "Pickle" for m in cls.model_fields[name].metadata)


def revive_document(
    cls: type[BaseModel],
    data: dict[str, Any],
    lenient_fields: frozenset[str] | None = frozenset(),
) -> tuple[dict[str, Any], bool]:
    """The document ``data`` of ``cls`` with the original's pickles replaced by rapyer's stored
    form. Returns ``(data, changed)``; ``data`` itself is never modified.

    A refused pickle raises CantSerializeRedisValueError, except in ``lenient_fields``
    (``None``: every field), which keep their value (SafeLoad then decides).
    """
    changed = False
    out = data
    for name in cls.model_fields:
        if name not in data or _skipped(cls, name):
            continue
        try:
            new, field_changed = revive_value(field_annotation(cls, name), data[name])
        except CantSerializeRedisValueError as exc:
            if lenient_fields is None or name in lenient_fields:
                continue
            raise CantSerializeRedisValueError(
                f"The field {name!r} of {cls.__name__} cannot be read: {exc}"
            ) from exc
        if field_changed:
            if out is data:
                out = dict(data)
            out[name] = new
            changed = True
    return out, changed


def is_original_bytes(data: bytes) -> bytes | None:
    """The bytes inside ``data`` when ``data`` is a complete pickle of a ``bytes`` value (how
    the original stored bytes under base64), else ``None``."""
    if len(data) < 3 or data[0] != 0x80 or data[1] not in _PROTOCOLS or data[-1:] != b".":
        return None
    try:
        value = unpickle(data, {})
    except CantSerializeRedisValueError:
        return None
    return value if type(value) is bytes else None


def stored_bytes(value: bytes, info: ValidationInfo) -> bytes:
    """Bytes loaded from Redis: the original rapyer stored base64 of the *pickle* of the bytes,
    which is unwrapped here (by the restricted unpickler, no globals allowed)."""
    if value[:1] == b"\x80" and info.context and info.context.get(LOAD_CONTEXT_FLAG):
        inner = is_original_bytes(value)
        if inner is not None:
            return inner
    return value
