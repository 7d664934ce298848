# GENERATED from tests/_async/test_field_contention.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Contention: many tasks and many threads apply atomic field operations to one document;
no update may be lost (the final values count every operation)."""

from __future__ import annotations

import threading

import pytest

from tests import _io_sync as io
from tests.models import Stash

TASKS = 16
THREADS = 4
OPS = 25  # per task, of each kind


def hammer(key: str, count: int) -> None:
    """``count`` increments and ``count`` appends through this task's own model instance."""
    stash = Stash.get(key)
    for _ in range(count):
        stash.n.increase_now(1)
        stash.f.increase_now(0.5)
        stash.lst.append_now(1)
        stash.tags.add_now(str(len(stash.lst)))


def many_tasks(key: str) -> None:
    """``TASKS`` concurrent workers: tasks in this API, threads in the blocking one."""
    io.gather_calls(*(lambda: hammer(key, OPS) for _ in range(TASKS)))


def check(key: str, workers: int, capsys: pytest.CaptureFixture[str], label: str) -> None:
    expected = workers * OPS
    fresh = Stash.get(key)
    lost = {
        "increase": expected - fresh.n,
        "increase(float)": expected - int(fresh.f * 2),
        "append": expected - len(fresh.lst),
    }
    with capsys.disabled():
        print(f"\n{label}: {expected} ops of each kind by {workers} workers, lost: {lost}")
    assert fresh.n == expected and fresh.f == expected / 2 and len(fresh.lst) == expected
    assert lost == {"increase": 0, "increase(float)": 0, "append": 0}


def test_tasks_lose_no_updates(redis_backend, capsys):
    stash = Stash()
    stash.save()
    many_tasks(stash.key)
    check(stash.key, TASKS, capsys, "tasks")


def test_threads_lose_no_updates(redis_backend, capsys):
    stash = Stash()
    stash.save()
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
    check(stash.key, THREADS * TASKS, capsys, "threads x tasks")


def pipelined_increments(key: str, count: int) -> None:
    """``count`` pipelines, each queueing ``+=`` on the model form's instance and on self."""
    stash = Stash.get(key)
    for _ in range(count):
        with stash.pipeline() as fresh:
            fresh.n += 1
            stash.f += 0.5  # self shares the merged values with the fresh instance
            fresh.lst += [1]


def test_pipelined_inplace_operators_lose_no_updates(redis_backend, capsys):
    stash = Stash()
    stash.save()
    io.gather_calls(*(lambda: pipelined_increments(stash.key, OPS) for _ in range(TASKS)))
    check(stash.key, TASKS, capsys, "pipelined +=")
