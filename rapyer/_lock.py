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

from rapyer import _changes, _commands, _keys, _layout, _registry
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
        if config_cls is None:
            defaults = _defaults_without_class()
        else:
            defaults = class_lock_defaults(config_cls)
        if lease is DEFAULT:
            lease = defaults[0]
        if blocking_timeout is DEFAULT:
            blocking_timeout = defaults[1]
        sleep = defaults[2]
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
        full_key = plain_lock_target(model_cls, key) or _layout.full_key(model_cls, key)
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


# ---- fast path: a lock's options and key from its class ----------------------------------------
# Per class: (config generation, (lock_lease, lock_blocking_timeout, lock_sleep, ``prefix:`` of
# the plain layout or None)), resolved once per generation as ``_layout.tagged`` caches its
# answer. Saves, per lock of a class, the three option lookups (``option`` and
# ``_config.resolve`` each) and, for the usual key of a plain class, the layout lookups and
# key checks of ``_layout.full_key``: about 15 Python calls of ~850 per lock cycle (cProfile of
# ``benchmarks/run.py --profile --only lock_cycle``). Checked against the general path by
# ``tests/common/test_lock_fast_paths.py`` (hypothesis).
_class_defaults: dict[type, tuple[int, tuple[Any, Any, Any, str | None]]] = {}


def class_lock_defaults(cls: type[BaseRedisModel]) -> tuple[Any, Any, Any, str | None]:
    """``(lock_lease, lock_blocking_timeout, lock_sleep, head)`` of ``cls`` now: what
    ``option`` gives for each, and ``prefix:`` when ``cls`` keeps the plain key layout."""
    generation = _config.generation()
    cached = _class_defaults.get(cls)
    if cached is not None and cached[0] == generation:
        return cached[1]
    head = None if _layout.tagged(cls) else cls.class_key_initials() + _keys.SEPARATOR
    value = (
        _config.resolve(cls, "lock_lease"),
        _config.resolve(cls, "lock_blocking_timeout"),
        _config.resolve(cls, "lock_sleep"),
        head,
    )
    if generation == _config.generation():  # nothing changed meanwhile (other threads)
        _class_defaults[cls] = (generation, value)
    return value


def _defaults_without_class() -> tuple[Any, Any, Any, str | None]:
    return (
        _config.init_default("lock_lease"),
        _config.init_default("lock_blocking_timeout"),
        _config.init_default("lock_sleep"),
        None,
    )


def plain_lock_target(cls: type[BaseRedisModel], key_or_pk: Any) -> str | None:
    """``_layout.full_key(cls, key_or_pk)`` for a ``str`` key or pk of a class of the plain
    layout that needs no check beyond the lock-suffix one; ``None`` for anything else (the
    general path decides, and raises for what it refuses)."""
    head = class_lock_defaults(cls)[3]
    if head is None or type(key_or_pk) is not str or key_or_pk[:1] == _keys.TAG_OPEN:
        return None
    full = key_or_pk if key_or_pk.startswith(head) else head + key_or_pk
    return None if full.endswith(_keys.LOCK_SUFFIX) else full


def save_script_args(name: str, token: Any, commands: list[Any]) -> tuple[list[str], list[Any]]:
    """``(KEYS, ARGV)`` of ``lock_save.lua`` doing ``commands`` while the lock ``name`` holds
    ``token``: the lock and every written key; the token, then each command as its argument
    count and its arguments."""
    keys = [name]
    args: list[Any] = [token]
    for command in commands:
        if len(command) > 1 and command[1] not in keys:
            keys.append(command[1])
        args.append(len(command))
        args.extend(command)
    return keys, args


# ---- fast path: the token-checked save of a document -----------------------------------------
# ``lock_save.lua`` takes each command as its argument count and its arguments; a save of the
# usual model is the document commands of ``_changes.root_save`` alone, which
# ``lock_save_document.lua`` takes as the document text plus, after ``NX``, the changed
# (path, value) pairs. Saves, per save at the end of a lock, 4 + 3 per changed field
# arguments that redis-py encodes one by one (about 6 Python calls each) and the loop building
# them. Checked against ``lock_save.lua`` on a server by
# ``tests/_async/test_lock_fast_paths.py`` (hypothesis).


def document_save_args(token: Any, commands: list[Any]) -> tuple[str, list[Any]] | None:
    """``(key, ARGV)`` of ``lock_save_document.lua`` doing ``commands`` after the token
    check: the document commands of ``_commands.document_args``; ``None`` for any other
    commands (``lock_save.lua``)."""
    document = _commands.document_args(commands)
    if document is None:
        return None
    return document[0], [token, *document[1]]


def merge_into(target: BaseRedisModel, fresh: BaseRedisModel) -> None:
    """Copy ``fresh``'s field values into ``target`` (later edits of either stay apart)."""
    copy = fresh.model_copy(deep=True)
    target.__dict__.update(copy.__dict__)
    target._rapyer_link_fields()  # field values and nested models now belong to target
    target._rapyer_failed = set(fresh.failed_fields)
    _changes.adopt(target, fresh)
