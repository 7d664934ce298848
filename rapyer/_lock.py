"""``ModelLock``: the state of a lease lock shared by both APIs (no I/O).

Every lock call returns a ``ModelLock``: ``model.alock()``, ``Model.alock_from_key()`` and
``rapyer.alock_from_key()`` return an ``AsyncModelLock`` (``rapyer._async.lock``, an async
context manager); ``model.lock()``, ``Model.lock_from_key()`` and ``rapyer.lock_from_key()``
return its generated twin ``SyncModelLock`` (``rapyer._sync.lock``, a plain context manager).
Both subclass ``ModelLock``, so ``isinstance(cm, rapyer.ModelLock)`` holds for either; the
subclasses only add the I/O (enter/exit, ``extend``, ``owned``).

A lock is a Redis string ``{model key}/{action}:lock`` holding a fresh uuid4 token per
acquisition, set with ``SET NX PX lease_ms`` (no ``PX`` for ``lease=None``). Release, extend
and ``save_at_end`` are Lua scripts that act only while the key still holds the token.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rapyer import _changes, _keys, _layout, _registry
from rapyer import config as _config
from rapyer._binding import Binding, binding_of, default_binding
from rapyer.errors import InvalidKeyError, RapyerModelDoesntExistError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = ["DEFAULT", "ModelLock"]

M = TypeVar("M")


class _Default:
    """The marker of an argument whose value comes from the model's Meta at call time."""

    _instance: _Default | None = None

    def __new__(cls) -> _Default:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()


def option(cls: type[BaseRedisModel] | None, name: str, given: Any) -> Any:
    """``given``, or the Meta option ``name`` of ``cls`` now (the defaults without a class)."""
    if given is not DEFAULT:
        return given
    if cls is None:
        return _config.init_default(name)
    return _config.resolve(cls, name)


def lease_ms(seconds: float | None) -> int:
    """A lease in whole milliseconds (at least 1); ``0`` for no lease."""
    if seconds is None:
        return 0
    return max(1, math.ceil(seconds * 1000))


class ModelLock(Generic[M]):
    """A lease lock on one model key and action, yielding the locked model on enter.

    Members: ``name`` (the lock key), ``token`` (this acquisition's token, ``None`` before the
    first acquisition), ``lease`` (seconds, ``None`` for no expiry), ``blocking_timeout``,
    ``model`` (the yielded model once entered), ``key``, ``action`` and ``save_at_end``.
    ``extend(seconds=None)`` renews the lease (the full lease by default) and ``owned()``
    tells whether the token is still held, each with an async form on the async lock.
    """

    def __init__(
        self,
        *,
        binding: Binding,
        key: str,
        action: str,
        save_at_end: bool,
        config_cls: type[BaseRedisModel] | None,
        lease: float | None = DEFAULT,
        blocking_timeout: float | None = DEFAULT,
        model_cls: type[BaseRedisModel] | None = None,
        target: BaseRedisModel | None = None,
        missing_ok: bool = False,
    ) -> None:
        lease = option(config_cls, "lock_lease", lease)
        blocking_timeout = option(config_cls, "lock_blocking_timeout", blocking_timeout)
        sleep = option(config_cls, "lock_sleep", DEFAULT)
        if lease is not None and not lease > 0:
            raise ValueError(f"lease must be positive or None, not {lease!r}")
        if blocking_timeout is not None and not blocking_timeout >= 0:
            raise ValueError(f"blocking_timeout must be >= 0 or None, not {blocking_timeout!r}")
        self.binding = binding
        self.key = key
        self.action = action
        self.name = _keys.lock_key(key, action)
        self.save_at_end = save_at_end
        self.lease: float | None = lease
        self.blocking_timeout: float | None = blocking_timeout
        self.sleep: float = max(0.0, float(sleep))
        self.token: str | None = None
        self.model: M | None = None
        # How the model is loaded once the lock is held:
        self._model_cls = model_cls  # the class to read ``key`` as (None: nothing to read)
        self._target = target  # the instance that receives the fresh values (instance form)
        self._missing_ok = missing_ok  # a missing key yields None instead of KeyNotFound
        self._held = False

    def __repr__(self) -> str:
        state = "held" if self._held else "not held"
        return f"<{type(self).__name__} {self.name!r} lease={self.lease!r} {state}>"

    @classmethod
    def for_instance(
        cls,
        model: BaseRedisModel,
        action: str,
        save_at_end: bool,
        lease: float | None,
        blocking_timeout: float | None,
    ) -> Any:
        """The lock of ``model``'s root key; the fresh values are copied into ``model``."""
        root_cls = type(model.root_model())
        return cls(
            binding=binding_of(root_cls),
            key=model.key,
            action=action,
            save_at_end=save_at_end,
            config_cls=root_cls,
            lease=lease,
            blocking_timeout=blocking_timeout,
            model_cls=type(model),
            target=model,
        )

    @classmethod
    def for_class(
        cls,
        model_cls: type[BaseRedisModel],
        key: str,
        action: str,
        save_at_end: bool,
        lease: float | None,
        blocking_timeout: float | None,
        missing_ok: bool = False,
    ) -> Any:
        """The lock of ``key`` (a full key or a bare pk) as a ``model_cls``."""
        full_key = _layout.full_key(model_cls, key)
        return cls(
            binding=binding_of(model_cls),
            key=full_key,
            action=action,
            save_at_end=save_at_end,
            config_cls=model_cls,
            lease=lease,
            blocking_timeout=blocking_timeout,
            model_cls=model_cls,
            missing_ok=missing_ok,
        )

    @classmethod
    def for_any_key(
        cls,
        key: str,
        action: str,
        save_at_end: bool,
        lease: float | None,
        blocking_timeout: float | None,
    ) -> Any:
        """The lock of a full key of any registered class; unknown or malformed keys are
        locked on the default binding and yield ``None``. A key that is not a string raises
        InvalidKeyError at once."""
        if not isinstance(key, str):
            raise InvalidKeyError(
                f"A rapyer key must be a string, not {type(key).__name__}", repr(key)
            )
        try:
            model_cls = _registry.class_for_key(key)
        except RapyerModelDoesntExistError:  # InvalidKeyError included
            return cls(
                binding=default_binding(),
                key=str(key),
                action=action,
                save_at_end=save_at_end,
                config_cls=None,
                lease=lease,
                blocking_timeout=blocking_timeout,
            )
        return cls.for_class(
            model_cls, key, action, save_at_end, lease, blocking_timeout, missing_ok=True
        )


def merge_into(target: BaseRedisModel, fresh: BaseRedisModel) -> None:
    """Copy ``fresh``'s field values into ``target`` (later edits of either stay apart)."""
    copy = fresh.model_copy(deep=True)
    target.__dict__.update(copy.__dict__)
    target._rapyer_link_fields()  # field values and nested models now belong to target
    target._rapyer_failed = set(fresh.failed_fields)
    _changes.adopt(target, fresh)
