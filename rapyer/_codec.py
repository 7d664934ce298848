"""Model <-> stored JSON document, through pydantic's JSON mode (no I/O).

Loading validates straight from the JSON text the server returns. Only when that fails does
rapyer parse the text itself, to tell an undecodable value from an invalid document and to
apply SafeLoad field by field.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import re
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from rapyer import _keys, _links, _original
from rapyer import config as _config
from rapyer.errors import (
    CantSerializeRedisValueError,
    CorruptedModelError,
    KeyNotFound,
    RapyerSerializationError,
)
from rapyer.fields import LOAD_CONTEXT_FLAG

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

logger = logging.getLogger("rapyer")

M = TypeVar("M", bound="BaseRedisModel")

_PYDANTIC_VALIDATE_JSON = BaseModel.model_validate_json.__func__  # type: ignore[attr-defined]

DUMP_CONTEXT: dict[str, Any] = {"rapyer": "redis"}
LOAD_CONTEXT: dict[str, Any] = {"rapyer": "redis", LOAD_CONTEXT_FLAG: True}
# LOAD_CONTEXT of the bulk loop of models without nested models (``_bulk._load_own_pks``): the
# same to validators, but a model's own post-init leaves its private attributes to that loop.
BULK_LOAD_CONTEXT: dict[str, Any] = dict(LOAD_CONTEXT)


# ---- values JSON cannot hold ---------------------------------------------------------------

# Stored ints must fit a signed 64-bit integer: RedisJSON turns a larger one into a float
# (2**63 reads back as 9.223372036854776e18) and its integer arithmetic wraps at 2**63.
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
# What can make dumped JSON text unstorable: NaN and infinities (written as the constants
# ``NaN``/``Infinity``, see ``ser_json_inf_nan`` in the model and adapter configs) and runs of
# 19 or more digits (an int that may not fit). Text without them needs no parsing.
_SUSPECT = re.compile(r"NaN|Infinity|[0-9]{19}")
_LONG_DIGITS = re.compile(r"\d{19}", re.ASCII)
_ASCII_DIGITS = b"0123456789"


def suspect(text: str) -> bool:
    """``_SUSPECT.search(text) is not None``, faster (every written value passes here;
    ``tests/common/test_codec.py`` checks that both agree).

    Two substring searches, then the regex only when the text holds 19 ASCII digits at all
    (counted by deleting them from its UTF-8 bytes, where no other character has a byte in
    ``0-9``): about 0.3 µs instead of 1.1 µs on a document of 130 characters, where Python's
    regex engine spends ~1 µs stepping through every position."""
    if "NaN" in text or "Infinity" in text:
        return True
    raw = text.encode("utf-8", "surrogatepass")
    return (
        len(raw) - len(raw.translate(None, _ASCII_DIGITS)) > 18
        and _LONG_DIGITS.search(text) is not None
    )


def _refuse_constant(name: str) -> Any:
    raise RapyerSerializationError(
        f"{name} cannot be stored: JSON has no such number (RedisJSON would refuse it, or a "
        "null would come back)"
    )


def _checked_int(text: str) -> int:
    value = int(text)
    if not MIN_INT <= value <= MAX_INT:
        raise RapyerSerializationError(
            f"the int {value} cannot be stored exactly: RedisJSON keeps ints within "
            "[-2**63, 2**63) and stores larger ones as floats"
        )
    return value


def checked_json(text: str) -> str:
    """``text`` (dumped JSON) unchanged, or RapyerSerializationError when it holds a number
    JSON cannot hold exactly: NaN, ±inf, an int outside [-2**63, 2**63). The one check every
    value written passes through; text without such a candidate costs one regex search."""
    if suspect(text):
        json.loads(text, parse_constant=_refuse_constant, parse_int=_checked_int)
    return text


def check_number(value: Any) -> None:
    """RapyerSerializationError for a number operand JSON cannot hold (see checked_json)."""
    if isinstance(value, float):
        if value != value or value in (_INF, -_INF):
            _refuse_constant(repr(value))
    elif isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
        _checked_int(str(value))


_INF = float("inf")


# ---- dump ---------------------------------------------------------------------------------


def storing(info: Any) -> bool:
    """Whether a serializer runs for rapyer's stored form (else for a user's ``model_dump``)."""
    context = info.context
    return bool(context) and context.get("rapyer") == "redis"


def bytes_json(value: bytes, info: Any) -> str:
    """JSON form of bytes: base64 when stored, pydantic's default (UTF-8 text) otherwise."""
    if storing(info):
        return base64.b64encode(value).decode()
    return value.decode()


def exclude_of(cls: type[BaseRedisModel]) -> dict[str, Any] | None:
    """pydantic's ``exclude`` for the document of ``cls``: its special (set and queue) fields
    and those of the models nested directly in it, at every depth (they live in keys of
    their own). Built once per class (per answer of ``_class_special_fields``)."""
    paths = cls._class_special_fields()
    cached = cls.__dict__.get("__rapyer_exclude_cache__")
    if cached is not None and cached[0] is paths:
        return cached[1]  # type: ignore[no-any-return]
    exclude: dict[str, Any] | None = None
    for path, _ in paths:
        if exclude is None:
            exclude = {}
        level = exclude
        for name in path[:-1]:
            nxt = level.get(name)
            if nxt is True:
                break
            if nxt is None:
                nxt = level[name] = {}
            level = nxt
        else:
            level[path[-1]] = True
    type.__setattr__(cls, "__rapyer_exclude_cache__", (paths, exclude))
    return exclude


def _exclude(model: BaseRedisModel) -> dict[str, Any] | None:
    return exclude_of(type(model))


def dump_json(model: BaseRedisModel) -> str:
    """The JSON text stored for ``model`` (special fields excluded).

    Raises RapyerSerializationError when a value cannot be written as JSON.
    """
    try:
        text = model.model_dump_json(context=DUMP_CONTEXT, exclude=_exclude(model), by_alias=False)
    except PydanticSerializationError as exc:
        raise _serialization_error(model, exc) from exc
    return checked_json(text)


def dump_python(model: BaseRedisModel) -> dict[str, Any]:
    """The stored form of ``model`` as JSON-compatible Python data."""
    try:
        return model.model_dump(
            mode="json", context=DUMP_CONTEXT, exclude=_exclude(model), by_alias=False
        )
    except PydanticSerializationError as exc:
        raise _serialization_error(model, exc) from exc


def dump_field_json(model: BaseRedisModel, name: str) -> str:
    """The JSON text stored for one field of ``model`` (a stored, not excluded, field)."""
    try:
        exclude = exclude_of(type(model))
        nested = exclude.get(name) if exclude is not None else None
        text = model.__pydantic_serializer__.to_json(
            model,
            include={name},
            exclude={name: nested} if isinstance(nested, dict) else None,
            context=DUMP_CONTEXT,
            by_alias=False,
        ).decode()
    except PydanticSerializationError as exc:
        raise _serialization_error(model, exc) from exc
    head = "{" + json.dumps(name, ensure_ascii=False) + ":"
    if not text.startswith(head):
        raise RapyerSerializationError(f"{type(model).__name__}.{name} is not a stored field")
    return checked_json(text[len(head) : -1])


def wrong_type_error(exc: Exception, key: str) -> Exception:
    """``CantSerializeRedisValueError`` for a WRONGTYPE reply at ``key``; other errors as they are."""
    text = str(exc).lower()
    if "wrongtype" in text or "wrong type" in text or "wrong redis type" in text:
        return CantSerializeRedisValueError(f"The key {key!r} does not hold a JSON document")
    return exc


def write_error(exc: Exception, key: str) -> Exception:
    """The error of a refused write: KeyNotFound for a missing document,
    CantSerializeRedisValueError for a key of another Redis type; others as they are."""
    text = str(exc).lower()
    if "doesn't exist" in text or "created at the root" in text:
        return KeyNotFound(f"{key} is missing in redis")
    if "rapyer: the stored number is not an int" in text:  # rapyer/_lua/int_increase.lua
        return CantSerializeRedisValueError(
            f"The number stored in {key!r} for an int field is not an int; nothing was changed"
        )
    if "rapyer: the result is outside the bounds of the field" in text:  # int_increase.lua
        return CantSerializeRedisValueError(
            f"The increase of the number stored in {key!r} gives a value the field's constraints "
            "refuse (another client changed the number); nothing was changed"
        )
    return wrong_type_error(exc, key)


def int_bounds(cls: type[BaseRedisModel], name: str) -> tuple[str, str]:
    """The smallest and largest int field ``name`` of ``cls`` accepts, as text for
    ``int_increase.lua`` (``""``: no bound), from its ``Ge``/``Gt``/``Le``/``Lt`` constraints."""
    bounds = _class_cache(cls, "__rapyer_int_bounds__")
    found = bounds.get(name)
    if found is None:
        lows: list[int] = []
        highs: list[int] = []
        for item in cls.model_fields[name].metadata:
            if (limit := _number_attr(item, "ge")) is not None:
                lows.append(math.ceil(limit))
            if (limit := _number_attr(item, "gt")) is not None:
                lows.append(math.floor(limit) + 1)
            if (limit := _number_attr(item, "le")) is not None:
                highs.append(math.floor(limit))
            if (limit := _number_attr(item, "lt")) is not None:
                highs.append(math.ceil(limit) - 1)
        found = bounds[name] = (str(max(lows)) if lows else "", str(min(highs)) if highs else "")
    return found


def _number_attr(item: Any, attr: str) -> int | float | None:
    """``item.<attr>`` when it is an int or a float (not a bool), else ``None``."""
    limit = getattr(item, attr, None)
    if isinstance(limit, (int, float)) and not isinstance(limit, bool):
        return limit
    return None


def _class_cache(cls: type[BaseRedisModel], attribute: str) -> dict[str, Any]:
    """A dict of per-field values kept on ``cls`` itself under ``attribute`` (made on first use;
    a subclass gets its own)."""
    cache = cls.__dict__.get(attribute)
    if cache is None:
        cache = {}
        type.__setattr__(cls, attribute, cache)
    return cache


def is_missing_path_error(exc: Exception) -> bool:
    """fakeredis's error for a path that does not exist (RedisJSON replies with ``[]``)."""
    return "does not exist or not a" in str(exc)


def _serialization_error(model: BaseRedisModel, exc: Exception) -> RapyerSerializationError:
    return RapyerSerializationError(f"{type(model).__name__} cannot be stored as JSON: {exc}")


# ---- load ---------------------------------------------------------------------------------


def load_model(cls: type[M], raw: Any, key: str, pk: str | None = None) -> M:
    """Build a ``cls`` instance from the stored document ``raw`` (JSON text or data).

    ``pk``, when the caller has it, is ``_keys.pk_of(key)`` (saves that call).
    Raises CantSerializeRedisValueError when ``raw`` is not a JSON object, and
    CorruptedModelError when it fails validation outside SafeLoad fields.
    """
    try:
        if isinstance(raw, (str, bytes, bytearray)):
            if cls.model_validate_json.__func__ is _PYDANTIC_VALIDATE_JSON:  # type: ignore[attr-defined]
                # what model_validate_json does, without its Python wrapper
                model: M = cls.__pydantic_validator__.validate_json(raw, context=LOAD_CONTEXT)
            else:
                model = cls.model_validate_json(raw, context=LOAD_CONTEXT)
        else:
            model = cls.model_validate(raw, context=LOAD_CONTEXT)
    except ValidationError as exc:
        model = _load_slow(cls, raw, key, exc)
    else:
        # fast path: a class known to have no position where a pickle validates, no call
        if cls not in _original.PLAIN_CLASSES and _original.hides_pickles(cls):
            model = _revive_hidden(cls, raw, key, model)
    private = model.__pydantic_private__
    if private is not None and model.__rapyer_key_field__ is None:
        # what _set_pk does, one call less
        private["_rapyer_pk"] = _keys.pk_of(key) if pk is None else pk
        private["_rapyer_stored"] = raw
        if "_rapyer_anchor" in private:  # a value was linked while validating
            _links.refresh_anchor(model)
    else:
        _set_pk(model, key)
        if model.__rapyer_key_field__ is not None:
            keep_key_of_document(model, key)
        model._rapyer_stored = raw
    return model


def keep_key_of_document(model: BaseRedisModel, key: str) -> None:
    """A document whose stored Key field differs from the pk of the key it was read from
    loads with the key's pk (and a WARNING): later writes must reach the key it was read
    from, never the document the stored value names. A pk the field cannot hold raises
    CorruptedModelError."""
    name = model.__rapyer_key_field__
    if name is None:
        return
    pk = _keys.pk_of(key)
    if str(model.__dict__.get(name)) == pk:
        return
    cls = type(model)
    logger.warning(
        "The document at %r stores the pk %r in its Key field %r; it is loaded with the pk "
        "of its key, %r",
        key,
        str(model.__dict__.get(name)),
        name,
        pk,
    )
    try:
        value = field_adapter(cls, name).validate_python(pk, context=LOAD_CONTEXT)
    except ValidationError as exc:
        raise _corrupted(cls, key, exc) from exc
    if str(value) != pk:
        raise CorruptedModelError(
            f"The document at {key!r} stores another pk in its Key field {name!r}, and the "
            f"pk of its key, {pk!r}, is not a value of that field",
            key=key,
            errors=[],
        )
    model.__dict__[name] = value


def model_from_replies(cls: type[M], key: str, replies: list[Any]) -> M:
    """The model from a read transaction's replies: the document, then special fields."""
    raw = replies[0]
    if raw is None:
        raise KeyNotFound(f"{key} is missing in redis")
    model = load_model(cls, raw, key)
    if len(replies) > 1:
        model._apply_special_replies(replies[1:])
    return model


def nested_model_from_reply(model: M, replies: list[Any]) -> M:
    """A fresh copy of the nested ``model`` from the replies of ``_commands.read_path``: the
    reply of ``JSON.GET key <its path>``, then its set fields.

    The copy keeps ``model``'s parent link and path. Raises KeyNotFound when nothing is stored
    there.
    """
    raw = replies[0]
    root_key = model.root_model().key
    items = decode_json_array(raw, root_key) if raw is not None else []
    if not items:
        raise KeyNotFound(f"{root_key} has no value at {model.json_path}")
    fresh = load_model(type(model), items[0], root_key)
    fresh._rapyer_parent = model._rapyer_parent
    fresh._rapyer_path = model._rapyer_path
    # a class without set fields (none of its own, no nested models) costs no call here
    if (model.__rapyer_special_fields__ or model.__rapyer_nested_fields__) and len(replies) > 1:
        fresh._apply_special_replies(replies[1:])
    return fresh


def _set_pk(model: BaseRedisModel, key: str) -> None:
    if model.__rapyer_key_field__ is None:
        private = model.__pydantic_private__
        if private is not None:
            private["_rapyer_pk"] = _keys.pk_of(key)  # what pydantic's setattr does, faster
            if "_rapyer_anchor" in private:  # a value was linked while validating
                _links.refresh_anchor(model)
        else:
            model._rapyer_pk = _keys.pk_of(key)


def decode_document(raw: Any, key: str) -> dict[str, Any]:
    """Parse stored JSON text into a dict, or raise CantSerializeRedisValueError."""
    data = raw
    if isinstance(raw, (str, bytes, bytearray)):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise CantSerializeRedisValueError(
                f"The value at {key!r} is not valid JSON: {exc}"
            ) from exc
    if not isinstance(data, dict):
        raise CantSerializeRedisValueError(
            f"The value at {key!r} is not a JSON object (got {type(data).__name__})"
        )
    return data


def decode_json_array(raw: Any, key: str) -> list[Any]:
    """Parse the reply of ``JSON.GET key $path`` (a JSON array of matches)."""
    data = raw
    if isinstance(raw, (str, bytes, bytearray)):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise CantSerializeRedisValueError(f"The value at {key!r} is not valid JSON") from exc
    if not isinstance(data, list):
        data = [data]
    return data


def _safe_fields(cls: type[BaseRedisModel]) -> frozenset[str] | None:
    """Names of SafeLoad fields; ``None`` stands for every field (``safe_load_all``)."""
    if _config.resolve(cls, "safe_load_all"):
        return None
    return cls.__rapyer_safe_fields__


def _load_slow(cls: type[M], raw: Any, key: str, exc: ValidationError) -> M:
    data = decode_document(raw, key)
    safe = _safe_fields(cls)
    data, revived = _original.revive_document(cls, data, safe)
    if revived:  # written by the original rapyer: its pickles are now rapyer's stored form
        try:
            return cls.model_validate_json(json.dumps(data), context=LOAD_CONTEXT)
        except ValidationError as again:
            exc = again
    if safe is not None and not safe:
        raise _corrupted(cls, key, exc)
    failing = {err["loc"][0] for err in exc.errors() if err["loc"]}
    if not failing or (safe is not None and not failing <= safe):
        raise _corrupted(cls, key, exc)
    return _safe_load(cls, data, key, exc)


def _revive_hidden(cls: type[M], raw: Any, key: str, model: M) -> M:
    """``model`` validated from ``raw``, or, when ``raw`` holds original pickles in positions
    where they validated as strings (``_original.hides_pickles``), the model of the decoded
    values."""
    if isinstance(raw, str):
        if '"gA' not in raw:  # base64 of a pickle's PROTO opcode starts with "gA"
            return model
    elif isinstance(raw, (bytes, bytearray)) and b'"gA' not in raw:
        return model
    data = decode_document(raw, key)
    data, revived = _original.revive_document(cls, data, _safe_fields(cls))
    if not revived:
        return model
    try:
        return cls.model_validate_json(json.dumps(data), context=LOAD_CONTEXT)
    except ValidationError as exc:
        return _load_slow(cls, raw, key, exc)


def _corrupted(cls: type[BaseRedisModel], key: str, exc: ValidationError) -> CorruptedModelError:
    return CorruptedModelError(
        f"The document at {key!r} is not a valid {cls.__name__}: {exc}",
        key=key,
        errors=exc.errors(include_url=False),
    )


def field_adapter(cls: type[BaseRedisModel], name: str) -> TypeAdapter[Any]:
    """A cached validator for one field of ``cls`` (annotation and metadata)."""
    adapters = _class_cache(cls, "__rapyer_field_adapters__")
    adapter = adapters.get(name)
    if adapter is None:
        info = cls.model_fields[name]
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation,) + tuple(info.metadata)]
        adapter = adapters[name] = TypeAdapter(annotation)
    return adapter


def _validate_lenient(cls: type[BaseRedisModel], name: str, value: Any) -> tuple[Any, str]:
    """Validate one field, dropping invalid list or dict items.

    Returns ``(value, state)`` with state ``"ok"``, ``"dropped"`` (items dropped) or ``"failed"``.
    """
    adapter = field_adapter(cls, name)
    try:
        return adapter.validate_python(value, context=LOAD_CONTEXT), "ok"
    except ValidationError:
        pass
    if isinstance(value, list):
        kept = [item for item in value if _item_ok(adapter, [item])]
        if kept != value:
            try:
                return adapter.validate_python(kept, context=LOAD_CONTEXT), "dropped"
            except ValidationError:
                pass
    elif isinstance(value, dict):
        kept_d = {k: v for k, v in value.items() if _item_ok(adapter, {k: v})}
        if kept_d != value:
            try:
                return adapter.validate_python(kept_d, context=LOAD_CONTEXT), "dropped"
            except ValidationError:
                pass
    return None, "failed"


def _item_ok(adapter: TypeAdapter[Any], probe: Any) -> bool:
    try:
        adapter.validate_python(probe, context=LOAD_CONTEXT)
    except ValidationError:
        return False
    return True


def _safe_load(cls: type[M], data: dict[str, Any], key: str, exc: ValidationError) -> M:
    safe = _safe_fields(cls)
    values: dict[str, Any] = {}
    failed: set[str] = set()
    for name, info in cls.model_fields.items():
        if info.exclude:
            if not info.is_required():
                values[name] = info.get_default(call_default_factory=True)
                continue
            raise _corrupted(cls, key, exc)
        if name not in data:  # documents are stored by field name, never by alias
            if info.is_required():
                if safe is None or name in safe:
                    values[name] = None
                    failed.add(name)
                    continue
                raise _corrupted(cls, key, exc)
            values[name] = info.get_default(call_default_factory=True, validated_data=values)
            continue
        value, state = _validate_lenient(cls, name, data[name])
        if state != "ok":
            if safe is not None and name not in safe:
                raise _corrupted(cls, key, exc)
            failed.add(name)
        values[name] = value
    for name in sorted(failed):
        logger.warning(
            "SafeLoad: field %r of %s at %r could not be loaded", name, cls.__name__, key
        )
    model = cls.model_construct(**values)
    model._rapyer_failed = failed
    return model
