"""The model base without I/O: keys, paths, nesting and special fields of a model.

``AtomicRedisModel`` (in ``rapyer.model``) combines this base with the async mixins of
``rapyer._async`` and their generated blocking twins in ``rapyer._sync``. Class creation is
``rapyer._meta``; annotation inspection ``rapyer._typeinfo``; the lazy-link descriptor
``rapyer._lazy_links``; nested-model ownership ``rapyer._nesting``; set-field decoding
``rapyer._set_members``; pydantic internals ``rapyer._pydantic_internals``.
"""

from __future__ import annotations

import typing
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, TypeAdapter

from rapyer import _keys, _layout, _links, _pipeline_state
from rapyer import config as _config
from rapyer._annotations import is_queue
from rapyer._assign import queue_assignment
from rapyer._codec import dump_json, dump_python
from rapyer._index import redis_schema
from rapyer._links import LinkedModel, RedisValue
from rapyer._meta import BASE_NAME, RedisModelMeta, prepare_fields
from rapyer._nesting import iter_models, link_value
from rapyer._paths import DictKey, PathSegment, field_path_of, json_path_of, public_field_path
from rapyer._pydantic_internals import private as _private
from rapyer._query import FieldProxy
from rapyer._set_members import apply_inline_set, apply_set_members, warn_inline_sets
from rapyer._typeinfo import direct_model_class
from rapyer.config import RedisConfig
from rapyer.errors import KeyChangeError
from rapyer.fields import RapyerKey

__all__ = ["BaseRedisModel", "RedisModelMeta"]


# Private attributes that place a model (its anchor follows them: rapyer._links.ModelAnchor).
_PLACE_ATTRIBUTES = frozenset({"_rapyer_pk", "_rapyer_parent", "_rapyer_path"})


class BaseRedisModel(BaseModel, LinkedModel, metaclass=RedisModelMeta):
    """Pydantic base of every rapyer model: keys, paths and parent links (no I/O)."""

    model_config = ConfigDict(
        validate_assignment=True,
        validate_default=True,
        ser_json_bytes="base64",
        # NaN and infinities are dumped as constants so that the value check refuses them
        # (the default, null, would be stored and read back as None or fail validation).
        ser_json_inf_nan="constants",
        val_json_bytes="base64",
        # Documents are stored by field name; aliases keep working for user input.
        validate_by_name=True,
        validate_by_alias=True,
        # A field typed as model A also takes another pydantic model with the same fields.
        from_attributes=True,
    )

    Meta: ClassVar[RedisConfig]
    __rapyer_key_field__: ClassVar[str | None] = None
    __rapyer_nested_fields__: ClassVar[tuple[str, ...]] = ()
    __rapyer_safe_fields__: ClassVar[frozenset[str]] = frozenset()
    __rapyer_special_fields__: ClassVar[tuple[str, ...]] = ()
    __rapyer_value_fields__: ClassVar[tuple[str, ...]] = ()
    __rapyer_eager_fields__: ClassVar[tuple[str, ...]] = ()
    __rapyer_field_adapters__: ClassVar[dict[str, TypeAdapter[Any]]] = {}

    _rapyer_pk: str | None = PrivateAttr(default=None)
    _rapyer_parent: BaseRedisModel | None = PrivateAttr(default=None)
    _rapyer_path: tuple[PathSegment, ...] = PrivateAttr(default=())
    _rapyer_failed: set[str] | None = PrivateAttr(default=None)
    # What Redis held for this (root) model when it was last loaded or saved: the stored JSON
    # text (or data), ``None`` for a model never read or written (rapyer._changes).
    _rapyer_stored: Any = PrivateAttr(default=None)

    __rapyer_private_defaults__: ClassVar[dict[str, Any]] = {}

    def model_post_init(self, context: Any, /) -> None:
        self._rapyer_link_eager()

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._rapyer_link_fields()  # unpickled values carry no link

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        copied = super().__deepcopy__(memo)
        copied._rapyer_link_fields()  # deep copies of values carry no link
        return copied

    def __iter__(self) -> Any:
        # ``dict(model)`` gives the field values as attribute reads do (Redis types, linked).
        for name, value in list(super().__iter__()):
            yield name, getattr(self, name) if name in self.__dict__ else value

    def _rapyer_link_fields(self) -> None:
        """Link every field value to this model now (values taken over from another model)."""
        values = self.__dict__
        ref = _links.anchor_of(self)
        for name in self.__rapyer_value_fields__:
            value = values.get(name)
            if isinstance(value, RedisValue):
                value._rapyer_link = (ref, name)
        for name in self.__rapyer_nested_fields__:
            self._link_value(values.get(name), (name,), take=True)

    def _rapyer_link_eager(self) -> None:
        """Link what a new model must link at once: nested models, and values of fields
        without a ``_LinkedField`` (those link on first read)."""
        values = self.__dict__
        eager = self.__rapyer_eager_fields__
        if eager:
            ref = None
            for name in eager:
                value = values.get(name)
                if isinstance(value, RedisValue):
                    if ref is None:
                        ref = _links.anchor_of(self)
                    value._rapyer_link = (ref, name)
        for name in self.__rapyer_nested_fields__:
            value = values.get(name)
            linked = self._link_value(value, (name,))
            if linked is not value:
                values[name] = linked

    if not typing.TYPE_CHECKING:

        def __getattr__(self, item: str) -> Any:
            # rapyer's private attributes (``model._rapyer_parent`` ...) without pydantic's
            # generic path, which costs microseconds per read (it probes the default for
            # ``__get__`` through ``ModelPrivateAttr.__getattr__``, raising inside).
            if item.startswith("_rapyer_"):
                private = self.__pydantic_private__
                if private is not None and item in private:
                    return private[item]
            return super().__getattr__(item)

    def __setattr__(self, name: str, value: Any) -> None:
        queued = _links.consume_pending(self, name, value)
        if name == self.__rapyer_key_field__ and self._rapyer_key_is_stored():
            old = self.__dict__.get(name)
            super().__setattr__(name, value)
            if str(self.__dict__.get(name)) != str(old):
                self.__dict__[name] = old
                raise KeyChangeError(
                    f"{type(self).__name__}.{name} is the Key field of a model stored at "
                    f"{self.key!r}; changing it would move later writes to another document "
                    "(create a new model for another key)"
                )
        else:
            super().__setattr__(name, value)
        if name in _PLACE_ATTRIBUTES or name == self.__rapyer_key_field__:
            _links.refresh_anchor(self)  # where this model's values are stored changed
        new = self.__dict__.get(name)
        if isinstance(new, RedisValue):
            new._rapyer_link = (_links.anchor_of(self), name)
        if name in self.__rapyer_nested_fields__:
            linked = self._link_value(new, (name,))
            if linked is not new:
                self.__dict__[name] = linked
        if not queued and _pipeline_state.current() is not None:
            queue_assignment(self, name, value)

    def _link_value(self, value: Any, rel_path: tuple[PathSegment, ...], take: bool = False) -> Any:
        """Link nested models found in ``value`` to this model at ``rel_path``; returns the
        value to keep there (see ``rapyer._nesting.link_value``)."""
        return link_value(self, value, rel_path, take)

    @classmethod
    def model_rebuild(
        cls,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        """pydantic's rebuild; a class completed only now (forward references) also gets its
        annotations rewritten to Redis types and its nested fields recorded."""
        was_complete = cls.__pydantic_complete__
        result = super().model_rebuild(
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1 if _parent_namespace_depth else 0,
            _types_namespace=_types_namespace,
        )
        if (
            not was_complete
            and cls.__pydantic_complete__
            and "__rapyer_rewritten__" not in cls.__dict__
            and cls.__name__ != BASE_NAME
        ):
            prepare_fields(cls)
        return result

    # ---- keys -------------------------------------------------------------------------

    @classmethod
    def class_key_initials(cls) -> str:
        """The key prefix: ``Meta.key_prefix``, else the class name."""
        prefix = _config.resolve(cls, "key_prefix")
        return prefix if prefix is not None else cls.__name__

    @property
    def key_initials(self) -> str:
        return type(self).class_key_initials()

    def _rapyer_key_is_stored(self) -> bool:
        """Whether this is a root model that was loaded from or saved to Redis."""
        private = self.__pydantic_private__
        return (
            private is not None
            and private.get("_rapyer_parent") is None
            and private.get("_rapyer_stored") is not None
        )

    @property
    def pk(self) -> Any:
        """The primary key: the Key field's value (of its own type), else a generated uuid4."""
        key_field = self.__rapyer_key_field__
        if key_field is not None:
            return getattr(self, key_field)
        private = self.__pydantic_private__
        pk = private.get("_rapyer_pk") if private is not None else _private(self, "_rapyer_pk")
        if pk is None:
            pk = self._rapyer_pk = str(uuid.uuid4())
        return pk

    @pk.setter
    def pk(self, value: Any) -> None:
        key_field = self.__rapyer_key_field__
        if key_field is not None:
            setattr(self, key_field, value)
        else:
            self._rapyer_pk = str(value)

    @property
    def key(self) -> RapyerKey:
        """The Redis key of the document (the root's key for a nested model)."""
        root = self.root_model()
        return RapyerKey(_layout.model_key(type(root), root.pk))

    @key.setter
    def key(self, value: str) -> None:
        self.root_model().pk = _keys.pk_of(str(value))

    @property
    def all_keys(self) -> list[str]:
        """The main key plus the keys of the special (set and queue) fields."""
        return self.root_model()._special_keys(include_main=True)

    def _special_keys(self, include_main: bool = False) -> list[str]:
        key = self.key
        keys: list[str] = [key] if include_main else []
        if self.__rapyer_special_fields__ or self.__rapyer_nested_fields__:
            keys.extend(_keys.special_key(key, path) for path in self._special_paths())
        return keys

    def _special_paths(self) -> Iterator[str]:
        """Dotted paths of the special fields of this model and its nested models."""
        for name in self.__rapyer_special_fields__:
            yield field_path_of((*self._rapyer_path_from_root(), name))
        for name in self.__rapyer_nested_fields__:
            for nested in iter_models(self.__dict__.get(name)):
                yield from nested._special_paths()

    # ---- special fields (sets and queues live in their own keys) ----------------------

    def _special_field_commands(self, name: str) -> list[tuple[Any, ...]]:
        """``DEL`` + ``SADD`` storing one set field (nothing for a queue field)."""
        if is_queue(type(self).model_fields[name].annotation):
            return []
        key = _keys.special_key(self.key, field_path_of((*self._rapyer_path_from_root(), name)))
        value = self.__dict__.get(name)
        store = getattr(value, "_rapyer_store_commands", None)
        return store(key) if store is not None else [("DEL", key)]

    def _special_save_commands(self) -> list[tuple[Any, ...]]:
        """Commands that store this model's special fields (``DEL`` + ``SADD`` ...)."""
        commands: list[tuple[Any, ...]] = []
        for name in self.__rapyer_special_fields__:
            commands.extend(self._special_field_commands(name))
        for name in self.__rapyer_nested_fields__:
            for nested in iter_models(self.__dict__.get(name)):
                commands.extend(nested._special_save_commands())
        return commands

    @classmethod
    def _class_special_fields(cls) -> list[tuple[tuple[str, ...], bool]]:
        """``(path, is_set)`` of the special fields of this class and of nested models held
        directly (also as ``Optional``) by its fields, recursively. Models inside lists or
        dicts are not known from the class.

        Cached per class (every read and bulk read item asks); the cache is dropped whenever
        a model class is created or a class attribute (``__rapyer_*__``, pydantic's) or a
        Meta changes. Callers must not mutate the returned list.
        """
        cached = cls.__dict__.get("__rapyer_special_cache__")
        generation = _config.generation()
        if cached is not None and cached[0] == generation:
            return cached[1]  # type: ignore[no-any-return]
        found = cls._compute_special_fields()
        if generation == _config.generation():
            type.__setattr__(cls, "__rapyer_special_cache__", (generation, found))
        return found

    @classmethod
    def _compute_special_fields(cls) -> list[tuple[tuple[str, ...], bool]]:
        found: list[tuple[tuple[str, ...], bool]] = []
        for name in cls.__rapyer_special_fields__:
            found.append(((name,), not is_queue(cls.model_fields[name].annotation)))
        for name in cls.__rapyer_nested_fields__:
            nested = direct_model_class(cls.model_fields[name].annotation)
            if nested is not None and nested is not cls:
                found.extend(
                    ((name, *path), is_set) for path, is_set in nested._class_special_fields()
                )
        return found

    @classmethod
    def _class_special_keys(cls, key: str) -> list[str]:
        """Keys of the special fields of the document at ``key`` (see _class_special_fields)."""
        return [_keys.special_key(key, ".".join(path)) for path, _ in cls._class_special_fields()]

    @classmethod
    def _special_read_commands(
        cls, key: str, at: tuple[PathSegment, ...] = ()
    ) -> list[tuple[Any, ...]]:
        """Commands that read the set fields, sent right after ``JSON.GET`` (``at``: the
        path of a nested model of this class from the root document at ``key``)."""
        return [
            (
                "SMEMBERS",
                _keys.special_key(key, field_path_of((*at, *path)) if at else ".".join(path)),
            )
            for path, is_set in cls._class_special_fields()
            if is_set
        ]

    def _apply_special_replies(self, replies: list[Any]) -> None:
        """Fill the set fields from the replies of ``_special_read_commands`` (replies after
        them, such as a TTL refresh's, are ignored)."""
        if not replies:
            return
        paths = [path for path, is_set in type(self)._class_special_fields() if is_set]
        inline: list[str] | None = None
        for path, members in zip(paths, replies, strict=False):
            holder: Any = self
            for name in path[:-1]:
                holder = holder.__dict__.get(name)
                if not isinstance(holder, BaseRedisModel):
                    break
            else:
                name = path[-1]
                # rapyer never stores a set field in the document: there, it is the original
                # 1.2.5's format (validation already decoded it, pickles restricted)
                if name in holder.__pydantic_fields_set__:
                    inline = [*(inline or ()), ".".join(path)]
                    apply_inline_set(holder, name, members)
                    continue
                holder._apply_set_members(name, members)
        if inline is not None:
            root = self.root_model()
            if root is not self:  # a nested model read on its own: name the paths from the root
                at = field_path_of(self._rapyer_path_from_root())
                inline = [f"{at}.{path}" for path in inline]
            warn_inline_sets(type(root), inline)

    def _apply_set_members(self, name: str, members: Any) -> None:
        apply_set_members(self, name, members)

    # ---- nesting ----------------------------------------------------------------------

    def root_model(self) -> BaseRedisModel:
        model = self
        while (parent := _private(model, "_rapyer_parent")) is not None:
            model = parent
        return model

    def is_inner_model(self) -> bool:
        return _private(self, "_rapyer_parent") is not None

    def _rapyer_path_from_root(self) -> tuple[PathSegment, ...]:
        segments: tuple[PathSegment, ...] = ()
        model = self
        while (parent := _private(model, "_rapyer_parent")) is not None:
            segments = _private(model, "_rapyer_path") + segments
            model = parent
        return segments

    @property
    def field_name(self) -> str:
        """The name of the field holding this nested model (``""`` at the root)."""
        for seg in reversed(self._rapyer_path):
            if not isinstance(seg, int) and not isinstance(seg, DictKey):
                return str(seg)
        return ""

    @property
    def field_path(self) -> str:
        """Path from the root with a leading dot, as the original's (``.a.b[2]``; ``""`` at the
        root)."""
        return public_field_path(self._rapyer_path_from_root())

    @property
    def json_path(self) -> str:
        """JSONPath from the root: ``$`` or ``$.a.b[2]``."""
        return json_path_of(self._rapyer_path_from_root())

    # ---- misc -------------------------------------------------------------------------

    @property
    def failed_fields(self) -> set[str]:
        """Fields that SafeLoad replaced with ``None`` at the last load."""
        failed = self._rapyer_failed
        if failed is None:
            failed = self._rapyer_failed = set()
        return failed

    @classmethod
    def resolved_config(cls) -> RedisConfig:
        """A RedisConfig with every option resolved now."""
        return _config.resolved_config(cls)

    @classmethod
    def build_redis_model(cls) -> None:
        """No-op kept for compatibility: configuration is read at call time."""

    @classmethod
    def init_class(cls) -> None:
        """No-op kept for compatibility: query proxies exist from class creation."""

    @classmethod
    def field(cls, name: str) -> Any:
        """The query proxy of field ``name`` (also when a class method has that name)."""
        if name not in cls.model_fields:
            raise AttributeError(f"{cls.__name__} has no field {name!r}")
        return FieldProxy(cls, (name,))

    @classmethod
    def index_name(cls) -> str:
        return f"idx:{cls.class_key_initials()}"

    @classmethod
    def redis_schema(cls) -> list[Any]:
        """The RediSearch ``SCHEMA`` arguments of this model's index (empty: no index)."""
        return redis_schema(cls)

    def redis_dump(self) -> dict[str, Any]:
        """The stored form of this model as Python data."""
        return dump_python(self)

    def redis_dump_json(self) -> str:
        """The stored form of this model as JSON text."""
        return dump_json(self)

    def __eq__(self, other: object) -> bool:
        if (
            isinstance(other, BaseModel)
            and type(other) is type(self)
            and self.__dict__ == other.__dict__
        ):
            return True
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]
