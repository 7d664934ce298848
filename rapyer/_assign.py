"""Attribute assignment inside a pipeline (no I/O).

Outside a pipeline an assignment is local only. Inside one, ``m.f = v`` (also on nested
models, ``m.inner.f = v``) queues ``JSON.SET key $.path v`` plus the UPDATE TTL refresh
into the current frame, also for ``None``. rapyer's own code that assigns locally and then
writes by itself (``update``) wraps the assignment in ``_pipeline_state.local_assignments()`` so that each
SET is queued once.

Note for field types whose in-place operators queue an atomic command themselves
(``m.count += 1`` runs ``__iadd__`` and then assigns the result): that assignment must not
queue a ``JSON.SET`` as well; such a type can mark its result with the attribute
``_rapyer_queued_inplace = True`` and ``queue_assignment`` skips it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rapyer import _commands, _pipeline_state
from rapyer._binding import binding_of
from rapyer._commands import has_ttl
from rapyer._ttl import ttl_commands
from rapyer.actions import ActionGroup

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel


def queue_assignment(model: BaseRedisModel, name: str, value: Any = None) -> None:
    """Queue the write of field ``name`` of ``model`` when a pipeline is open."""
    frame = _pipeline_state.current()
    if frame is None or _pipeline_state.local_only() or name not in type(model).model_fields:
        return
    stored = model.__dict__.get(name)
    if getattr(value, "_rapyer_queued_inplace", False) or getattr(
        stored, "_rapyer_queued_inplace", False
    ):
        return
    if type(model).model_fields[name].exclude is True:
        return  # never stored
    root = model.root_model()
    if name in model.__rapyer_special_fields__:
        # A set field lives in its own key: DEL + SADD of the new members (a queue: nothing).
        commands = model._special_field_commands(name)
        if commands:
            ttl = (
                ttl_commands(type(root), root.all_keys, ActionGroup.UPDATE)
                if has_ttl(type(root))
                else []
            )
            frame.queue(binding_of(type(root)), [*commands, *ttl])
        return
    frame.queue(binding_of(type(root)), _commands.update_fields(model, [name]))
