# GENERATED from tests/_async/test_plain_reads.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Gets of the usual class take the fast path of ``_commands.plain_read_head`` (one
``JSON.GET``, no command list); the model and the errors are those of the general path
(``read_document`` sent by ``executor.transaction``)."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ResponseError

from rapyer import _codec, _commands, _groups
from rapyer._sync import executor
from rapyer._binding import binding_of
from rapyer.errors import KeyNotFound
from tests.models import Account, Everything, User


def _general_read(cls: type[Any], key: str) -> Any:
    commands = _commands.read_document(cls, key, _groups.READ_FETCH)
    try:
        replies = executor.transaction(binding_of(cls), commands)
    except ResponseError as exc:  # as ``model_ops.read_model`` does
        raise _codec.wrong_type_error(exc, key) from exc
    return _codec.model_from_replies(cls, key, replies)


@pytest.mark.parametrize(
    "model",
    [
        User(name="Alice", age=30, email="a@example.com", tags=["a", "b"]),
        Everything(s="x", i=5, f=1.5, b=True, n=3, raw=b"\x00\xff", tup=(1, "a")),
        Account(account_id="a:b*c", balance=7),
    ],
    ids=["user", "everything", "key-field"],
)
def test_fast_read_is_the_general_read(redis_backend, model):
    cls = type(model)
    assert _commands.plain_read_head(cls) is not None  # the fast path is taken
    model.save()
    fast = cls.get(model.key)
    general = _general_read(cls, model.key)
    assert fast == general == model
    assert fast.pk == general.pk == model.pk
    assert fast.key == general.key
    assert fast._rapyer_stored == general._rapyer_stored
    assert fast.model_fields_set == general.model_fields_set


def test_fast_read_raises_as_the_general_read(redis_backend):
    with pytest.raises(KeyNotFound):
        User.get("missing-plain-read")
    with pytest.raises(KeyNotFound):
        _general_read(User, "User:missing-plain-read")
    redis_backend.set("User:plain-read-text", "not a document")  # a blocking client
    with pytest.raises(Exception) as fast:
        User.get("User:plain-read-text")
    with pytest.raises(Exception) as general:
        _general_read(User, "User:plain-read-text")
    assert type(fast.value) is type(general.value)
    assert str(fast.value) == str(general.value)
