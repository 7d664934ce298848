# GENERATED from rapyer/_async/cascade.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The TTL cascade over references: a client-side walk, then the EXPIREs in one MULTI.

The sending functions are passed in: the executor runs the cascades that the refreshes it
sent noted, so this module cannot import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rapyer import cascade
from rapyer._binding import Binding, binding_of

Transaction = Callable[..., Any]  # (binding, commands) -> the replies


def run_walk(
    walk: cascade.Walk, transaction: Transaction, write: Transaction
) -> cascade.CascadeResult:
    """Extend the TTL of every model the walk's roots reach by enabled reference edges.

    Reads level by level (one transaction per binding and level); the EXPIREs (``GT``) go in
    one transaction per binding, queued into the active pipeline if there is one.
    """
    while walk.frontier:
        plans = walk.level_commands()
        groups: dict[Binding, list[Any]] = {}
        for plan in plans:
            if plan[1]:
                groups.setdefault(binding_of(plan[0].cls), []).append(plan)
        for binding, group in groups.items():
            commands = [command for plan in group for command in plan[1]]
            replies = transaction(binding, commands)
            walk.take_replies(group, list(replies))
        walk.next_level()
    by_binding: dict[Binding, list[Any]] = {}
    for cls, commands in walk.expire_commands():
        by_binding.setdefault(binding_of(cls), []).extend(commands)
    for binding, commands in by_binding.items():
        write(binding, commands)
    return walk.result
