"""Lease locks (docs/guide/locks.md) against the real server and fakeredis, in both APIs.

The contention tests run tasks here and real threads in the generated twin; the crash test
runs the holder in a child process against the real server. The seed page's example runs in
tests/common/test_seed_examples.py (examples/seed/alock_from_key_example*.py).
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

import rapyer
from rapyer import ModelLock, _commands
from rapyer.errors import KeyNotFound, LockError, LockLostError, LockTimeoutError
from tests import _io_async as io
from tests.models import Address, LockCounter, LockTuned, Person, User

REPO_ROOT = Path(__file__).resolve().parents[2]

# A child process that takes a lock with a short lease, reports it, and waits to be killed.
HOLDER = """
import sys, time
from tests.models import LockCounter

cm = LockCounter.lock_from_key(sys.argv[1], lease=float(sys.argv[2]))
cm.__enter__()
print("LOCKED", flush=True)
time.sleep(120)
"""


class Interrupted(BaseException):
    """Stands in for a cancellation or KeyboardInterrupt raised inside a locked block."""


async def saved_counter(n: int = 0) -> LockCounter:
    counter = LockCounter(n=n)
    await counter.asave()
    return counter


async def stored_n(key: str) -> int:
    return (await LockCounter.aget(key)).n


# ---- the ModelLock object ------------------------------------------------------------


async def test_lock_members_and_release(redis_backend):
    counter = await saved_counter(1)
    cm = LockCounter.alock_from_key(counter.pk)
    assert isinstance(cm, ModelLock)
    assert cm.name == f"{counter.key}/default:lock"
    assert cm.token is None and cm.model is None
    assert cm.lease == 60.0 and cm.blocking_timeout is None
    assert not await cm.aowned()
    async with cm as model:
        assert model == counter and cm.model is model
        uuid.UUID(cm.token)
        assert redis_backend.get(cm.name) == cm.token
        assert 0 < redis_backend.pttl(cm.name) <= 60_000
        assert await cm.aowned()
    assert redis_backend.exists(cm.name) == 0
    assert not await cm.aowned()
    first = cm.token
    async with cm:
        assert cm.token != first  # a fresh token for each acquisition
        assert await cm.aowned()
    assert redis_backend.exists(cm.name) == 0


async def test_lock_is_not_reentrant_on_one_object(redis_backend):
    counter = await saved_counter()
    cm = LockCounter.alock_from_key(counter.key)
    async with cm:
        with pytest.raises(RuntimeError):
            await cm.__aenter__()
        assert await cm.aowned()
    assert redis_backend.exists(cm.name) == 0


async def test_defaults_come_from_meta_at_call_time(redis_backend):
    cm = LockTuned.alock_from_key("x")
    assert (cm.lease, cm.blocking_timeout, cm.sleep) == (2.5, 0.1, 0.01)
    old = LockTuned.Meta.lock_lease
    LockTuned.Meta.lock_lease = 7.0
    try:
        assert LockTuned.alock_from_key("x").lease == 7.0
    finally:
        LockTuned.Meta.lock_lease = old
    assert LockTuned.alock_from_key("x", lease=None, blocking_timeout=3).lease is None
    await rapyer.init_rapyer(lock_lease=30.0, lock_blocking_timeout=1.0)
    cm = LockCounter.alock_from_key("x")
    assert (cm.lease, cm.blocking_timeout, cm.sleep) == (30.0, 1.0, 0.002)
    assert rapyer.alock_from_key("Unknown:1").lease == 30.0
    assert LockTuned.alock_from_key("x").lease == 2.5  # the class's own Meta wins
    with pytest.raises(ValueError, match="lease must be positive or None, not 0"):
        LockCounter.alock_from_key("x", lease=0)
    with pytest.raises(ValueError, match="blocking_timeout must be >= 0 or None, not -1"):
        LockCounter.alock_from_key("x", blocking_timeout=-1)


async def test_lease_none_never_expires_and_extend(redis_backend):
    counter = await saved_counter()
    cm = LockCounter.alock_from_key(counter.key, lease=None)
    async with cm:
        assert redis_backend.pttl(cm.name) == -1
        await cm.aextend(5)
        assert 0 < redis_backend.pttl(cm.name) <= 5000
        await cm.aextend()  # the full lease: none
        assert redis_backend.pttl(cm.name) == -1
    cm = LockCounter.alock_from_key(counter.key, lease=0.3)
    async with cm:
        await cm.aextend(10)
        assert redis_backend.pttl(cm.name) > 5000
        await io.sleep(0.5)  # longer than the original lease
        assert await cm.aowned()
        await cm.aextend()
        assert 0 < redis_backend.pttl(cm.name) <= 300
        with pytest.raises(ValueError, match="seconds must be positive, not 0"):
            await cm.aextend(0)
    with pytest.raises(LockLostError):
        await cm.aextend()  # not held any more


# ---- loading ---------------------------------------------------------------------------


async def test_save_at_end_on_normal_exit_only(redis_backend):
    counter = await saved_counter(1)
    async with LockCounter.alock_from_key(counter.key, save_at_end=True) as model:
        model.n = 5
    assert await stored_n(counter.key) == 5
    async with LockCounter.alock_from_key(counter.key) as model:
        model.n = 6  # no save_at_end: nothing is written
    assert await stored_n(counter.key) == 5
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True)
    with pytest.raises(ZeroDivisionError):
        async with cm as model:
            model.n = 7
            _ = 1 / 0
    assert await stored_n(counter.key) == 5
    assert redis_backend.exists(cm.name) == 0
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True)
    with pytest.raises(Interrupted):
        async with cm as model:
            model.n = 8
            raise Interrupted
    assert await stored_n(counter.key) == 5
    assert redis_backend.exists(cm.name) == 0


async def test_save_at_end_writes_the_full_save(redis_backend):
    tuned = LockTuned(n=1)
    await tuned.asave()
    redis_backend.persist(tuned.key)
    cm = LockTuned.alock_from_key(tuned.key, save_at_end=True)
    async with cm as model:
        assert 0 < redis_backend.pttl(cm.name) <= 2500  # the lease, never Meta.ttl
        model.n = 2
    assert (await LockTuned.aget(tuned.key)).n == 2
    assert 0 < redis_backend.ttl(tuned.key) <= 100  # Meta.ttl came with the save
    assert redis_backend.exists(cm.name) == 0


async def test_class_form_missing_key_raises_and_releases(redis_backend):
    cm = LockCounter.alock_from_key("missing")
    with pytest.raises(KeyNotFound):
        async with cm:
            pytest.fail("the body must not run")
    assert cm.name == "LockCounter:missing/default:lock"
    assert redis_backend.exists(cm.name) == 0


async def test_global_form_resolves_the_class(redis_backend):
    counter = await saved_counter(3)
    cm = rapyer.alock_from_key(counter.key, "bump", save_at_end=True)
    async with cm as model:
        assert type(model) is LockCounter and model.n == 3
        assert cm.name == f"{counter.key}/bump:lock"
        model.n = 4
    assert await stored_n(counter.key) == 4


@pytest.mark.parametrize("key", ["LockCounter:missing", "NoSuchModel:1", "garbage"])
async def test_global_form_yields_none(redis_backend, key):
    cm = rapyer.alock_from_key(key, save_at_end=True)
    async with cm as model:
        assert model is None and cm.model is None
        assert cm.name == f"{key}/default:lock"
        assert redis_backend.get(cm.name) == cm.token  # still a real lock
    assert redis_backend.exists(cm.name) == 0
    assert redis_backend.exists(key) == 0  # nothing saved


async def test_instance_form_copies_the_fresh_values(redis_backend):
    user = User(name="Alice", age=1, tags=["a"])
    await user.asave()
    user.age = 99  # local only
    cm = user.alock(save_at_end=True)
    assert cm.name == f"{user.key}/default:lock"
    async with cm as fresh:
        assert fresh is not user
        assert fresh.age == 1 and user.age == 1 and user.tags == ["a"]
        fresh.age = 2
        fresh.tags.append("b")
        assert user.age == 1 and user.tags == ["a"]  # edits of the fresh one stay apart
    assert (await User.aget(user.key)).age == 2
    missing = User(name="Nobody")
    cm = missing.alock()
    with pytest.raises(KeyNotFound):
        async with cm:
            pytest.fail("the body must not run")
    assert redis_backend.exists(cm.name) == 0


async def test_nested_model_locks_its_root(redis_backend):
    person = Person(name="Bob", address=Address(city="Paris"))
    await person.asave()
    person.address.zip = "local"
    cm = person.address.alock("move", save_at_end=True)
    assert cm.name == f"{person.key}/move:lock"
    async with cm as address:
        assert isinstance(address, Address) and address.city == "Paris"
        assert person.address.zip == ""  # fresh values copied in
        assert redis_backend.get(cm.name) == cm.token
        address.city = "Lyon"
    fresh = await Person.aget(person.key)
    assert fresh.address.city == "Lyon" and fresh.name == "Bob"


# ---- exclusion, timeouts and lost locks ------------------------------------------------


async def test_blocking_timeout_and_actions(redis_backend):
    counter = await saved_counter()
    async with LockCounter.alock_from_key(counter.key, lease=10) as holder:
        async with LockCounter.alock_from_key(counter.key, "other", blocking_timeout=0) as m:
            assert m == holder  # another action does not wait
        with pytest.raises(LockTimeoutError):
            async with LockCounter.alock_from_key(counter.key, blocking_timeout=0):
                pytest.fail("acquired a held lock")
        start = time.monotonic()
        cm = LockCounter.alock_from_key(counter.key, blocking_timeout=0.3)
        with pytest.raises(LockTimeoutError) as info:
            async with cm:
                pytest.fail("acquired a held lock")
        waited = time.monotonic() - start
        assert 0.28 <= waited < 2.0
        assert isinstance(info.value, LockError) and isinstance(info.value, TimeoutError)
        assert cm.token is None
    assert redis_backend.exists(f"{counter.key}/default:lock") == 0


async def test_mutual_exclusion_no_lost_updates(redis_backend):
    workers, rounds = 16, 8
    counter = await saved_counter()

    async def increment(worker: int) -> None:
        for _ in range(rounds):
            if worker % 2:
                cm = LockCounter.alock_from_key(counter.key, save_at_end=True, lease=10)
            else:
                cm = rapyer.alock_from_key(counter.key, save_at_end=True, lease=10)
            async with cm as model:
                model.n = model.n + 1
                await io.sleep(0)  # let the others try meanwhile

    start = time.monotonic()
    await io.gather_calls(*(functools.partial(increment, w) for w in range(workers)))
    elapsed = time.monotonic() - start
    final = await stored_n(counter.key)
    print(f"\nlock contention: {workers}x{rounds} increments -> {final} in {elapsed:.2f}s")
    assert final == workers * rounds
    assert redis_backend.exists(f"{counter.key}/default:lock") == 0


async def test_unlocked_read_modify_write_loses_updates(redis_backend):
    """The control for the test above: without a lock, concurrent read-modify-write cycles
    lose updates. Each round every worker reads before any of them writes (the reads are
    gathered, then the writes), so each round adds exactly 1, not ``workers``."""
    workers, rounds = 16, 8
    counter = await saved_counter()

    def read() -> Any:
        return LockCounter.aget(counter.key)

    for _ in range(rounds):
        models = await io.gather_calls(*(read for _ in range(workers)))
        for model in models:
            model.n = model.n + 1
        await io.gather_calls(*(model.asave for model in models))
    final = await stored_n(counter.key)
    print(f"\nwithout a lock: {workers * rounds} increments -> {final}")
    assert final == rounds


async def test_lost_lock_saves_nothing(redis_backend):
    counter = await saved_counter(1)
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True, lease=0.2)
    thief = LockCounter.alock_from_key(counter.key, lease=10, blocking_timeout=5)
    with pytest.raises(LockLostError) as info:
        async with cm as model:
            model.n = 100
            stolen = await thief.__aenter__()  # waits until the lease runs out
            assert stolen.n == 1
            assert not await cm.aowned() and await thief.aowned()
            with pytest.raises(LockLostError):
                await cm.aextend()
    assert info.value.key == counter.key and info.value.action == "default"
    assert await stored_n(counter.key) == 1  # nothing written
    assert redis_backend.get(thief.name) == thief.token  # the thief's lock is untouched
    await thief.__aexit__(None, None, None)
    assert redis_backend.exists(thief.name) == 0


async def test_save_too_long_for_lua_uses_a_watched_transaction(redis_backend, monkeypatch):
    counter = await saved_counter(1)
    members = [str(i) for i in range(9000)]  # one command beyond Lua's unpack limit
    original = _commands.save_plan

    def long_plan(model):
        commands, text = original(model)
        return [*commands, ("SADD", "big:set", *members)], text

    monkeypatch.setattr(_commands, "save_plan", long_plan)
    monkeypatch.setattr(_commands, "plain_save_plan", lambda model: None)  # no fast path
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True)
    async with cm as model:
        model.n = 2
    assert await stored_n(counter.key) == 2
    assert redis_backend.scard("big:set") == 9000
    assert redis_backend.exists(cm.name) == 0
    redis_backend.delete("big:set")
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True, lease=0.2)
    thief = LockCounter.alock_from_key(counter.key, lease=10, blocking_timeout=5)
    with pytest.raises(LockLostError):
        async with cm as model:
            model.n = 3
            await thief.__aenter__()
    assert await stored_n(counter.key) == 2
    assert redis_backend.exists("big:set") == 0
    assert redis_backend.get(thief.name) == thief.token
    await thief.__aexit__(None, None, None)


async def test_expired_lease_is_reported_at_exit(redis_backend):
    counter = await saved_counter(1)
    for save_at_end in (False, True):
        cm = LockCounter.alock_from_key(counter.key, save_at_end=save_at_end, lease=0.1)
        with pytest.raises(LockLostError):
            async with cm as model:
                model.n = 50
                await io.sleep(0.3)
        assert await stored_n(counter.key) == 1
        assert redis_backend.exists(cm.name) == 0


async def test_killed_holder_frees_the_lock_when_its_lease_runs_out(backend, server_url):
    counter = await saved_counter()
    lease = 1.5
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, counter.key, str(lease)],
        cwd=REPO_ROOT,
        env={**os.environ, "REDIS_URL": server_url},
        stdout=subprocess.PIPE,
        text=True,
    )
    name = f"{counter.key}/default:lock"
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "LOCKED"
        remaining = backend.pttl(name) / 1000
        start = time.monotonic()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert 0 < remaining <= lease
        assert backend.exists(name) == 1  # the dead holder never released it
        with pytest.raises(LockTimeoutError):
            async with LockCounter.alock_from_key(counter.key, blocking_timeout=0):
                pytest.fail("acquired before the lease ran out")
        cm = LockCounter.alock_from_key(counter.key, save_at_end=True, blocking_timeout=10)
        async with cm as model:
            waited = time.monotonic() - start
            model.n = model.n + 1
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    print(f"\nkilled holder: lease left {remaining:.3f}s, next holder got it after {waited:.3f}s")
    assert remaining - 0.1 <= waited <= remaining + 1.0
    assert await stored_n(counter.key) == 1


async def test_lock_inside_a_pipeline_runs_at_once(redis_backend):
    counter = await saved_counter(1)
    async with rapyer.apipeline():
        cm = LockCounter.alock_from_key(counter.key, save_at_end=True)
        async with cm as model:
            assert redis_backend.get(cm.name) == cm.token  # acquired at once
            model.n = 5
        assert redis_backend.json().get(counter.key)["n"] == 5  # saved at once
        assert redis_backend.exists(cm.name) == 0
    assert await stored_n(counter.key) == 5


async def test_scripts_reload_after_a_script_flush(redis_backend):
    counter = await saved_counter(1)
    for save_at_end in (False, True):
        cm = LockCounter.alock_from_key(counter.key, save_at_end=save_at_end)
        async with cm as model:
            redis_backend.script_flush()
            await cm.aextend(30)  # NOSCRIPT, SCRIPT LOAD, retry
            redis_backend.script_flush()
            model.n = 2
        assert redis_backend.exists(cm.name) == 0
    assert await stored_n(counter.key) == 2
