"""Contention: many tasks and many threads apply atomic field operations to one document;
no update may be lost (the final values count every operation)."""

from __future__ import annotations

import threading

import pytest

from tests import _io_async as io
from tests.models import Stash

TASKS = 16
THREADS = 4
OPS = 25  # per task, of each kind


async def hammer(key: str, count: int) -> None:
    """``count`` increments and ``count`` appends through this task's own model instance."""
    stash = await Stash.aget(key)
    for _ in range(count):
        await stash.n.aincrease(1)
        await stash.f.aincrease(0.5)
        await stash.lst.aappend(1)
        await stash.tags.aadd(str(len(stash.lst)))


async def many_tasks(key: str) -> None:
    """``TASKS`` concurrent workers: tasks in this API, threads in the blocking one."""
    await io.gather_calls(*(lambda: hammer(key, OPS) for _ in range(TASKS)))


async def check(key: str, workers: int, capsys: pytest.CaptureFixture[str], label: str) -> None:
    expected = workers * OPS
    fresh = await Stash.aget(key)
    lost = {
        "increase": expected - fresh.n,
        "increase(float)": expected - int(fresh.f * 2),
        "append": expected - len(fresh.lst),
    }
    with capsys.disabled():
        print(f"\n{label}: {expected} ops of each kind by {workers} workers, lost: {lost}")
    assert fresh.n == expected and fresh.f == expected / 2 and len(fresh.lst) == expected
    assert lost == {"increase": 0, "increase(float)": 0, "append": 0}


async def test_tasks_lose_no_updates(redis_backend, capsys):
    stash = Stash()
    await stash.asave()
    await many_tasks(stash.key)
    await check(stash.key, TASKS, capsys, "tasks")


async def test_threads_lose_no_updates(redis_backend, capsys):
    stash = Stash()
    await stash.asave()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            io.run(many_tasks(stash.key))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    await check(stash.key, THREADS * TASKS, capsys, "threads x tasks")


async def pipelined_increments(key: str, count: int) -> None:
    """``count`` pipelines, each queueing ``+=`` on the model form's instance and on self."""
    stash = await Stash.aget(key)
    for _ in range(count):
        async with stash.apipeline() as fresh:
            fresh.n += 1
            stash.f += 0.5  # self shares the merged values with the fresh instance
            fresh.lst += [1]


async def test_pipelined_inplace_operators_lose_no_updates(redis_backend, capsys):
    stash = Stash()
    await stash.asave()
    await io.gather_calls(*(lambda: pipelined_increments(stash.key, OPS) for _ in range(TASKS)))
    await check(stash.key, TASKS, capsys, "pipelined +=")
