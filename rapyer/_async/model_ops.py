"""Model lifecycle: save, get, load, update, delete, exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import ResponseError
from typing_extensions import Self

from rapyer import _changes, _codec, _commands, _groups, _model, _pipeline_state
from rapyer._async import executor
from rapyer._async.scripts import run_script
from rapyer._binding import binding_of
from rapyer._keys import SEPARATOR
from rapyer.actions import ActionGroup
from rapyer.errors import (
    BadDeleteActionError,
    KeyNotFound,
    UnknownFieldError,
    UpdateAtomicModelError,
)

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._model import BaseRedisModel as _Base
else:
    _Base = object

M = TypeVar("M", bound="BaseRedisModel")


async def read_model(cls: type[M], full_key: str, groups: ActionGroup) -> M:
    """Read the document at ``full_key`` as a ``cls`` (special fields and TTL refresh too)."""
    binding = binding_of(cls)
    if not binding.is_cluster and _commands.plain_read_head(cls) is not None:
        # fast path (``_commands.plain_read_head``): the read is one JSON.GET, sent as
        # ``executor.transaction`` sends a single command, without building the command list
        try:
            raw = await executor.execute(binding, "JSON.GET", full_key, ".")
        except ResponseError as exc:
            raise _codec.wrong_type_error(exc, full_key) from exc
        return _codec.model_from_replies(cls, full_key, [raw])
    commands = _commands.read_document(cls, full_key, groups)
    read = None if binding.is_cluster else _commands.document_read_args(commands)
    try:
        if read is not None:  # fast path: the read and its TTL refresh as one script
            replies = [await run_script(binding, "read_document", [read[0]], [read[1]])]
        else:
            replies = await executor.transaction(binding, commands)
    except ResponseError as exc:
        raise _codec.wrong_type_error(exc, full_key) from exc
    return _codec.model_from_replies(cls, full_key, replies)


async def _write(binding: Any, commands: list[Any], model: BaseRedisModel) -> list[Any] | None:
    """``executor.write`` with refused writes as specific errors (missing document, key of
    another Redis type)."""
    try:
        return await executor.write(binding, commands)
    except ResponseError as exc:
        raise _codec.write_error(exc, model.root_model().key) from exc


async def _save_by_script(model: BaseRedisModel, commands: list[Any]) -> bool:
    """Send a save of several commands as ``save_document.lua`` (the fast path of
    ``_commands.document_script_args``) when it can go so: outside a pipeline, on one server.
    Whether it was sent."""
    binding = binding_of(type(model))
    if binding.is_cluster or _pipeline_state.current() is not None:
        return False
    document = _commands.document_script_args(commands)
    if document is None:
        return False
    key, args = document
    try:
        await run_script(binding, "save_document", [key], args)
    except ResponseError as exc:
        raise _codec.write_error(exc, key) from exc
    return True


class AsyncModelOps(_Base):
    """Lifecycle operations of a model (mixed into ``AtomicRedisModel``)."""

    async def asave(self) -> Self:
        """Store the model (a nested model writes only its own path). Queued in a pipeline."""
        text: str | None
        root_cls: type[BaseRedisModel]
        plain = _commands.plain_save_plan(self)
        if plain is not None:  # fast path: a root model of a plain class
            commands, text = plain
            root_cls = type(self)
            if len(commands) > 1 and await _save_by_script(self, commands):
                _changes.saved(self, text)
                return self
        else:
            commands, text = _commands.save_plan(self)
            root_cls = type(self.root_model())
        replies = await _write(binding_of(root_cls), commands, self)
        if replies is not None and text is not None:
            _changes.saved(self, text)
        return self

    @classmethod
    async def aget(cls, key: str) -> Self:
        """The stored model at ``key`` (a full key or a bare pk).

        Raises KeyNotFound when missing, CorruptedModelError when invalid.
        """
        # fast path (``_commands.plain_get``): the usual key of the usual class on one server
        # is the one JSON.GET of ``read_model``'s fast path, sent here with the key and binding
        # of one lookup per class. The module function's get comes through here. The pk is the
        # text after the class's ``prefix:`` (a prefix holds no ":"), which is what
        # ``_keys.pk_of`` gives.
        plain = _commands.plain_get(cls, key)
        if plain is None:
            return await read_model(cls, _commands.full_keys(cls, key), _groups.READ_FETCH)
        full_key, binding = plain
        try:
            raw = await executor.execute(binding, "JSON.GET", full_key, ".")
        except ResponseError as exc:  # a key of another Redis type ...
            raise _codec.wrong_type_error(exc, full_key) from exc
        if raw is None:
            raise KeyNotFound(f"{full_key} is missing in redis")
        return _codec.load_model(cls, raw, full_key, full_key.partition(SEPARATOR)[2])

    async def aload(self) -> Self:
        """A new instance read from this model's stored path; ``self`` is unchanged."""
        root = self.root_model()
        cls = type(self)
        if root is self:
            return await read_model(cls, self.key, ActionGroup.READ)
        commands = _commands.read_path(self, ActionGroup.READ)
        try:
            replies = await executor.transaction(binding_of(type(root)), commands)
        except ResponseError as exc:
            raise _codec.wrong_type_error(exc, root.key) from exc
        return _codec.nested_model_from_reply(self, replies)

    async def aupdate(self, **fields: Any) -> None:
        """Validate and assign ``fields`` locally, then write them in one transaction."""
        special = set(fields) & set(self.__rapyer_special_fields__)
        if special:
            raise UpdateAtomicModelError(
                f"update cannot write set or queue fields: {', '.join(sorted(special))}"
            )
        unknown = [name for name in fields if name not in type(self).model_fields]
        if unknown:
            raise UnknownFieldError(
                f"{type(self).__name__} has no field(s) {', '.join(unknown)}; nothing was written"
            )
        previous = {name: self.__dict__.get(name) for name in fields}
        try:
            with _pipeline_state.local_assignments():
                for name, value in fields.items():
                    setattr(self, name, value)
        except Exception:
            self.__dict__.update(previous)  # all or nothing, locally too
            raise
        if fields:
            commands = _commands.update_fields(self, list(fields))
            replies = await _write(binding_of(type(self.root_model())), commands, self)
            if replies is not None and not self.is_inner_model():
                _changes.fields_written(self, fields)

    async def adelete(self) -> bool:
        """Delete the document and its special keys. ``True`` if anything was deleted."""
        if self.is_inner_model():
            raise BadDeleteActionError("A nested model cannot be deleted on its own")
        replies = await executor.write(binding_of(type(self)), _commands.delete_keys(self.all_keys))
        return True if replies is None else bool(replies[0])

    @classmethod
    async def adelete_by_key(cls, key: str) -> bool:
        """Delete the document at ``key`` (full key or bare pk) and its special keys."""
        full_key = _commands.full_keys(cls, key)
        keys = [full_key, *cls._class_special_keys(full_key)]
        replies = await executor.write(binding_of(cls), _commands.delete_keys(keys))
        return True if replies is None else bool(replies[0])

    @classmethod
    async def aexists(cls, key: str | BaseRedisModel) -> bool:
        """Whether the document exists (never refreshes TTL; runs at once in a pipeline)."""
        if isinstance(key, _model.BaseRedisModel):
            key = key.key
        full_key = _commands.full_keys(cls, key)
        return bool(await executor.execute(binding_of(cls), "EXISTS", full_key))
