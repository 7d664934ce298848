"""Model configuration (``Meta``), resolved at call time.

Each option is looked up when an operation runs: the nearest class in the MRO whose ``Meta``
set it explicitly, then the defaults given to ``init_rapyer``, then the built-in default.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, field_validator

from rapyer.actions import ActionGroup
from rapyer.errors import InvalidRefreshTtlError, ModelDefinitionError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = ["RedisConfig"]

logger = logging.getLogger("rapyer")

# Options that only apply to the class whose Meta names them.
NOT_INHERITED = frozenset({"key_prefix", "init_with_rapyer"})
# Options accepted for compatibility and ignored.
IGNORED = frozenset({"prefer_normal_json_dump", "is_fake_redis", "cascade_function_name"})


class RedisConfig(BaseModel):
    """Options of one model class. Use ``Meta = RedisConfig(...)`` or a nested ``class Meta:``."""

    model_config = ConfigDict(
        arbitrary_types_allowed=True, validate_assignment=True, extra="forbid"
    )

    redis: Any = None
    ttl: int | None = None
    refresh_ttl: bool | ActionGroup = True
    key_prefix: str | None = None
    lock_lease: float | None = 60.0
    lock_blocking_timeout: float | None = None
    lock_sleep: float = 0.1
    max_delete_per_transaction: int | None = 1000
    cluster_keys: bool | None = None
    batch_size: int = 1000
    gc_pause_min_batch: int | None = None
    safe_load_all: bool = False
    allow_pickle: bool = False
    cascade_ttl: Any = None
    init_with_rapyer: bool = True
    redis_type: dict[Any, Any] | None = None
    prefer_normal_json_dump: bool | None = None
    is_fake_redis: bool | None = None
    cascade_function_name: str | None = None

    def __init__(self, **data: Any) -> None:
        _check_refresh_ttl(data.get("refresh_ttl"))
        super().__init__(**data)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "refresh_ttl":
            _check_refresh_ttl(value)
        watched = isinstance(self.__pydantic_fields_set__, _WatchedSet)
        super().__setattr__(name, value)
        if watched:
            watch(self)  # in case pydantic replaced the set
        invalidate_cache()

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        invalidate_cache()

    @field_validator("batch_size")
    @classmethod
    def _positive_batch(cls, value: int) -> int:
        if value < 1:
            raise ValueError("batch_size must be at least 1")
        return value

    @field_validator("gc_pause_min_batch")
    @classmethod
    def _positive_pause(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("gc_pause_min_batch must be at least 1 (None: never pause)")
        return value


def _check_refresh_ttl(value: Any) -> None:
    if isinstance(value, ActionGroup) and ActionGroup.DELETE in value:
        raise InvalidRefreshTtlError("refresh_ttl cannot contain ActionGroup.DELETE")


OPTION_NAMES = frozenset(RedisConfig.model_fields)

# Defaults set by init_rapyer (only the names it was given).
_init_defaults: dict[str, Any] = {}


def set_init_defaults(values: dict[str, Any]) -> None:
    """Replace the ``init_rapyer`` defaults for the names given."""
    unknown = set(values) - OPTION_NAMES
    if unknown:
        raise TypeError(f"Unknown rapyer config option(s): {', '.join(sorted(unknown))}")
    RedisConfig(**values)  # the checks of a Meta (pydantic's ValidationError, as there)
    _init_defaults.update(values)
    invalidate_cache()


def reset_init_defaults() -> None:
    """Forget every ``init_rapyer`` default (used by test fixtures)."""
    _init_defaults.clear()
    invalidate_cache()


def init_default(name: str) -> Any:
    """The ``init_rapyer`` default for ``name``, else the built-in default."""
    if name in _init_defaults:
        return _init_defaults[name]
    return RedisConfig.model_fields[name].default


def meta_from_namespace(value: Any, class_name: str) -> RedisConfig:
    """Turn a class body's ``Meta`` (a RedisConfig or a nested class) into a RedisConfig."""
    if value is None:
        return RedisConfig()
    if isinstance(value, RedisConfig):
        return value.model_copy(update={}, deep=False)
    if isinstance(value, type):
        options = {k: v for k, v in vars(value).items() if not k.startswith("__")}
        unknown = set(options) - OPTION_NAMES
        if unknown:
            raise ModelDefinitionError(
                f"{class_name}.Meta has unknown option(s): {', '.join(sorted(unknown))}"
            )
        return RedisConfig(**options)
    raise ModelDefinitionError(f"{class_name}.Meta must be a RedisConfig or a class")


def warn_ignored(meta: RedisConfig, class_name: str) -> None:
    for name in IGNORED & meta.model_fields_set:
        warnings.warn(
            f"{class_name}.Meta.{name} is accepted for compatibility and ignored",
            DeprecationWarning,
            stacklevel=4,
        )


class _WatchedSet(set):  # type: ignore[type-arg]
    """The fields-set of a class's Meta: changing it in place (``Meta.model_fields_set.discard``
    unsets an option) invalidates the resolved values like an assignment does."""

    __slots__ = ()


def _invalidating(method: Any) -> Any:
    def wrapper(self: _WatchedSet, *args: Any) -> Any:
        result = method(self, *args)
        invalidate_cache()
        return result

    wrapper.__name__ = method.__name__
    return wrapper


for _name in (
    "add",
    "discard",
    "remove",
    "pop",
    "clear",
    "update",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "__ior__",
    "__iand__",
    "__isub__",
    "__ixor__",
):
    setattr(_WatchedSet, _name, _invalidating(getattr(set, _name)))


def watch(meta: RedisConfig) -> None:
    """Make in-place changes of ``meta``'s fields-set invalidate the resolved values."""
    fields_set = meta.__pydantic_fields_set__
    if not isinstance(fields_set, _WatchedSet):
        object.__setattr__(meta, "__pydantic_fields_set__", _WatchedSet(fields_set))


# Resolved values by (class, option). Cleared whenever a Meta changes (assignment of an option
# or of a class's Meta), a model class is created, or the init_rapyer defaults change.
_cache: dict[tuple[type, str], Any] = {}
_generation = 0


_listeners: list[Callable[[], None]] = []


def on_invalidate(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever resolved values may have changed (for derived caches of
    higher layers, such as the classes whose refresh does not cascade)."""
    _listeners.append(listener)


def invalidate_cache() -> None:
    """Forget every resolved value (called on each change that can affect resolution)."""
    global _generation
    _generation += 1
    _cache.clear()
    for listener in _listeners:
        listener()


def generation() -> int:
    """A number that changes whenever resolved values may have changed (for derived caches)."""
    return _generation


def resolve(cls: type[BaseRedisModel], name: str) -> Any:
    """The value of option ``name`` for ``cls`` now."""
    try:
        return _cache[(cls, name)]
    except KeyError:
        pass
    seen = _generation
    value = _resolve_uncached(cls, name)
    if seen == _generation:  # no change happened meanwhile (other threads)
        _cache[(cls, name)] = value
    return value


def _resolve_uncached(cls: type[BaseRedisModel], name: str) -> Any:
    if name in NOT_INHERITED:
        meta = cls.__dict__.get("Meta")
        if isinstance(meta, RedisConfig) and name in meta.model_fields_set:
            return getattr(meta, name)
        return RedisConfig.model_fields[name].default
    for klass in cls.__mro__:
        meta = klass.__dict__.get("Meta")
        if isinstance(meta, RedisConfig) and name in meta.model_fields_set:
            value = getattr(meta, name)
            if value is None and name in UNSET_WHEN_NONE:
                continue  # an explicit None (say, restored by a fixture) means "not set"
            return value
    return init_default(name)


# Options whose explicit ``None`` means "not set here" (the next class or the default decides).
UNSET_WHEN_NONE = frozenset({"redis"})


def resolved_config(cls: type[BaseRedisModel]) -> RedisConfig:
    """A RedisConfig with every option of ``cls`` resolved now."""
    return RedisConfig.model_construct(**{name: resolve(cls, name) for name in OPTION_NAMES})
