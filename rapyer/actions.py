"""Action groups: which operations re-apply a model's TTL (see the TTL guide).

A leaf module: the TTL refresh that ``mark_actions`` runs after a tagged call is registered by
the composition layer (``rapyer.model`` calls ``register_refresh``), never imported here.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["ActionGroup", "TargetSource", "mark_actions"]

F = TypeVar("F", bound=Callable[..., Any])

ACTION_GROUPS_ATTR = "__rapyer_action_groups__"


class ActionGroup(enum.Flag):
    """Kinds of operations, combined with ``|`` in ``Meta.refresh_ttl``."""

    READ = enum.auto()
    FETCH = enum.auto()
    CREATE = enum.auto()
    UPDATE = enum.auto()
    APPEND = enum.auto()
    DELETE = enum.auto()
    ERASE = enum.auto()
    ARITHMETIC = enum.auto()

    @classmethod
    def all(cls, for_ttl: bool = False) -> ActionGroup:
        """Every group; with ``for_ttl=True`` every group except ``DELETE``."""
        result = cls(0)
        for member in cls:
            if not (for_ttl and member is cls.DELETE):
                result |= member
        return result


class TargetSource(enum.Enum):
    """Which model a marked method refreshes: the instance it is called on (its root)."""

    SELF = "self"


# True while a marked method runs in this task or thread: inner marked calls do not refresh.
_in_marked: ContextVar[bool] = ContextVar("rapyer_in_marked_action", default=False)


# The TTL refresh of each API, registered by rapyer.model: (async refresh, blocking refresh).
_refresh: list[Callable[[Any, ActionGroup], Any]] = []


def register_refresh(
    async_refresh: Callable[[Any, ActionGroup], Any],
    sync_refresh: Callable[[Any, ActionGroup], Any],
) -> None:
    """Called once by the composition layer: what a tagged call runs on return."""
    _refresh[:] = [async_refresh, sync_refresh]


def _target(obj: Any, target: TargetSource) -> Any:
    root_model = getattr(obj, "root_model", None)
    return root_model() if callable(root_model) else None


def mark_actions(
    *groups: ActionGroup,
    target: TargetSource = TargetSource.SELF,
    ignore_refresh: bool = False,
    version: Any = None,
) -> Callable[[F], F]:
    """Tag a model method with action groups for TTL refresh.

    When the outermost tagged call returns normally, the model's keys get ``EXPIRE`` to its
    ``Meta.ttl`` if ``refresh_ttl`` covers one of ``groups`` (queued inside a pipeline).
    Tagged calls made inside it do not refresh again. ``ignore_refresh=True`` only tags.
    Works for async methods and for blocking ones. ``version`` is accepted and ignored.
    """
    combined = ActionGroup(0)
    for group in groups:
        combined |= group

    def decorator(method: F) -> F:
        if inspect.iscoroutinefunction(method):

            @functools.wraps(method)
            async def async_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                if _in_marked.get():
                    return await method(self, *args, **kwargs)
                token = _in_marked.set(True)
                try:
                    result = await method(self, *args, **kwargs)
                finally:
                    _in_marked.reset(token)
                model = _target(self, target)
                if not ignore_refresh and model is not None:
                    await _refresh[0](model, combined)
                return result

            wrapper: Any = async_wrapper
        else:

            @functools.wraps(method)
            def sync_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                if _in_marked.get():
                    return method(self, *args, **kwargs)
                token = _in_marked.set(True)
                try:
                    result = method(self, *args, **kwargs)
                finally:
                    _in_marked.reset(token)
                model = _target(self, target)
                if not ignore_refresh and model is not None:
                    _refresh[1](model, combined)
                return result

            wrapper = sync_wrapper
        setattr(wrapper, ACTION_GROUPS_ATTR, combined)
        return wrapper  # type: ignore[no-any-return]

    return decorator
