# GENERATED from rapyer/_async/pipeline.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Transactional pipelines: the module form and the model form.

A pipeline block holds a frame in a contextvar (``rapyer._pipeline_state``): every write of
either API in the same task or thread is queued into the frame's MULTI of the write's client
binding, opened lazily. At a normal exit the deduplicated EXPIREs are appended, every script
SHA queued as ``EVALSHA`` is ensured on the server, and each binding's transaction is executed
in order of first use. A body that raises discards every queued command (nothing is sent).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError
from typing_extensions import Self

from rapyer import _changes, _codec, _commands, _groups, _pipeline_state
from rapyer import _io_sync as io
from rapyer._sync import cluster, executor
from rapyer._binding import Binding, binding_of, default_binding
from rapyer._pipeline_state import Command, PipelineFrame
from rapyer._scripts import BY_SHA
from rapyer.errors import KeyNotFound, PersistentNoScriptError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._model import BaseRedisModel as _Base
else:
    _Base = object

_log = logging.getLogger("rapyer")


@contextmanager
def pipeline(
    ignore_redis_error: bool = False, use_existing_pipe: bool = False
) -> Iterator[Any]:
    """A transaction on the default binding; yields rapyer's record of it, which takes
    redis-py's command methods (``pipe.set(..)``, ``pipe.execute_command(..)``).

    Every rapyer write in the block, of any binding, is queued and executed at exit.
    ``use_existing_pipe`` joins an enclosing pipeline instead of opening a new one.
    Raises the first redis ``ResponseError`` at exit unless ``ignore_redis_error``.
    """
    with _frame_scope(ignore_redis_error, use_existing_pipe) as frame:
        yield frame.pipe_for(default_binding())


@contextmanager
def _frame_scope(
    ignore_redis_error: bool, use_existing_pipe: bool
) -> Iterator[PipelineFrame]:
    """Open a new frame (executed at exit), or join the current one."""
    outer = _pipeline_state.current()
    if use_existing_pipe and outer is not None:
        savepoint = outer.savepoint()
        try:
            yield outer
        except BaseException:
            outer.rollback(savepoint)
            raise
        return
    frame = PipelineFrame(io.client_factory())
    token = _pipeline_state.push(frame)
    try:
        yield frame
    except BaseException:
        frame.discard()
        raise
    finally:
        _pipeline_state.pop(token)
    commit(frame, ignore_redis_error)


def commit(frame: PipelineFrame, ignore_redis_error: bool = False) -> list[list[Any]]:
    """Execute every transaction of ``frame`` in order of first use; return their replies.

    Raises the first error reply after all ran, or logs each with ``ignore_redis_error``.
    """
    frame.flush_expires()
    all_replies: list[list[Any]] = []
    errors: list[ResponseError] = []
    keys: dict[int, str] = {}  # id of an error reply -> the key of its command
    for binding, pipe in list(frame.pipes.items()):
        commands = _pipeline_state.queued_commands(pipe)
        if not commands:
            all_replies.append([])
            continue
        try:
            replies = _execute_transaction(frame, binding, pipe, commands)
        except ResponseError as exc:
            # The server refused the whole transaction (EXECABORT): none of it ran.
            errors.append(exc)
            all_replies.append([exc] * len(commands))
            continue
        all_replies.append(replies)
        errors.extend(_pipeline_state.reply_errors(commands, replies))
        for command, reply in zip(commands, replies, strict=False):
            if isinstance(reply, ResponseError) and len(command) > 1:
                keys[id(reply)] = str(command[1])
    if frame.cascades:  # the TTL cascades of the refreshes that ran
        roots, frame.cascades = frame.cascades, []
        executor.run_cascade(roots)
    if errors:
        if not ignore_redis_error:
            first = errors[0]
            error = _codec.write_error(first, keys.get(id(first), "a key of the pipeline"))
            if error is first:
                raise first
            raise error from first
        for error in errors:
            _log.warning("Ignored redis error in pipeline: %s", error)
    return all_replies


def _execute_transaction(
    frame: PipelineFrame, binding: Binding, pipe: Any, commands: list[Command]
) -> list[Any]:
    """EXEC one binding's transaction, with scripts ensured and NOSCRIPT replies retried."""
    client = frame.client(binding)
    shas = _pipeline_state.known_shas(commands)
    if shas:
        ensure_scripts(client, shas)
    if binding.is_cluster:  # rapyer's record: one transaction per slot
        return cluster.transaction_with(client, commands)
    replayed = _pipeline_state.replay(pipe, client)
    replies = list(replayed.execute(raise_on_error=False))
    failed = _pipeline_state.noscript_failures(commands, replies)
    if not failed:
        return replies
    reload_scripts(client)
    retry = client.pipeline(transaction=True)
    for i in failed:
        retry.execute_command(*commands[i])
    retried = list(retry.execute(raise_on_error=False))
    for i, reply in zip(failed, retried, strict=True):
        if _pipeline_state.is_noscript(reply):
            raise PersistentNoScriptError(
                f"NOSCRIPT persists for {commands[i][1]} after reloading the scripts"
            )
        replies[i] = reply
    return replies


def ensure_scripts(client: Any, shas: list[str]) -> None:
    """``SCRIPT LOAD`` each of rapyer's scripts in ``shas`` that the server lacks."""
    present = client.script_exists(*shas)
    for sha, exists in zip(shas, present, strict=True):
        if not exists:
            client.script_load(BY_SHA[sha].source)


def reload_scripts(client: Any) -> None:
    """``SCRIPT LOAD`` every script rapyer ships."""
    for script in BY_SHA.values():
        client.script_load(script.source)


def load_into(model: BaseRedisModel, frame: PipelineFrame, ignore_missing: bool) -> Any:
    """Read ``model`` directly, queue its refresh EXPIREs, merge the values into ``model``.

    Returns the fresh instance, or ``model`` itself when the key is missing and
    ``ignore_missing`` is set (else KeyNotFound).
    """
    root = model.root_model()
    binding = binding_of(type(root))
    if model is root:
        commands = _commands.read_document(type(model), model.key, _groups.READ_FETCH)
    else:
        commands = _commands.read_path(model, _groups.READ_FETCH)
    direct = [c for c in commands if str(c[0]).upper() != "EXPIRE"]
    expires = [c for c in commands if str(c[0]).upper() == "EXPIRE"]
    try:
        replies = executor.transaction(binding, direct)
    except ResponseError as exc:
        raise _codec.wrong_type_error(exc, root.key) from exc
    try:
        fresh = _fresh_model(model, root, replies)
    except KeyNotFound:
        if ignore_missing:
            return model
        raise
    frame.queue(binding, expires)
    for name in type(model).model_fields:
        if name in fresh.__dict__:
            model.__dict__[name] = fresh.__dict__[name]
    model._rapyer_link_fields()  # the shared values now belong to the long-lived model
    _changes.adopt(model, fresh)
    return fresh


def _fresh_model(model: BaseRedisModel, root: BaseRedisModel, replies: list[Any]) -> Any:
    if model is root:
        return _codec.model_from_replies(type(model), model.key, replies)
    return _codec.nested_model_from_reply(model, replies)


class SyncPipelineOps(_Base):
    """The model form of pipelines (mixed into ``AtomicRedisModel``)."""

    @contextmanager
    def pipeline(
        self, ignore_redis_error: bool = False, use_existing_pipe: bool = False
    ) -> Iterator[Self]:
        """Open (or with ``use_existing_pipe`` join) a pipeline on this model's client.

        The model is read at once (its TTL refresh is queued), its stored values are copied
        into this instance, and the fresh instance is yielded. A missing key raises
        KeyNotFound, or with ``ignore_redis_error`` yields this instance.
        """
        with _frame_scope(ignore_redis_error, use_existing_pipe) as frame:
            frame.pipe_for(binding_of(type(self.root_model())))
            yield load_into(self, frame, ignore_redis_error)
