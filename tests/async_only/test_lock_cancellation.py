"""Cancellation of async lock blocks (asyncio only: the blocking API has no cancellation).

A cancelled block saves nothing and releases its lock at once; a task cancelled while it
waits for a lock never takes it and never disturbs the holder.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.models import LockCounter


async def test_cancelled_holder_releases_and_saves_nothing(redis_backend):
    counter = LockCounter(n=1)
    await counter.asave()
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True, lease=30)
    entered = asyncio.Event()

    async def hold() -> None:
        async with cm as model:
            model.n = 2
            entered.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(hold())
    await entered.wait()
    assert redis_backend.get(cm.name) == cm.token
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert redis_backend.exists(cm.name) == 0  # released, not left to the lease
    assert (await LockCounter.aget(counter.key)).n == 1


async def test_timed_out_block_releases(redis_backend):
    counter = LockCounter(n=1)
    await counter.asave()
    cm = LockCounter.alock_from_key(counter.key, save_at_end=True)

    async def slow() -> None:
        async with cm as model:
            model.n = 5
            await asyncio.sleep(30)

    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(slow(), 0.2)
    assert redis_backend.exists(cm.name) == 0
    assert (await LockCounter.aget(counter.key)).n == 1


async def test_cancelled_waiter_leaves_the_holder_alone(redis_backend):
    counter = LockCounter(n=1)
    await counter.asave()
    async with LockCounter.alock_from_key(counter.key, lease=30) as _:
        holder_token = redis_backend.get(f"{counter.key}/default:lock")
        waiter = LockCounter.alock_from_key(counter.key, blocking_timeout=20)

        async def wait_for_lock() -> None:
            async with waiter:
                pytest.fail("acquired a held lock")

        task = asyncio.create_task(wait_for_lock())
        await asyncio.sleep(0.1)  # the waiter is polling now
        # Before Python 3.12, asyncio.wait_for (used by fakeredis's async reads) can swallow
        # a cancellation that lands just as a reply arrives; cancel until the task is done.
        while not task.done():
            task.cancel()
            await asyncio.sleep(0.01)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert waiter.token is None
        assert redis_backend.get(f"{counter.key}/default:lock") == holder_token
    assert redis_backend.exists(f"{counter.key}/default:lock") == 0
