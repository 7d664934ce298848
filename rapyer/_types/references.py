"""``ForeignKey[T]`` / ``Reference[T]`` (beta): a field holding another model's key (no I/O).

Stored inline as the target's key string. A reference is built from a model, a key string,
another reference or ``{"$ref": Cls, "$id": pk}``; ``fetch`` reads the target once and caches
it. Attribute access delegates to the fetched target and never does I/O.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, ForwardRef, TypeVar, Union

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from rapyer import _keys, _layout, _registry
from rapyer._model import BaseRedisModel
from rapyer._types.base import GenericContainer
from rapyer.errors import (
    InvalidKeyError,
    KeyNotFound,
    NotResolvedError,
    RapyerModelDoesntExistError,
)

__all__ = ["ReferenceShared"]

T = TypeVar("T")

_UNIONS: tuple[Any, ...] = (Union, getattr(types, "UnionType", Union))


def _class_named(name: str) -> type[BaseRedisModel] | None:
    """A registered model class by class name or by prefix (forward references)."""
    for cls in _registry.models():
        if cls.__name__ == name or cls.__qualname__ == name:
            return cls
    return _registry.by_prefix(name)


def _targets(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in _UNIONS:
        return [t for arg in typing.get_args(annotation) for t in _targets(arg)]
    return [annotation]


class ReferenceShared(GenericContainer):
    """Local behaviour of a reference: key, cached value, delegation, equality by key."""

    _rapyer_is_reference = True

    def __init__(self, key: str, value: Any = None) -> None:
        self._rapyer_key = key
        self._rapyer_value = value

    # ---- the target -------------------------------------------------------------------

    @classmethod
    def _rapyer_target_classes(cls) -> list[type[BaseRedisModel]] | None:
        """The allowed target classes, or ``None`` when any class (or one not defined yet)."""
        if not cls._rapyer_args:
            return None
        found: list[type[BaseRedisModel]] = []
        for target in _targets(cls._rapyer_args[0]):
            if isinstance(target, ForwardRef):
                target = target.__forward_arg__
            if isinstance(target, str):
                target = _class_named(target)
            if not (isinstance(target, type) and issubclass(target, BaseRedisModel)):
                return None
            found.append(target)
        return found

    def _rapyer_target_class(self) -> type[BaseRedisModel]:
        """The class of the target: from the key's prefix, checked against the allowed ones."""
        try:
            cls = _registry.class_for_key(self._rapyer_key)
        except RapyerModelDoesntExistError as error:  # no model can be stored at this key
            raise KeyNotFound(f"{self._rapyer_key!r} is not a key of any model") from error
        allowed = type(self)._rapyer_target_classes()
        if allowed is not None and not any(issubclass(cls, a) for a in allowed):
            raise KeyNotFound(
                f"{self._rapyer_key!r} is not a key of {', '.join(a.__name__ for a in allowed)}"
            )
        return cls

    @property
    def target_key(self) -> str:
        return self._rapyer_key

    @property
    def is_resolved(self) -> bool:
        return self._rapyer_value is not None

    @property
    def value(self) -> Any:
        """The fetched target; NotResolvedError before a fetch."""
        if self._rapyer_value is None:
            raise NotResolvedError(f"The reference to {self._rapyer_key!r} is not fetched")
        return self._rapyer_value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.value, name)

    # ---- value semantics --------------------------------------------------------------

    def _rapyer_plain(self) -> Any:
        return self._rapyer_key

    def _rapyer_dump_json(self) -> str:
        return json.dumps(self._rapyer_key)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReferenceShared):
            return self._rapyer_key == other._rapyer_key
        if isinstance(other, BaseRedisModel):
            return self._rapyer_key == other.key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rapyer_key)

    def __repr__(self) -> str:
        state = "fetched" if self.is_resolved else "not fetched"
        return f"{type(self).__name__}({self._rapyer_key!r}, {state})"

    # ---- validation -------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        concrete = cls._rapyer_concrete(source)
        return core_schema.no_info_plain_validator_function(
            concrete._rapyer_validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda ref: ref._rapyer_key if isinstance(ref, ReferenceShared) else ref
            ),
        )

    @classmethod
    def _rapyer_validate(cls, value: Any) -> Any:
        if isinstance(value, ReferenceShared):
            return cls(value._rapyer_key, value._rapyer_value)
        if isinstance(value, BaseRedisModel):
            allowed = cls._rapyer_target_classes()
            if allowed is not None and not isinstance(value, tuple(allowed)):
                raise ValueError(f"a {type(value).__name__} is not a valid target")
            if value.is_inner_model():
                raise ValueError("a nested model cannot be referenced")
            return cls(value.key, value)
        if isinstance(value, dict) and "$ref" in value and "$id" in value:
            target = value["$ref"]
            if isinstance(target, str):
                target = _class_named(target)
            if not (isinstance(target, type) and issubclass(target, BaseRedisModel)):
                raise ValueError(f"unknown reference class {value['$ref']!r}")
            return cls(_layout.full_key(target, str(value["$id"])))
        if isinstance(value, str):
            try:
                _keys.split_key(value)
            except InvalidKeyError as exc:
                raise ValueError(str(exc)) from exc
            return cls(value)
        raise ValueError(f"a reference needs a model, a key or a reference, not {value!r}")

    @classmethod
    def _rapyer_from_plain(cls, plain: Any) -> Any:
        return cls(plain)
