# GENERATED from rapyer/_async/lock.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Lease locks: the lock context manager, the model mixin and the module function.

The lock's state lives in ``rapyer._lock.ModelLock`` (shared, no I/O); this module adds the
I/O: acquire (``SET NX PX`` retried every ``lock_sleep`` until ``blocking_timeout``), load,
and on exit a token-checked save and release (Lua scripts in ``rapyer/_lua``).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import WatchError
from typing_extensions import Self

from rapyer import _changes, _commands, _groups, _slots, cascade
from rapyer import _io_sync as io
from rapyer._sync import executor
from rapyer._sync.model_ops import read_model
from rapyer._sync.scripts import run_script
from rapyer._binding import Binding
from rapyer._lock import (
    DEFAULT,
    ModelLock,
    document_save_args,
    lease_ms,
    merge_into,
    save_script_args,
)
from rapyer.errors import KeyNotFound, LockLostError, LockTimeoutError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel as _Base
    from rapyer.model import AtomicRedisModel
else:
    _Base = object

__all__ = ["SyncLockOps", "SyncModelLock", "lock_from_key"]

_log = logging.getLogger("rapyer")

M = TypeVar("M")

# Lua's ``unpack`` stops near 8000 values: a longer command cannot go through lock_save.lua.
LUA_MAX_COMMAND_ARGS = 7000


class SyncModelLock(ModelLock[M]):
    """A lease lock used as a context manager; entering it yields the locked model.

    On a normal exit it saves the model when ``save_at_end`` is set (only while the token is
    still held, atomically with the release), then releases; a lost token raises
    LockLostError. When the body raises, nothing is saved, the release is attempted and the
    body's exception propagates. Each instance is used by one task or thread at a time.
    """

    def __enter__(self) -> M:
        if self._held:
            raise RuntimeError(f"The lock {self.name!r} is already held by this ModelLock")
        self.model = None
        self.token = None
        _acquire(self)
        try:
            self.model = _load(self)
        except BaseException:
            self._held = False
            _release_quietly(self.binding, self.name, self.token)
            raise
        return self.model

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self._held:
            return
        self._held = False
        token = self.token
        if exc_type is not None:
            _release_quietly(self.binding, self.name, token)
            return
        if self.save_at_end and self.model is not None:
            if not _save_and_release(self):
                raise LockLostError(
                    f"The lock {self.name!r} was lost before the end of the block "
                    "(lease expired or taken over); nothing was saved",
                    key=self.key,
                    action=self.action,
                )
            return
        if not run_script(self.binding, "lock_release", [self.name], [token]):
            raise LockLostError(
                f"The lock {self.name!r} was lost before the end of the block "
                "(lease expired or taken over); the section was not exclusive",
                key=self.key,
                action=self.action,
            )

    def extend(self, seconds: float | None = None) -> None:
        """Renew the lease to ``seconds`` from now (the full lease by default).

        Raises LockLostError when the token is no longer held.
        """
        lease = self.lease if seconds is None else seconds
        if lease is not None and not lease > 0:
            raise ValueError(f"seconds must be positive, not {lease!r}")
        extended = self._held and run_script(
            self.binding, "lock_extend", [self.name], [self.token, lease_ms(lease)]
        )
        if not extended:
            raise LockLostError(
                f"The lock {self.name!r} is not held (lease expired or taken over)",
                key=self.key,
                action=self.action,
            )

    def owned(self) -> bool:
        """Whether the lock key still holds this acquisition's token."""
        if self.token is None:
            return False
        value = io.client(self.binding).execute_command("GET", self.name)
        return bool(value == self.token)


def _acquire(lock: SyncModelLock[Any]) -> None:
    """Take the lock with a fresh token, retrying until ``blocking_timeout`` passes."""
    client = io.client(lock.binding)
    token = str(uuid.uuid4())
    ms = lease_ms(lock.lease)
    command: tuple[Any, ...] = ("SET", lock.name, token, "NX")
    if ms:
        command = (*command, "PX", ms)
    timeout = lock.blocking_timeout
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            acquired = client.execute_command(*command)
        except BaseException:
            # The SET may have been applied before the failure or cancellation.
            _release_quietly(lock.binding, lock.name, token)
            raise
        if acquired:
            lock.token = token
            lock._held = True
            return
        pause = lock.sleep
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeoutError(
                    f"The lock {lock.name!r} was not acquired within {timeout} s"
                )
            pause = min(pause, remaining)
        io.sleep(pause)


def _load(lock: SyncModelLock[Any]) -> Any:
    """The model to yield: ``None`` when there is nothing to read or (global form) no key."""
    cls = lock._model_cls
    if cls is None:
        return None
    target = lock._target
    try:
        if target is not None and target.is_inner_model():
            fresh = target.load()  # type: ignore[attr-defined]
        else:
            fresh = read_model(cls, lock.key, _groups.READ_FETCH)
    except KeyNotFound:
        if lock._missing_ok:
            return None
        raise
    if target is not None:
        merge_into(target, fresh)
    return fresh


def _save_and_release(lock: SyncModelLock[Any]) -> bool:
    """Write the model's save commands and delete the lock, only while it holds the token.

    One Lua script does it; a command too long for Lua's argument limit switches to
    ``WATCH`` + ``GET`` + ``MULTI``/``EXEC`` on a dedicated connection instead.
    """
    # fast path (``_commands.plain_save_plan``): a root model of a plain class
    plan = _commands.plain_save_plan(lock.model) or _commands.save_plan(lock.model)  # type: ignore[arg-type]
    commands, text = plan
    roots = cascade.take_pending()  # the save's TTL cascade runs only if the save lands
    saved = _run_save_and_release(lock, commands)
    if saved and text is not None:
        _changes.saved(lock.model, text)  # type: ignore[arg-type]
    if saved and roots:
        executor.run_cascade(roots)
    return saved


def _run_save_and_release(lock: SyncModelLock[Any], commands: list[Any]) -> bool:
    document = document_save_args(lock.token, commands)
    if document is not None:  # fast path (``_lock.document_save_args``): fewer arguments
        keys = [lock.name, document[0]]
        return bool(run_script(lock.binding, "lock_save_document", keys, document[1]))
    if any(len(command) > LUA_MAX_COMMAND_ARGS for command in commands):
        return _save_and_release_watched(lock, commands)
    keys, args = save_script_args(lock.name, lock.token, commands)
    return bool(run_script(lock.binding, "lock_save", keys, args))


def _save_and_release_watched(lock: SyncModelLock[Any], commands: list[Any]) -> bool:
    """The token-checked save and release as an optimistic transaction on the lock key."""
    client = io.client(lock.binding)
    if lock.binding.is_cluster:  # one slot: a plain transaction on the node serving it
        _slots.one_slot([("WATCH", lock.name), *commands], "A save at the end of a lock")
        client = io.node_client(client, io.node_name_of_key(client, lock.name))
    with client.pipeline(transaction=True) as pipe:
        pipe.watch(lock.name)
        if pipe.get(lock.name) != lock.token:
            return False
        pipe.multi()
        for command in commands:
            pipe.execute_command(*command)
        pipe.execute_command("DEL", lock.name)
        try:
            pipe.execute()
        except WatchError:
            return False
    return True


def _release_quietly(binding: Binding, name: str, token: str | None) -> None:
    """Try the compare-and-delete release; log and swallow any error."""
    if token is None:
        return
    try:
        run_script(binding, "lock_release", [name], [token])
    except Exception:
        _log.warning("Could not release the lock %r; its lease will free it", name, exc_info=True)


class SyncLockOps(_Base):
    """Lease locks on a model (mixed into ``AtomicRedisModel``)."""

    def lock(
        self,
        action: str = "default",
        save_at_end: bool = False,
        *,
        lease: float | None = DEFAULT,
        blocking_timeout: float | None = DEFAULT,
    ) -> SyncModelLock[Self]:
        """Lock this model's (root) key for ``action``.

        Entering loads the stored model, copies its field values into this instance and
        yields the fresh instance. ``lease`` and ``blocking_timeout`` default to the Meta
        options ``lock_lease`` and ``lock_blocking_timeout`` at call time. A missing key
        raises KeyNotFound (the lock is released).
        """
        lock: SyncModelLock[Self] = SyncModelLock.for_instance(
            self, action, save_at_end, lease, blocking_timeout
        )
        return lock

    @classmethod
    def lock_from_key(
        cls,
        key: str,
        action: str = "default",
        save_at_end: bool = False,
        *,
        lease: float | None = DEFAULT,
        blocking_timeout: float | None = DEFAULT,
    ) -> SyncModelLock[Self]:
        """Lock ``key`` (a full key or a bare pk) for ``action`` and yield its stored model.

        A missing key raises KeyNotFound (the lock is released).
        """
        lock: SyncModelLock[Self] = SyncModelLock.for_class(
            cls, key, action, save_at_end, lease, blocking_timeout
        )
        return lock


def lock_from_key(
    key: str,
    action: str = "default",
    save_at_end: bool = False,
    *,
    lease: float | None = DEFAULT,
    blocking_timeout: float | None = DEFAULT,
) -> SyncModelLock[AtomicRedisModel | None]:
    """Lock a full key of any registered class for ``action`` and yield its stored model.

    Yields ``None`` for a missing key, a malformed key or an unknown prefix (the last two are
    locked on the default binding). With ``save_at_end`` a yielded model is saved at a
    normal exit while the lock is still held.
    """
    lock: SyncModelLock[AtomicRedisModel | None] = SyncModelLock.for_any_key(
        key, action, save_at_end, lease, blocking_timeout
    )
    return lock
