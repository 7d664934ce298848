# GENERATED from rapyer/_async/cascade.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The TTL cascade over references: a client-side walk, then the EXPIREs in one MULTI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer import cascade
from rapyer import config as _config
from rapyer._sync import executor
from rapyer._binding import Binding, binding_of

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel


def has_enabled_edges(cls: type[BaseRedisModel]) -> bool:
    """Whether a refresh of ``cls`` cascades (an edge with an enabled marker or default)."""
    default = _config.resolve(cls, "cascade_ttl")
    default = default if isinstance(default, cascade.CascadeTTL) else None
    return any(cascade.enabled_marker(e, default) is not None for e in cascade.edges_of(cls))


def run_cascade(model: BaseRedisModel) -> cascade.CascadeResult:
    """Extend the TTL of every model ``model`` reaches by enabled reference edges.

    Reads level by level (one transaction per binding and level); the EXPIREs (``GT``) go in
    one transaction per binding, queued into the active pipeline if there is one.
    """
    walk = cascade.Walk(model, _config.resolve)
    while walk.frontier:
        plans = walk.level_commands()
        groups: dict[Binding, list[Any]] = {}
        for plan in plans:
            if plan[1]:
                groups.setdefault(binding_of(plan[0].cls), []).append(plan)
        for binding, group in groups.items():
            commands = [command for plan in group for command in plan[1]]
            replies = executor.transaction(binding, commands)
            walk.take_replies(group, list(replies))
        walk.next_level()
    by_binding: dict[Binding, list[Any]] = {}
    for cls, commands in walk.expire_commands():
        by_binding.setdefault(binding_of(cls), []).extend(commands)
    for binding, commands in by_binding.items():
        executor.write(binding, commands)
    return walk.result
