"""The save at the end of a lock through ``lock_save_document.lua`` (the fast path of
``_lock.document_save_args``) does on the server what ``lock_save.lua`` does with the same
commands: the same reply or error, the same document, the same lock key afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.exceptions import ResponseError

from rapyer import _codec, _commands, _lock
from rapyer._async.scripts import run_script
from rapyer._binding import binding_of
from tests.models import LockCounter, User

texts = st.text(max_size=8)
ints = st.integers(min_value=-(2**53), max_value=2**53)
users = st.builds(User, name=texts, age=ints, email=texts, tags=st.lists(texts, max_size=3))
FIELDS = sorted(User.model_fields)
# What the key holds when the block ends: the document as loaded, another document, nothing
# (deleted meanwhile), or a value of another type.
STATES = ["loaded", "other", "deleted", "wrong type"]


async def _run(redis: Any, path: str, case: dict[str, Any]) -> tuple[Any, Any, Any]:
    key = f"User:{path}"
    lock = f"{key}/default:lock"
    loaded_text = _codec.dump_json(case["before"])
    state = case["state"]
    if state == "loaded":
        redis.execute_command("JSON.SET", key, "$", loaded_text)
    elif state == "other":  # written by someone else meanwhile: differs in every field
        other = case["after"].model_copy(
            update={"name": "~" + case["before"].name, "age": case["before"].age + 1}
        )
        other.email, other.tags = "~" + case["before"].email, [*case["before"].tags, "~"]
        redis.execute_command("JSON.SET", key, "$", _codec.dump_json(other))
    elif state == "wrong type":
        redis.set(key, "text")
    redis.set(lock, "token" if case["held"] else "another token")
    if case["was_loaded"]:
        model = _codec.load_model(User, loaded_text, key)
    else:  # a model never loaded nor saved: written whole
        model = case["before"].model_copy(deep=True)
    model.pk = path
    for name in case["changed"]:
        setattr(model, name, getattr(case["after"], name))
    commands, _ = _commands.save_plan(model)
    binding = binding_of(User)
    try:
        if path == "generic":
            keys, args = _lock.save_script_args(lock, "token", commands)
            reply: Any = await run_script(binding, "lock_save", keys, args)
        else:
            document = _lock.document_save_args("token", commands)
            assert document is not None  # the commands of a plain class's save
            name, args = document
            reply = await run_script(binding, "lock_save_document", [lock, name], args)
    except Exception as exc:
        reply = type(exc)
    try:
        stored = ("document", redis.execute_command("JSON.GET", key))
    except ResponseError:  # a string (fakeredis's TYPE knows no JSON keys)
        stored = ("string", redis.get(key))
    return reply, stored, redis.get(lock)


@pytest.mark.parametrize("was_loaded", [True, False])
@pytest.mark.parametrize("state", STATES)
@settings(settings.default, max_examples=min(settings.default.max_examples, 15))
@given(
    before=users,
    after=users,
    changed=st.sets(st.sampled_from(FIELDS)),
    held=st.booleans(),
)
async def test_document_script_does_what_the_generic_script_does(
    redis_backend, state, was_loaded, before, after, changed, held
):
    redis_backend.flushdb()
    case = {
        "before": before,
        "after": after,
        "changed": changed,
        "state": state,
        "held": held,
        "was_loaded": was_loaded,
    }
    generic = await _run(redis_backend, "generic", case)
    document = await _run(redis_backend, "document", case)
    assert document == generic
    if held and state in ("loaded", "other", "deleted"):
        assert generic[0] == 1 and generic[2] is None  # saved and released


async def test_a_lock_block_of_a_plain_class_saves_through_the_document_script(redis_backend):
    counter = LockCounter(n=1)
    await counter.asave()
    assert _commands.plain_save_plan(counter) is not None  # the fast path is taken
    async with LockCounter.alock_from_key(counter.key, save_at_end=True) as model:
        model.n = 2
    assert (await LockCounter.aget(counter.key)).n == 2
    redis_backend.execute_command("JSON.SET", counter.key, "$.n", 5)  # a concurrent write
    async with LockCounter.alock_from_key(counter.key, save_at_end=True) as model:
        pass  # nothing changed: the document is written only if it no longer exists
    assert (await LockCounter.aget(counter.key)).n == 5
