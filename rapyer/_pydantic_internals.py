"""What rapyer needs of pydantic's internals, in one place: the model metaclass, the
post-init shortcut, and a fast read of private attributes."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from pydantic import BaseModel
from pydantic._internal._config import ConfigWrapper
from pydantic._internal._model_construction import ModelMetaclass
from pydantic_core import PydanticUndefined, SchemaValidator

from rapyer._codec import BULK_LOAD_CONTEXT

__all__ = [
    "ModelMetaclass",
    "install_fast_post_init",
    "is_fast_post_init",
    "list_validator",
    "refresh_fast_post_init",
    "set_private",
    "private",
    "shared_fields_set",
]

_IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str, bytes, tuple, frozenset)


def install_fast_post_init(cls: Any, base: type) -> None:
    """One post-init per instance instead of pydantic's wrapper per subclass level.

    pydantic wraps ``model_post_init`` once for every subclass that has private attributes,
    so a model three classes deep initialised its private attributes three times. When every
    private default is immutable, a copy of one precomputed dict does the same work. Nothing
    changes when a class of the hierarchy other than ``base`` has its own ``model_post_init``.
    """
    if _inherits_custom_post_init(cls, base):
        return
    defaults: dict[str, Any] = {}
    for name, attr in cls.__private_attributes__.items():
        default = attr.default
        if attr.default_factory is not None or default is PydanticUndefined:
            return
        if not isinstance(default, _IMMUTABLE_DEFAULTS):
            return
        defaults[name] = default
    type.__setattr__(cls, "__rapyer_private_defaults__", defaults)
    type.__setattr__(cls, "model_post_init", _post_init_for(cls, defaults))


def refresh_fast_post_init(cls: Any) -> None:
    """After the fields of ``cls`` changed (pydantic completed it late): its fast post-init
    (if it has one) follows what its fields now link."""
    if is_fast_post_init(cls) and "__rapyer_private_defaults__" in cls.__dict__:
        type.__setattr__(
            cls, "model_post_init", _post_init_for(cls, cls.__rapyer_private_defaults__)
        )


def _post_init_for(cls: Any, defaults: dict[str, Any]) -> Any:
    """``_fast_post_init``, or for a class that links nothing when a model is built (no eager or
    nested fields) one of its own that only copies the defaults, and nothing at all in the bulk
    loop (``BULK_LOAD_CONTEXT``), which sets them with the pk. Measured per loaded model: the
    general post-init's body 0.27 µs, this one's 0.15 µs, in the bulk loop 0.02 µs."""
    if cls.__rapyer_eager_fields__ or cls.__rapyer_nested_fields__:
        return _fast_post_init
    copy = defaults.copy

    def post_init(self: Any, context: Any, /) -> None:
        if context is BULK_LOAD_CONTEXT:
            return
        try:
            private = self.__pydantic_private__
        except AttributeError:  # never set (pydantic sets None before the post-init)
            private = None
        if private is None:
            set_private(self, copy())

    _FAST.add(post_init)
    return post_init


def _inherits_custom_post_init(cls: type, base: type) -> bool:
    """Whether a base class (other than rapyer's) defines its own ``model_post_init``: then
    pydantic's wrapper, which calls it, must stay."""
    for klass in cls.__mro__[1:]:
        if klass is base or klass is BaseModel or klass is object:
            continue
        own = klass.__dict__.get("model_post_init")
        if own is not None and own not in _FAST:
            return True
    return False


_object_setattr = object.__setattr__  # looked up once: this runs for every loaded model
# the slot's own setter: no lookup of the name through the class (0.07 µs per model)
set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _fast_post_init(self: Any, context: Any, /) -> None:
    if getattr(self, "__pydantic_private__", None) is None:
        _object_setattr(self, "__pydantic_private__", dict(self.__rapyer_private_defaults__))
    if self.__rapyer_eager_fields__ or self.__rapyer_nested_fields__:
        self._rapyer_link_eager()


# rapyer's post-inits: the general one and those of single classes (``_post_init_for``). A set,
# not a mark on the function: pydantic's wrapper of an inherited post-init copies the marks.
_FAST: weakref.WeakSet[Any] = weakref.WeakSet([_fast_post_init])


def is_fast_post_init(cls: Any) -> bool:
    """Whether instances of ``cls`` run only rapyer's one post-init (``install_fast_post_init``)."""
    return getattr(cls, "model_post_init", None) in _FAST


def private(model: Any, name: str) -> Any:
    """A private attribute, read without pydantic's ``__getattr__`` (slow for private names)."""
    private_ = model.__pydantic_private__
    if private_ is not None and name in private_:
        return private_[name]
    return getattr(model, name)


def shared_fields_set(cls: Any) -> set[str] | None:
    """One ``__pydantic_fields_set__`` for every loaded model of ``cls`` that has all its
    fields set (``None`` when ``cls`` cannot share one).

    Saves memory in bulk loads: pydantic gives each model its own set of the names, 728 bytes
    for five fields (more than the rest of a small model). Sharing is safe because pydantic only
    adds to the set the name of a field being assigned, which is already in a full set; the
    exception is an extra attribute (``extra="allow"``), whose classes share nothing. The set
    is rebuilt when the fields change (late completion of a class). Checked by
    ``tests/common/test_bulk_loads.py`` against models with their own set.
    """
    if cls.model_config.get("extra") == "allow":
        return None
    names = cls.__pydantic_fields__
    cached = cls.__dict__.get("__rapyer_fields_set__")
    if cached is None or cached[0] is not names:
        cached = (names, set(names))
        type.__setattr__(cls, "__rapyer_fields_set__", cached)
    shared: set[str] = cached[1]
    if len(shared) != len(names):  # someone changed it: stop sharing this one
        cached = (names, set(names))
        type.__setattr__(cls, "__rapyer_fields_set__", cached)
        shared = cached[1]
    return shared


_LIST_BUILD = threading.Lock()


def list_validator(cls: Any) -> SchemaValidator | None:
    """A validator of a JSON array of documents of ``cls`` that builds its models without
    calling their post-init (``None`` when ``cls`` has none, see ``_build_list_validator``).

    For the bulk loop of classes whose post-init does nothing there (``BULK_LOAD_CONTEXT``): one
    call for the whole batch, and no call of the post-init per model. Cached on the class and
    rebuilt when pydantic replaces the class's validator (a rebuild or a late completion).
    """
    validator = cls.__pydantic_validator__
    cached = cls.__dict__.get("__rapyer_list_validator__")
    if cached is not None and cached[0] is validator:
        built: SchemaValidator | None = cached[1]
        return built
    built = _build_list_validator(cls, validator)
    type.__setattr__(cls, "__rapyer_list_validator__", (validator, built))
    return built


def _build_list_validator(cls: Any, validator: Any) -> SchemaValidator | None:
    """The validator of ``list_validator``: the class's own model schema without its post-init,
    as the items of a list schema. ``None`` when the class's validator is not pydantic-core's
    own (a pydantic plugin wraps it), its schema is not one model schema (nested models), or
    its models are built by a custom ``__init__``.

    pydantic-core builds a model schema whose class is complete from the class's prebuilt
    validator (with its post-init), so the class reads as incomplete while this one is built.
    """
    config = ConfigWrapper(cls.model_config, check=False).core_config(title=cls.__name__)
    schema = cls.__dict__.get("__pydantic_core_schema__")
    owner = schema.get("cls") if isinstance(schema, dict) else None
    if (
        type(validator) is not SchemaValidator
        or not isinstance(schema, dict)
        or schema.get("type") != "model"
        or owner is not cls
        or schema.get("custom_init")
        or cls.__dict__.get("__pydantic_complete__") is not True
    ):
        return None
    items = {name: value for name, value in schema.items() if name != "post_init"}
    with _LIST_BUILD:
        type.__setattr__(cls, "__pydantic_complete__", False)
        try:
            return SchemaValidator({"type": "list", "items_schema": items}, config)
        finally:
            type.__setattr__(cls, "__pydantic_complete__", True)
