"""The metaclass of rapyer models and the preparation of a new model class (no I/O).

``RedisModelMeta`` pops ``Meta``, turns pydantic definition errors into
ModelDefinitionError, finds the Key field, rewrites annotations to Redis types, installs the
lazy links and registers the class by prefix. ``Model.field`` on a finished class is a query
proxy.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ConfigDict, Field, PrivateAttr, PydanticSchemaGenerationError, TypeAdapter
from pydantic.errors import PydanticUserError
from typing_extensions import dataclass_transform

from rapyer import _annotations, _keys, _registry, _reserved
from rapyer import config as _config
from rapyer._index import compute_indexed_fields
from rapyer._lazy_links import install_lazy_links
from rapyer._pydantic_internals import (
    ModelMetaclass,
    install_fast_post_init,
    refresh_fast_post_init,
)
from rapyer._query import FieldProxy
from rapyer._typeinfo import contains_model, has_marker, models_in_containers
from rapyer.config import RedisConfig
from rapyer.errors import ModelDefinitionError
from rapyer.fields import Key, Pickle, SafeLoad

__all__ = ["RedisModelMeta", "prepare_fields"]

# The module and name of the base class (``rapyer._model.BaseRedisModel``): created without
# the preparation of model classes.
BASE_MODULE = "rapyer._model"
BASE_NAME = "BaseRedisModel"

# Classes being built in this thread: pydantic's own attribute lookups then see no proxies.
_building = threading.local()


# As on pydantic's metaclass: type checkers take a model's fields as its constructor's
# keyword arguments (they do not look for the decorator on the bases of a metaclass).
@dataclass_transform(kw_only_default=True, field_specifiers=(Field, PrivateAttr))
class RedisModelMeta(ModelMetaclass):
    """Metaclass: pops ``Meta``, turns pydantic definition errors into ModelDefinitionError,
    finds the Key field, and registers the class by prefix."""

    base: type | None = None  # BaseRedisModel, once created

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
        cls: type[Any]
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
        if name == BASE_NAME and namespace.get("__module__") == BASE_MODULE:
            RedisModelMeta.base = cls
            return cls
        _config.warn_ignored(meta, name)
        _reserved.warn_hidden(cls, cls.__pydantic_fields__)
        if cls.__pydantic_complete__:  # else forward references: checked at first use
            indexed = compute_indexed_fields(cls)  # UnsupportedIndexedFieldError, unregistered
            type.__setattr__(cls, "__rapyer_indexed_fields__", indexed)
        _finish(cls)
        if "model_post_init" not in namespace:
            install_fast_post_init(cls, RedisModelMeta.base)  # type: ignore[arg-type]
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
                return FieldProxy(cls, (name,))  # type: ignore[arg-type]
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


def _finish(cls: Any) -> None:
    if cls.Meta.allow_pickle:
        _pickle_unstorable_fields(cls)
    key_fields = [n for n, f in cls.model_fields.items() if has_marker(f.metadata, Key)]
    if len(key_fields) > 1:
        raise ModelDefinitionError(
            f"{cls.__name__} has more than one Key field: {', '.join(key_fields)}"
        )
    cls.__rapyer_key_field__ = key_fields[0] if key_fields else None
    prepare_fields(cls)
    cls.__rapyer_field_adapters__ = {}
    try:
        prefix = cls.class_key_initials()
        _keys.validate_prefix(prefix)
    except ValueError as exc:
        raise ModelDefinitionError(f"{cls.__name__}: {exc}") from exc
    generic = cls.__pydantic_generic_metadata__
    is_generic_origin = bool(generic.get("parameters")) and generic.get("origin") is None
    if _config.resolve(cls, "init_with_rapyer") and not is_generic_origin:
        _registry.register(cls, prefix)


def prepare_fields(cls: Any) -> None:
    """Redis types, nested and SafeLoad fields, lazy links: for a class whose fields are
    complete (at creation, or when pydantic completes it later)."""
    _annotations.apply(cls)
    cls.__rapyer_nested_fields__ = tuple(
        n for n, f in cls.model_fields.items() if contains_model(f.annotation)
    )
    _check_no_special_in_containers(cls)
    cls.__rapyer_safe_fields__ = frozenset(
        n for n, f in cls.model_fields.items() if has_marker(f.metadata, SafeLoad)
    )
    install_lazy_links(cls)
    refresh_fast_post_init(cls)


def _check_no_special_in_containers(cls: Any) -> None:
    """Set and queue fields live in keys named after their path; a model held in a list or
    dict has no fixed path, so its set and queue fields could not be read back."""
    for name in cls.__rapyer_nested_fields__:
        info = cls.model_fields[name]
        if info.exclude is True or has_marker(info.metadata, Pickle):
            continue
        for model_cls in models_in_containers(info.annotation):
            special = [".".join(path) for path, _ in model_cls._class_special_fields()]
            if special:
                raise ModelDefinitionError(
                    f"{cls.__name__}.{name} holds {model_cls.__name__} in a list, tuple or "
                    f"dict, but {model_cls.__name__} has set or queue fields "
                    f"({', '.join(special)}): those are stored in keys of their own named "
                    "after the field's path and cannot be kept for models held in a "
                    "container; nest the model directly, or use list fields instead"
                )


def _pickle_unstorable_fields(cls: Any) -> None:
    changed = False
    for field in cls.model_fields.values():
        if has_marker(field.metadata, Pickle):
            continue
        try:
            TypeAdapter(field.annotation)
        except PydanticSchemaGenerationError:
            field.metadata.append(Pickle())
            changed = True
    if changed:
        cls.model_rebuild(force=True)
