"""TTL rules (no I/O): which EXPIRE commands go with an operation, per the model's Meta now."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rapyer import config as _config
from rapyer.actions import ActionGroup

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

Command = tuple[Any, ...]


def refreshes(cls: type[BaseRedisModel], groups: ActionGroup) -> bool:
    """Whether an operation of ``groups`` re-applies ``cls``'s TTL now."""
    if _config.resolve(cls, "ttl") is None:  # type: ignore[arg-type]
        return False
    refresh = _config.resolve(cls, "refresh_ttl")  # type: ignore[arg-type]
    if refresh is True:
        return True
    return isinstance(refresh, ActionGroup) and bool(refresh & groups)


def ttl_commands(
    cls: type[BaseRedisModel], keys: Iterable[str], groups: ActionGroup, creating: bool = False
) -> list[Command]:
    """The EXPIRE commands for ``keys`` after an operation of ``groups``.

    A creating write always leaves a TTL when ``ttl`` is set: ``EXPIRE ... NX`` when the
    action does not refresh.
    """
    ttl = _config.resolve(cls, "ttl")  # type: ignore[arg-type]
    if ttl is None:
        return []
    if refreshes(cls, groups):
        return [("EXPIRE", key, ttl) for key in keys]
    if creating:
        return [("EXPIRE", key, ttl, "NX") for key in keys]
    return []
