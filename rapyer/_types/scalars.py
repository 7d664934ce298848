"""The shared parts of the scalar Redis types: numbers, strings, bytes, datetimes (no I/O).

``rapyer.types`` composes each public class (``RedisInt`` ...) from its shared part here and
the I/O mixins of both APIs.

Immutable values cannot change in place, so an in-place operator returns the new value and
Python assigns it to the holder. Inside a pipeline the operator first queues its atomic
command and marks the assignment that follows as already queued.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import GetCoreSchemaHandler, ValidationError
from pydantic_core import core_schema

from rapyer import _links, _original
from rapyer._codec import bytes_json, field_adapter, int_bounds, storing
from rapyer._groups import APPEND, ARITHMETIC, UPDATE
from rapyer._model import BaseRedisModel
from rapyer._scripts import evalsha_command
from rapyer._types.base import (
    Command,
    GenericContainer,
    RedisType,
    Target,
    first_match,
    number_text,
    pipeline_target,
    queue,
    replace_in_parent,
)
from rapyer.actions import ActionGroup
from rapyer.errors import CantSerializeRedisValueError, KeyNotFound, RapyerSerializationError

__all__ = [
    "BytesShared",
    "DatetimeShared",
    "FloatShared",
    "IntShared",
    "RedisNumber",
    "RedisScalar",
    "StrShared",
    "TimestampShared",
]


class RedisScalar(RedisType):
    """Base of the immutable scalar types."""

    _rapyer_builtin: type = object
    # Whether validating an exact ``_rapyer_builtin`` value gives ``cls(value)`` (the default
    # schema over int, float or str): such values skip the TypeAdapter on hot paths.
    _rapyer_identity: bool = False
    _rapyer_plain_in_containers = True  # container items of this type stay plain until read

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        default_schema = RedisScalar.__dict__["__get_pydantic_core_schema__"].__func__
        cls._rapyer_identity = (
            cls.__get_pydantic_core_schema__.__func__ is default_schema  # type: ignore[attr-defined]
            and cls._rapyer_builtin in (int, float, str)
        )

    def _rapyer_plain(self) -> Any:
        return self._rapyer_builtin(self)

    @classmethod
    def _rapyer_checked(cls, value: Any) -> Any:
        """``value`` validated as this type (raises before anything is queued)."""
        if cls._rapyer_identity and type(value) is cls._rapyer_builtin:
            return cls(value)  # type: ignore[call-arg]
        return cls._rapyer_adapter().validate_python(value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(cls, handler(cls._rapyer_builtin))

    def _rapyer_checked_in_holder(self, value: Any) -> Any:
        """``value`` validated as the holder will validate it (field constraints included)."""
        found = _links.parent_of(self)
        if found is not None:
            parent, segment = found
            if isinstance(parent, BaseRedisModel) and segment in type(parent).model_fields:
                field_adapter(type(parent), segment).validate_python(value)
            elif isinstance(parent, GenericContainer):
                parent._rapyer_validate_item(value)
        elif self._rapyer_link is not None:  # the model holding it is gone: its class still
            anchor, segment = self._rapyer_link  # names the field's constraints
            if isinstance(anchor, _links.ModelAnchor) and segment in anchor.cls.model_fields:
                field_adapter(anchor.cls, segment).validate_python(value)
        return self._rapyer_checked(value)

    def _rapyer_int_bounds(self) -> tuple[str, str]:
        """The int bounds of the model field holding this value (``_codec.int_bounds``;
        ``("", "")`` for an item of a container or a value held by no model)."""
        found = _links.parent_of(self)
        if found is not None:
            parent, segment = found
            if isinstance(parent, BaseRedisModel) and segment in type(parent).model_fields:
                return int_bounds(type(parent), segment)
        elif self._rapyer_link is not None:
            anchor, segment = self._rapyer_link
            if isinstance(anchor, _links.ModelAnchor) and segment in anchor.cls.model_fields:
                return int_bounds(anchor.cls, segment)
        return ("", "")

    def _rapyer_inplace(
        self,
        result: Any,
        build: Any,
        groups: ActionGroup = UPDATE,
        check: bool = True,
        operand: Any = None,
    ) -> Any:
        """Validate ``result``; in a pipeline queue ``build(target)`` and mark the assignment.

        ``operand`` (arithmetic): the int range the server computes exactly is checked
        before anything is queued."""
        value = self._rapyer_checked_in_holder(result) if check else result
        target = pipeline_target(self)
        if target is not None:
            if operand is not None:
                self._rapyer_check_exact(operand, result)  # type: ignore[attr-defined]
            queue(target, build(target), groups)
            _links.mark_pending(self, value)
        return value


def increase_settled(value: Any, target: Target, reply: Any) -> Any:
    """After the server applied ``value.increase`` and replied ``reply``: the new value, put
    in the model and in its remembered document."""
    found, new = first_match(reply)
    if not found or new is None:
        raise KeyNotFound(f"{target.key} has no number at {target.path}")
    try:
        local = value._rapyer_checked(new)
    except ValidationError as exc:  # not expected: the script refuses a stored float
        raise CantSerializeRedisValueError(
            f"The number at {target.path} of {target.key!r} is not a {type(value).__name__} "
            f"value (the increase gave {new!r})"
        ) from exc
    replace_in_parent(value, local)
    plain = local._rapyer_plain()
    target.changed("number", plain)
    return plain


def _script(name: str, target: Target, *args: Any) -> list[Command]:
    return [evalsha_command(name, [target.key], [target.path, *args])]


# The server computes numbers as doubles (Lua scripts; fakeredis's JSON.NUMINCRBY) or as
# 64-bit ints (RedisJSON's, which wraps): ints are exact only up to this magnitude.
MAX_EXACT_INT = 2**53


class RedisNumber(RedisScalar):
    """In-place arithmetic of ``RedisInt`` and ``RedisFloat``."""

    def _rapyer_check_exact(self, operand: Any, result: Any) -> None:
        """Raise RapyerSerializationError when an int field's server-side arithmetic would
        not be exact: the current value, the operand or the result beyond ±2**53."""
        if not isinstance(self, int):
            return
        for number in (int(self), operand, result):
            if isinstance(number, int) and not -MAX_EXACT_INT <= number <= MAX_EXACT_INT:
                raise RapyerSerializationError(
                    f"cannot compute {number} on the server exactly: int arithmetic in Redis "
                    f"is exact only within ±2**53 ({MAX_EXACT_INT}); assign the value instead "
                    "(it is stored as JSON)"
                )

    def _rapyer_mode(self, result: Any) -> str:
        return "i" if isinstance(result, int) else "f"

    def _rapyer_number_result(self, result: Any) -> Any:
        if not isinstance(result, (int, float)):
            raise TypeError(f"the result {result!r} is not a real number")
        return result

    def __iadd__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() + other)
        return self._rapyer_inplace(
            result,
            lambda t: [("JSON.NUMINCRBY", t.key, t.path, number_text(other))],
            ARITHMETIC,
            operand=other,
        )

    def __isub__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() - other)
        return self._rapyer_inplace(
            result,
            lambda t: [("JSON.NUMINCRBY", t.key, t.path, number_text(-other))],
            ARITHMETIC,
            operand=other,
        )

    def __imul__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() * other)
        mode = self._rapyer_mode(result)
        return self._rapyer_inplace(
            result,
            lambda t: _script("num_mul", t, number_text(other), mode),
            ARITHMETIC,
            operand=other,
        )

    def __itruediv__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() / other)
        return self._rapyer_inplace(
            result,
            lambda t: _script("num_truediv", t, number_text(other)),
            ARITHMETIC,
            operand=other,
        )

    def __ifloordiv__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() // other)
        mode = self._rapyer_mode(result)
        return self._rapyer_inplace(
            result,
            lambda t: _script("num_floordiv", t, number_text(other), mode),
            ARITHMETIC,
            operand=other,
        )

    def __imod__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() % other)
        mode = self._rapyer_mode(result)
        return self._rapyer_inplace(
            result,
            lambda t: _script("num_mod", t, number_text(other), mode),
            ARITHMETIC,
            operand=other,
        )

    def __ipow__(self, other: Any) -> Any:
        result = self._rapyer_number_result(self._rapyer_plain() ** other)
        mode = self._rapyer_mode(result)
        return self._rapyer_inplace(
            result,
            lambda t: _script("num_pow", t, number_text(other), mode),
            ARITHMETIC,
            operand=other,
        )


class IntShared(RedisNumber, int):
    """Local behaviour of ``RedisInt``."""

    _rapyer_builtin = int


class FloatShared(RedisNumber, float):
    """Local behaviour of ``RedisFloat``."""

    _rapyer_builtin = float


class StrShared(RedisScalar, str):
    """Local behaviour of ``RedisStr``: ``+=`` and ``*=`` queue atomic commands."""

    _rapyer_builtin = str

    def __iadd__(self, other: Any) -> Any:  # type: ignore[misc]
        if not isinstance(other, str):
            return NotImplemented
        result = str(self) + other
        text = json.dumps(str(other), ensure_ascii=False)
        return self._rapyer_inplace(
            result, lambda t: [("JSON.STRAPPEND", t.key, t.path, text)], APPEND
        )

    def __imul__(self, other: Any) -> Any:  # type: ignore[misc]
        result = str(self) * other
        return self._rapyer_inplace(result, lambda t: _script("str_mul", t, int(other)))


class BytesShared(RedisScalar, bytes):
    """Local behaviour of ``RedisBytes``: ``+=`` rewrites the whole value."""

    _rapyer_builtin = bytes

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(
            lambda value, info: cls(_original.stored_bytes(value, info)),
            handler(bytes),
            serialization=core_schema.plain_serializer_function_ser_schema(
                bytes_json, info_arg=True, when_used="json"
            ),
        )

    def __iadd__(self, other: Any) -> Any:  # type: ignore[misc]
        result = bytes(self) + other
        value = self._rapyer_checked(result)
        return self._rapyer_inplace(
            value,
            lambda t: [("JSON.SET", t.key, t.path, value._rapyer_dump_json())],
            APPEND,
            check=False,
        )


def _timedelta_args(delta: dt.timedelta) -> tuple[int, int]:
    return delta.days, delta.seconds * 1_000_000 + delta.microseconds


class DatetimeShared(RedisScalar, dt.datetime):
    """Local behaviour of ``RedisDatetime``: ``+=``/``-=`` a timedelta is a script."""

    _rapyer_builtin = dt.datetime

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and isinstance(args[0], dt.datetime):
            return cls._rapyer_wrap(
                args[0]
            )  # RedisDatetime(datetime(...)), as the original allowed
        return dt.datetime.__new__(cls, *args, **kwargs)

    def _rapyer_plain(self) -> Any:
        return _plain_datetime(self)

    @classmethod
    def _rapyer_from_plain(cls, plain: Any) -> Any:
        return cls._rapyer_wrap(plain)

    @classmethod
    def _rapyer_wrap(cls, value: dt.datetime) -> Any:
        return dt.datetime.__new__(
            cls,
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
        )

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(cls._rapyer_wrap, handler(dt.datetime))

    def _rapyer_shift(self, delta: Any) -> Any:
        if not isinstance(delta, dt.timedelta):
            return NotImplemented
        result = self._rapyer_plain() + delta
        days, micros = _timedelta_args(delta)
        return self._rapyer_inplace(
            result, lambda t: _script("datetime_add", t, days, micros), ARITHMETIC
        )

    def __iadd__(self, other: Any) -> Any:  # type: ignore[misc]
        return self._rapyer_shift(other)

    def __isub__(self, other: Any) -> Any:  # type: ignore[misc]
        if not isinstance(other, dt.timedelta):
            return NotImplemented
        return self._rapyer_shift(-other)


_EPOCH = dt.datetime(1970, 1, 1)


def _plain_datetime(value: dt.datetime) -> dt.datetime:
    return dt.datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        value.tzinfo,
        fold=value.fold,
    )


class TimestampShared(DatetimeShared):
    """Local behaviour of ``RedisDatetimeTimestamp`` (epoch seconds, naive UTC on load); the
    public class puts it before ``RedisDatetime``."""

    _rapyer_plain_in_containers = False

    @classmethod
    def _rapyer_from_any(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cls._rapyer_wrap(_EPOCH + dt.timedelta(seconds=value))
        return value

    @classmethod
    def _rapyer_naive_utc(cls, value: dt.datetime) -> Any:
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return cls._rapyer_wrap(value)

    @classmethod
    def _rapyer_stored_or_iso(cls, value: dt.datetime, info: Any) -> Any:
        """Epoch seconds when stored; an ordinary ISO datetime in a user's ``model_dump``."""
        if storing(info):
            return cls._rapyer_epoch(value)
        return _plain_datetime(value)

    @staticmethod
    def _rapyer_epoch(value: dt.datetime) -> float:
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return (_plain_datetime(value) - _EPOCH).total_seconds()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = core_schema.no_info_after_validator_function(
            cls._rapyer_naive_utc, handler(dt.datetime)
        )
        return core_schema.no_info_before_validator_function(
            cls._rapyer_from_any,
            inner,
            serialization=core_schema.plain_serializer_function_ser_schema(
                cls._rapyer_stored_or_iso, info_arg=True, when_used="json"
            ),
        )

    def _rapyer_shift(self, delta: Any) -> Any:
        if not isinstance(delta, dt.timedelta):
            return NotImplemented
        result = self._rapyer_plain() + delta
        seconds = number_text(delta.total_seconds())
        return self._rapyer_inplace(
            result, lambda t: [("JSON.NUMINCRBY", t.key, t.path, seconds)], ARITHMETIC
        )
