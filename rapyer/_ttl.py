"""TTL rules (no I/O): which EXPIRE commands go with an operation, per the model's Meta now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rapyer import cascade
from rapyer import config as _config
from rapyer.actions import ActionGroup

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

Command = tuple[Any, ...]


def refreshes(cls: type[BaseRedisModel], groups: ActionGroup) -> bool:
    """Whether an operation of ``groups`` re-applies ``cls``'s TTL now."""
    if _config.resolve(cls, "ttl") is None:
        return False
    refresh = _config.resolve(cls, "refresh_ttl")
    if refresh is True:
        return True
    return isinstance(refresh, ActionGroup) and bool(refresh & groups)


def ttl_commands(
    cls: type[BaseRedisModel], keys: Sequence[str], groups: ActionGroup, creating: bool = False
) -> list[Command]:
    """The EXPIRE commands for ``keys`` (the model's key first, then its special keys) after
    an operation of ``groups``.

    A creating write always leaves a TTL when ``ttl`` is set: ``EXPIRE ... NX`` when the
    action does not refresh. A refresh of a class with enabled cascade edges notes the model
    for its TTL cascade (run once the commands were sent).
    """
    ttl = _config.resolve(cls, "ttl")
    if ttl is None:
        return []
    if refreshes(cls, groups):
        # fast path: a class whose refresh does not cascade costs a set lookup, no call
        if cls not in cascade.QUIET and cascade.cascades_on_refresh(cls):
            cascade.note_refresh(cls, keys[:1])
        return [("EXPIRE", key, ttl) for key in keys]
    if creating:
        return [("EXPIRE", key, ttl, "NX") for key in keys]
    return []


def refresh_ttl_for(cls: type[BaseRedisModel], groups: ActionGroup) -> int | None:
    """The TTL an operation of ``groups`` re-applies to ``cls``'s keys now, else ``None``."""
    if not refreshes(cls, groups):
        return None
    ttl: int | None = _config.resolve(cls, "ttl")
    return ttl


def creation_ttl(cls: type[BaseRedisModel], groups: ActionGroup) -> tuple[int | None, bool]:
    """``(ttl, nx)`` for a creating write of ``groups``: ``nx`` when it must not refresh."""
    ttl = _config.resolve(cls, "ttl")
    if ttl is None:
        return None, False
    return ttl, not refreshes(cls, groups)


def set_ttl_commands(keys: Iterable[str], ttl: int | None) -> list[Command]:
    """``EXPIRE`` each key to ``ttl``; ``PERSIST`` each when ``ttl`` is ``None``."""
    if ttl is None:
        return [("PERSIST", key) for key in keys]
    return [("EXPIRE", key, ttl) for key in keys]


def refresh_commands(cls: type[BaseRedisModel], keys: Iterable[str]) -> list[Command]:
    """An unconditional ``EXPIRE`` of ``keys`` to ``cls``'s TTL (nothing when it is ``None``)."""
    ttl = _config.resolve(cls, "ttl")
    if ttl is None:
        return []
    return [("EXPIRE", key, ttl) for key in keys]
