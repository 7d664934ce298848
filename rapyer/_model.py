"""The model base without I/O: class creation, registry, keys, paths and nesting.

``AtomicRedisModel`` (in ``rapyer.model``) combines this base with the async mixins of
``rapyer._async`` and their generated blocking twins in ``rapyer._sync``.
"""

from __future__ import annotations

import threading
import types
import typing
import uuid
import weakref
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, PydanticSchemaGenerationError, TypeAdapter
from pydantic._internal._model_construction import ModelMetaclass
from pydantic.errors import PydanticUserError

from rapyer import _keys, _links, _pipeline_state, _registry, _reserved
from rapyer import config as _config
from rapyer._links import RedisValue
from rapyer.config import RedisConfig
from rapyer.errors import ModelDefinitionError, RapyerError
from rapyer.fields import Key, Pickle, RapyerKey, SafeLoad

__all__ = ["BaseRedisModel", "RedisModelMeta"]

# Path segments: a field name (str attribute), a list index (int) or a dict key (DictKey).


class DictKey(str):
    """A dict key as a path segment (always quoted in JSON paths)."""

    __slots__ = ()


PathSegment = typing.Union[str, int, DictKey]


class UnaddressableKeyError(RapyerError, ValueError):
    """A dict key that no JSON path can name on every server: it holds both quote
    characters or a backslash (RedisJSON does not unescape quoted path names)."""


def quote_dict_key(key: str) -> str:
    """The bracket segment of a dict key: ``["k"]``, or ``['k']`` when the key holds ``"``.

    The key is never escaped: RedisJSON keeps escapes literally, so the text must be
    quoted with the quote character it does not contain.
    """
    if "\\" not in key:
        if '"' not in key:
            return f'["{key}"]'
        if "'" not in key:
            return f"['{key}']"
    raise UnaddressableKeyError(
        f"The dict key {key!r} cannot be addressed in a JSON path (it contains both quote "
        "characters or a backslash)"
    )


def json_path_of(segments: tuple[PathSegment, ...]) -> str:
    """``$`` plus each segment: ``.name``, ``[3]`` or ``["any key"]`` (see quote_dict_key)."""
    parts = ["$"]
    for seg in segments:
        if isinstance(seg, DictKey):
            parts.append(quote_dict_key(str(seg)))
        elif isinstance(seg, int):
            parts.append(f"[{seg}]")
        else:
            parts.append(f".{seg}")
    return "".join(parts)


def field_path_of(segments: tuple[PathSegment, ...]) -> str:
    """Dotted form of a path, used in special-field keys: ``a.b[2].c``."""
    out = ""
    for seg in segments:
        if isinstance(seg, int) and not isinstance(seg, bool):
            out += f"[{seg}]"
        else:
            out += ("." if out else "") + str(seg)
    return out


def public_field_path(segments: tuple[PathSegment, ...]) -> str:
    """The public ``field_path``: ``.a.b[2]`` (a leading dot, as the original), ``""`` for none."""
    dotted = field_path_of(segments)
    return "." + dotted if dotted else ""


def _contains_model(annotation: Any) -> bool:
    """Whether a (resolved) annotation can hold an AtomicRedisModel instance."""
    if isinstance(annotation, type):
        return issubclass(annotation, BaseRedisModel)
    if getattr(typing.get_origin(annotation), "_rapyer_is_reference", False):
        return False  # a reference holds a key, not a nested model
    return any(_contains_model(arg) for arg in typing.get_args(annotation))


def _models_in_containers(annotation: Any, inside: bool = False) -> Iterator[type]:
    """Model classes an annotation holds inside a list, tuple or dict (not directly)."""
    if isinstance(annotation, type):
        if inside and issubclass(annotation, BaseRedisModel):
            yield annotation
        return
    origin = typing.get_origin(annotation)
    if getattr(origin, "_rapyer_is_reference", False):
        return
    nested = inside or (
        origin is not None and origin not in _UNIONS and origin is not typing.Annotated
    )
    for arg in typing.get_args(annotation):
        yield from _models_in_containers(arg, nested)


def _check_no_special_in_containers(cls: type[BaseRedisModel]) -> None:
    """Set and queue fields live in keys named after their path; a model held in a list or
    dict has no fixed path, so its set and queue fields could not be read back."""
    for name in cls.__rapyer_nested_fields__:
        info = cls.model_fields[name]
        if info.exclude is True or _has_marker(info.metadata, Pickle):
            continue
        for model_cls in _models_in_containers(info.annotation):
            special = [".".join(path) for path, _ in model_cls._class_special_fields()]
            if special:
                raise ModelDefinitionError(
                    f"{cls.__name__}.{name} holds {model_cls.__name__} in a list, tuple or "
                    f"dict, but {model_cls.__name__} has set or queue fields "
                    f"({', '.join(special)}): those are stored in keys of their own named "
                    "after the field's path and cannot be kept for models held in a "
                    "container; nest the model directly, or use list fields instead"
                )


def _has_marker(metadata: list[Any], marker: type) -> bool:
    return any(isinstance(item, marker) for item in metadata)


# Classes being built in this thread: pydantic's own attribute lookups then see no proxies.
_building = threading.local()


class RedisModelMeta(ModelMetaclass):
    """Metaclass: pops ``Meta``, turns pydantic definition errors into ModelDefinitionError,
    finds the Key field, and registers the class by prefix."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> type:
        meta_value = namespace.pop("Meta", None)
        annotations = namespace.get("__annotations__")
        if isinstance(annotations, dict):
            annotations.pop("Meta", None)
        meta = _config.meta_from_namespace(meta_value, name)
        if meta.allow_pickle:
            model_config = dict(namespace.get("model_config") or {})
            model_config["arbitrary_types_allowed"] = True
            namespace["model_config"] = ConfigDict(**model_config)  # type: ignore[typeddict-item]
        _building.depth = getattr(_building, "depth", 0) + 1
        try:
            with _reserved.quiet_shadow_warnings(bases):
                cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        except PydanticSchemaGenerationError as exc:
            raise ModelDefinitionError(
                f"{name}: a field type cannot be stored as JSON ({exc}). Use Pickle[T] or "
                "Meta.allow_pickle=True to store it pickled (trusted data only)."
            ) from exc
        except PydanticUserError as exc:
            raise ModelDefinitionError(f"{name}: {exc}") from exc
        finally:
            _building.depth -= 1
        type.__setattr__(cls, "Meta", meta)
        _config.watch(meta)
        _config.invalidate_cache()
        if name == "BaseRedisModel" and namespace.get("__module__") == __name__:
            return cls
        _config.warn_ignored(meta, name)
        _reserved.warn_hidden(cls, cls.__pydantic_fields__)
        from rapyer._index import compute_indexed_fields

        if cls.__pydantic_complete__:  # else forward references: checked at first use
            indexed = compute_indexed_fields(cls)  # UnsupportedIndexedFieldError, unregistered
            type.__setattr__(cls, "__rapyer_indexed_fields__", indexed)
        mcs._finish(cls)  # type: ignore[arg-type]
        if "model_post_init" not in namespace and not _inherits_custom_post_init(cls):
            _install_fast_post_init(cls)  # type: ignore[arg-type]
        type.__setattr__(cls, "__rapyer_query_ready__", True)
        return cls

    def __getattr__(cls, name: str) -> Any:
        # ``Model.field`` is a query proxy (pydantic keeps no class attribute for fields).
        # Only for finished classes, so pydantic's own lookups while building see nothing.
        if (
            not name.startswith("_")
            and "__rapyer_query_ready__" in cls.__dict__
            and not getattr(_building, "depth", 0)
        ):
            fields = cls.__dict__.get("__pydantic_fields__") or {}
            if name in fields:
                from rapyer._query import FieldProxy

                return FieldProxy(cls, (name,))
        return super().__getattr__(name)  # type: ignore[misc]

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "Meta":
            if isinstance(value, RedisConfig):
                _config.watch(value)
            _config.invalidate_cache()
        elif name.startswith("__") and name.endswith("__"):
            _config.invalidate_cache()  # class structure (special fields, rebuilds) changed

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        if name == "Meta":
            _config.invalidate_cache()

    @staticmethod
    def _finish(cls: type[BaseRedisModel]) -> None:
        if cls.Meta.allow_pickle:
            _pickle_unstorable_fields(cls)
        key_fields = [n for n, f in cls.model_fields.items() if _has_marker(f.metadata, Key)]
        if len(key_fields) > 1:
            raise ModelDefinitionError(
                f"{cls.__name__} has more than one Key field: {', '.join(key_fields)}"
            )
        cls.__rapyer_key_field__ = key_fields[0] if key_fields else None
        _prepare_fields(cls)
        cls.__rapyer_field_adapters__ = {}
        try:
            prefix = cls.class_key_initials()
            _keys.validate_prefix(prefix)
        except ValueError as exc:
            raise ModelDefinitionError(f"{cls.__name__}: {exc}") from exc
        generic = cls.__pydantic_generic_metadata__
        is_generic_origin = bool(generic.get("parameters")) and generic.get("origin") is None
        if _config.resolve(cls, "init_with_rapyer") and not is_generic_origin:
            _registry.register(cls, prefix)  # type: ignore[arg-type]


_IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str, bytes, tuple, frozenset)


def _install_fast_post_init(cls: type[BaseRedisModel]) -> None:
    """One post-init per instance instead of pydantic's wrapper per subclass level.

    pydantic wraps ``model_post_init`` once for every subclass that has private attributes,
    so a model three classes deep initialised its private attributes three times. When every
    private default is immutable, a copy of one precomputed dict does the same work.
    """
    from pydantic_core import PydanticUndefined

    defaults: dict[str, Any] = {}
    for name, attr in cls.__private_attributes__.items():
        default = attr.default
        if attr.default_factory is not None or default is PydanticUndefined:
            return
        if not isinstance(default, _IMMUTABLE_DEFAULTS):
            return
        defaults[name] = default
    type.__setattr__(cls, "__rapyer_private_defaults__", defaults)
    type.__setattr__(cls, "model_post_init", _fast_post_init)


def _inherits_custom_post_init(cls: type) -> bool:
    """Whether a base class (other than rapyer's) defines its own ``model_post_init``: then
    pydantic's wrapper, which calls it, must stay."""
    for klass in cls.__mro__[1:]:
        if klass is BaseRedisModel or klass is BaseModel or klass is object:
            continue
        own = klass.__dict__.get("model_post_init")
        if own is not None and own is not _fast_post_init:
            return True
    return False


def _fast_post_init(self: BaseRedisModel, context: Any, /) -> None:
    if getattr(self, "__pydantic_private__", None) is None:
        object.__setattr__(self, "__pydantic_private__", dict(self.__rapyer_private_defaults__))
    if self.__rapyer_eager_fields__ or self.__rapyer_nested_fields__:
        BaseRedisModel._rapyer_link_eager(self)


class _LinkedField:
    """Class attribute of a field that can hold a Redis value: reading the field links the
    value to this model on first use (lazy), so loading a model creates no link per field.

    A data descriptor, so that it sees every read of the field; it keeps the value in the
    instance ``__dict__`` as pydantic does. On the class it raises AttributeError, as a field
    without a class attribute does (pydantic then takes the field from the parent class).
    """

    __slots__ = ("builtin", "name", "wrap")

    def __init__(self, name: str, wrap: Any = None):
        self.name = name
        self.wrap = wrap  # a PlainScalar field: its Redis type
        self.builtin = wrap._rapyer_builtin if wrap is not None else None

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            # a class-level method of the same name is never hidden (Model.find, Model.count)
            method = _reserved.class_level(owner, self.name)
            if method is not None:
                return method
            raise AttributeError(self.name)
        values = obj.__dict__
        try:
            value = values[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        if type(value) is self.builtin:  # kept plain at validation: wrap it now, once
            value = values[self.name] = self.wrap(value)
        if isinstance(value, RedisValue) and value._rapyer_link is None:
            value._rapyer_link = (weakref.ref(obj), self.name)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value

    def __delete__(self, obj: Any) -> None:
        try:
            del obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None


def _may_hold_redis_value(annotation: Any) -> bool:
    """Whether a (rewritten) annotation can validate into a Redis value."""
    if isinstance(annotation, type):
        return issubclass(annotation, RedisValue)
    origin = typing.get_origin(annotation)
    if isinstance(origin, type) and issubclass(origin, RedisValue):
        return True
    return any(_may_hold_redis_value(arg) for arg in typing.get_args(annotation))


def install_lazy_links(cls: type[BaseRedisModel]) -> None:
    """Put a ``_LinkedField`` on ``cls`` for each field that can hold a Redis value; the
    other fields are linked when the model is built."""
    lazy = []
    for name, info in cls.model_fields.items():
        if name in cls.__rapyer_nested_fields__ or not _may_hold_redis_value(info.annotation):
            continue
        current = cls.__dict__.get(name)
        if current is not None and not isinstance(current, _LinkedField):
            continue  # something of the user's own lives there: link eagerly
        from rapyer._annotations import plain_scalar_of

        type.__setattr__(cls, name, _LinkedField(name, plain_scalar_of(info.metadata)))
        lazy.append(name)
    type.__setattr__(
        cls,
        "__rapyer_eager_fields__",
        tuple(n for n in cls.__rapyer_value_fields__ if n not in lazy),
    )


def _prepare_fields(cls: type[BaseRedisModel]) -> None:
    """Redis types, nested and SafeLoad fields, lazy links: for a class whose fields are
    complete (at creation, or when pydantic completes it later)."""
    from rapyer import _annotations

    _annotations.apply(cls)
    cls.__rapyer_nested_fields__ = tuple(
        n for n, f in cls.model_fields.items() if _contains_model(f.annotation)
    )
    _check_no_special_in_containers(cls)
    cls.__rapyer_safe_fields__ = frozenset(
        n for n, f in cls.model_fields.items() if _has_marker(f.metadata, SafeLoad)
    )
    install_lazy_links(cls)


def _pickle_unstorable_fields(cls: type[BaseRedisModel]) -> None:
    changed = False
    for field in cls.model_fields.values():
        if _has_marker(field.metadata, Pickle):
            continue
        try:
            TypeAdapter(field.annotation)
        except PydanticSchemaGenerationError:
            field.metadata.append(Pickle())
            changed = True
    if changed:
        cls.model_rebuild(force=True)


def _held_at(holder: Any, path: tuple[PathSegment, ...]) -> Any:
    """The value at ``path`` inside a model (``None`` when the path leads nowhere)."""
    value = holder
    for seg in path:
        try:
            if isinstance(value, BaseModel):
                value = value.__dict__[seg]
            elif isinstance(value, dict) or (
                isinstance(value, (list, tuple)) and isinstance(seg, int)
            ):
                value = value[seg]
            else:
                return None
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _held_elsewhere(
    value: BaseRedisModel, parent: BaseRedisModel, rel_path: tuple[PathSegment, ...]
) -> bool:
    """Whether the nested model ``value`` still sits under another parent or path."""
    private = value.__pydantic_private__
    old = private.get("_rapyer_parent") if private is not None else None
    if old is None:
        return False
    old_path = private.get("_rapyer_path", ())
    if old is parent and old_path == rel_path:
        return False
    return _held_at(old, old_path) is value


def _detached_copy(value: BaseRedisModel) -> BaseRedisModel:
    """A deep copy of a nested model that does not copy the parents it hangs from."""
    memo: dict[int, Any] = {}
    parent = _private(value, "_rapyer_parent")
    while parent is not None:
        memo[id(parent)] = parent
        parent = _private(parent, "_rapyer_parent")
    return value.__deepcopy__(memo)


class BaseRedisModel(BaseModel, metaclass=RedisModelMeta):
    """Pydantic base of every rapyer model: keys, paths and parent links (no I/O)."""

    model_config = ConfigDict(
        validate_assignment=True,
        validate_default=True,
        ser_json_bytes="base64",
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
        ref = weakref.ref(self)
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
                        ref = weakref.ref(self)
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
        super().__setattr__(name, value)
        new = self.__dict__.get(name)
        if isinstance(new, RedisValue):
            new._rapyer_link = (weakref.ref(self), name)
        if name in self.__rapyer_nested_fields__:
            linked = self._link_value(new, (name,))
            if linked is not new:
                self.__dict__[name] = linked
        if not queued and _pipeline_state.current() is not None:
            from rapyer._assign import queue_assignment

            queue_assignment(self, name, value)

    def _link_value(self, value: Any, rel_path: tuple[PathSegment, ...], take: bool = False) -> Any:
        """Link nested models found in ``value`` to this model at ``rel_path``; returns the
        value to keep there.

        A nested model still held by another place (another parent, or another field of
        this one) is not moved: this place gets a deep copy of it, so that each parent owns
        its nested models and writes through one never land in the other's document.
        ``take`` moves the models regardless (values taken over from a discarded model).
        """
        if isinstance(value, BaseRedisModel):
            if not take and _held_elsewhere(value, self, rel_path):
                value = _detached_copy(value)
            value._rapyer_parent = self
            value._rapyer_path = rel_path
            values = value.__dict__
            for name in value.__rapyer_nested_fields__:
                item = values.get(name)
                linked = value._link_value(item, (name,), take)
                if linked is not item:
                    values[name] = linked
        elif isinstance(value, list):
            for i, item in enumerate(value):
                linked = self._link_value(item, (*rel_path, i), take)
                if linked is not item:
                    list.__setitem__(value, i, linked)
        elif isinstance(value, tuple):
            items = tuple(
                self._link_value(item, (*rel_path, i), take) for i, item in enumerate(value)
            )
            if type(value) is tuple and any(a is not b for a, b in zip(items, value, strict=True)):
                value = items
        elif isinstance(value, dict):
            for k, item in value.items():
                linked = self._link_value(item, (*rel_path, DictKey(k)), take)
                if linked is not item:
                    dict.__setitem__(value, k, linked)
        return value

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
            and cls.__name__ != "BaseRedisModel"
        ):
            _prepare_fields(cls)
        return result

    # ---- keys -------------------------------------------------------------------------

    @classmethod
    def class_key_initials(cls) -> str:
        """The key prefix: ``Meta.key_prefix``, else the class name."""
        prefix = _config.resolve(cls, "key_prefix")  # type: ignore[arg-type]
        return prefix if prefix is not None else cls.__name__

    @property
    def key_initials(self) -> str:
        return type(self).class_key_initials()

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
        return RapyerKey(_keys.build_key(type(root).class_key_initials(), root.pk))

    @key.setter
    def key(self, value: str) -> None:
        self.root_model().pk = _keys.pk_of(str(value))

    @property
    def all_keys(self) -> list[str]:
        """The main key plus the keys of the special (set and queue) fields."""
        return self.root_model()._special_keys(include_main=True)

    def _special_keys(self, include_main: bool = False) -> list[str]:
        key = self.key
        keys = [key] if include_main else []
        if self.__rapyer_special_fields__ or self.__rapyer_nested_fields__:
            keys.extend(_keys.special_key(key, path) for path in self._special_paths())
        return keys

    def _special_paths(self) -> Iterator[str]:
        """Dotted paths of the special fields of this model and its nested models."""
        for name in self.__rapyer_special_fields__:
            yield field_path_of((*self._rapyer_path_from_root(), name))
        for name in self.__rapyer_nested_fields__:
            for nested in _iter_models(self.__dict__.get(name)):
                yield from nested._special_paths()

    # ---- special fields (sets and queues live in their own keys) ----------------------

    def _special_field_commands(self, name: str) -> list[tuple[Any, ...]]:
        """``DEL`` + ``SADD`` storing one set field (nothing for a queue field)."""
        from rapyer._annotations import _is_queue

        if _is_queue(type(self).model_fields[name].annotation):
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
            for nested in _iter_models(self.__dict__.get(name)):
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
        from rapyer._annotations import _is_queue

        for name in cls.__rapyer_special_fields__:
            found.append(((name,), not _is_queue(cls.model_fields[name].annotation)))
        for name in cls.__rapyer_nested_fields__:
            nested = _direct_model_class(cls.model_fields[name].annotation)
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
    def _special_read_commands(cls, key: str) -> list[tuple[Any, ...]]:
        """Commands that read the set fields, sent right after ``JSON.GET``."""
        return [
            ("SMEMBERS", _keys.special_key(key, ".".join(path)))
            for path, is_set in cls._class_special_fields()
            if is_set
        ]

    def _apply_special_replies(self, replies: list[Any]) -> None:
        """Fill the set fields from the replies of ``_special_read_commands``."""
        if not replies:
            return
        paths = [path for path, is_set in type(self)._class_special_fields() if is_set]
        for path, members in zip(paths, replies, strict=False):
            holder: Any = self
            for name in path[:-1]:
                holder = holder.__dict__.get(name)
                if not isinstance(holder, BaseRedisModel):
                    break
            else:
                holder._apply_set_members(path[-1], members)

    def _apply_set_members(self, name: str, members: Any) -> None:
        import json
        import logging

        from pydantic import ValidationError

        from rapyer._codec import LOAD_CONTEXT, _safe_fields, field_adapter
        from rapyer.errors import CantSerializeRedisValueError

        cls = type(self)
        safe = _safe_fields(cls)
        try:
            data = [json.loads(member) for member in members or ()]
            value = field_adapter(cls, name).validate_json(json.dumps(data), context=LOAD_CONTEXT)
        except (ValueError, ValidationError) as exc:
            if safe is not None and name not in safe:
                raise CantSerializeRedisValueError(
                    f"The set field {name!r} of {self.key!r} cannot be loaded: {exc}"
                ) from exc
            logging.getLogger("rapyer").warning(
                "SafeLoad: set field %r of %s at %r could not be loaded",
                name,
                cls.__name__,
                self.key,
            )
            self.failed_fields.add(name)
            value = None
        self.__dict__[name] = value
        if isinstance(value, RedisValue):
            value._rapyer_link = (weakref.ref(self), name)

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
        return _config.resolved_config(cls)  # type: ignore[arg-type]

    @classmethod
    def build_redis_model(cls) -> None:
        """No-op kept for compatibility: configuration is read at call time."""

    @classmethod
    def field(cls, name: str) -> Any:
        """The query proxy of field ``name`` (also when a class method has that name)."""
        if name not in cls.model_fields:
            raise AttributeError(f"{cls.__name__} has no field {name!r}")
        from rapyer._query import FieldProxy

        return FieldProxy(cls, (name,))

    @classmethod
    def init_class(cls) -> None:
        """No-op kept for compatibility: query proxies exist from class creation."""

    @classmethod
    def index_name(cls) -> str:
        return f"idx:{cls.class_key_initials()}"

    @classmethod
    def redis_schema(cls) -> list[Any]:
        """The RediSearch ``SCHEMA`` arguments of this model's index (empty: no index)."""
        from rapyer._index import redis_schema

        return redis_schema(cls)

    def redis_dump(self) -> dict[str, Any]:
        """The stored form of this model as Python data."""
        from rapyer._codec import dump_python

        return dump_python(self)

    def redis_dump_json(self) -> str:
        """The stored form of this model as JSON text."""
        from rapyer._codec import dump_json

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


_UNIONS = (typing.Union, getattr(types, "UnionType", typing.Union))


def _direct_model_class(annotation: Any) -> Any:
    """The model class of an annotation that is a model or ``Optional`` of one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseRedisModel):
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in _UNIONS and len(args) == 1:
        return _direct_model_class(args[0])
    return None


def _private(model: BaseRedisModel, name: str) -> Any:
    """A private attribute, read without pydantic's ``__getattr__`` (slow for private names)."""
    private = model.__pydantic_private__
    if private is not None and name in private:
        return private[name]
    return getattr(model, name)


def _iter_models(value: Any) -> Iterator[BaseRedisModel]:
    if isinstance(value, BaseRedisModel):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _iter_models(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _iter_models(item)
