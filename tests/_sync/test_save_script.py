# GENERATED from tests/_async/test_save_script.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""A save of several commands sent as ``save_document.lua`` (the fast path of
``_commands.document_script_args``) does on the server what the MULTI/EXEC transaction of the
same commands does: the same error (or none), the same document, the same TTL."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.exceptions import ResponseError

from rapyer import _codec, _commands
from rapyer._sync import executor
from rapyer._sync.scripts import run_script
from rapyer._binding import binding_of
from tests.models import CreateOnlySession, Session, User

texts = st.text(max_size=8)
ints = st.integers(min_value=-(2**53), max_value=2**53)
models = st.one_of(
    st.builds(User, name=texts, age=ints, email=texts, tags=st.lists(texts, max_size=3)),
    st.builds(Session, token=texts, hits=ints),
    st.builds(CreateOnlySession, token=texts),
)
# What the key holds when the model is saved: the document as loaded, another document,
# nothing (deleted meanwhile), or a value of another type; with or without a TTL already.
STATES = ["loaded", "other", "deleted", "wrong type"]


def _run(redis: Any, path: str, model: Any, case: dict[str, Any]) -> tuple[Any, ...]:
    cls = type(model)
    key = f"{cls.__name__}:{path}"
    loaded_text = _codec.dump_json(model)
    state = case["state"]
    if state == "loaded":
        redis.execute_command("JSON.SET", key, "$", loaded_text)
    elif state == "other":  # written by someone else meanwhile
        redis.execute_command("JSON.SET", key, "$", '{"other": true}')
    elif state == "wrong type":
        redis.set(key, "text")
    if case["ttl_before"] and state != "deleted":
        redis.expire(key, 1000)
    saved = _codec.load_model(cls, loaded_text, key) if case["was_loaded"] else model.model_copy()
    saved.pk = path
    for name in case["changed"] & set(cls.model_fields):
        value = getattr(saved, name)
        if isinstance(value, int):
            setattr(saved, name, value + 1)
        elif isinstance(value, list):
            setattr(saved, name, [*value, "x"])
        else:
            setattr(saved, name, value + "x")
    commands, _ = _commands.save_plan(saved)
    binding = binding_of(cls)
    try:
        if path == "transaction":
            executor.transaction(binding, commands)
        else:
            document = _commands.document_script_args(commands)
            if document is None:
                return ("no script", len(commands))
            run_script(binding, "save_document", [document[0]], document[1])
        error = None
    except ResponseError as exc:
        error = type(_codec.write_error(exc, key))
    try:
        stored = ("document", redis.execute_command("JSON.GET", key))
    except ResponseError:  # a string (fakeredis's TYPE knows no JSON keys)
        stored = ("string", redis.get(key))
    ttl = redis.ttl(key)
    # the models' TTL is 100 s; the one set before is 1000 s
    return error, stored, "none" if ttl < 0 else "model's" if ttl <= 100 else "earlier"


@pytest.mark.parametrize("was_loaded", [True, False])
@pytest.mark.parametrize("state", STATES)
@settings(settings.default, max_examples=min(settings.default.max_examples, 12))
@given(
    model=models,
    changed=st.sets(st.sampled_from(["name", "age", "tags", "token", "hits"])),
    ttl_before=st.booleans(),
)
def test_save_script_does_what_the_transaction_does(
    redis_backend, state, was_loaded, model, changed, ttl_before
):
    redis_backend.flushdb()
    case = {"state": state, "was_loaded": was_loaded, "changed": changed, "ttl_before": ttl_before}
    transaction = _run(redis_backend, "transaction", model, case)
    script = _run(redis_backend, "script", model, case)
    if script[0] == "no script":
        assert script[1] == 1  # one command: sent alone, no transaction to replace
        return
    assert script == transaction


def test_saves_of_several_commands_go_as_the_script(redis_backend):
    session = Session(token="a")
    session.save()  # JSON.SET + EXPIRE
    assert redis_backend.ttl(session.key) > 0
    redis_backend.persist(session.key)
    session.hits = 3
    session.save()  # JSON.SET NX + the changed field + EXPIRE
    assert (Session.get(session.key)).hits == 3
    assert redis_backend.ttl(session.key) > 0
    user = User(name="a")
    user.save()
    redis_backend.execute_command("JSON.SET", user.key, "$.email", '"kept"')  # concurrent write
    user.age = 4
    user.save()  # only the changed field is written
    loaded = User.get(user.key)
    assert (loaded.age, loaded.email) == (4, "kept")
    redis_backend.delete(user.key)
    user.name = "b"
    user.save()  # a deleted document is written whole
    assert User.get(user.key) == user
