"""Concurrency helpers of the blocking tests: the names of ``tests._io_async``, blocking."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from rapyer._io_sync import sleep

__all__ = ["gather_calls", "run", "sleep"]

T = TypeVar("T")


def run(result: Any) -> Any:
    """The blocking call already ran; its result."""
    return result


def gather_calls(*calls: Callable[[], T]) -> list[T]:
    """Run every call concurrently, one thread each (each thread starts with an empty
    context); return the results in order, or raise the first exception."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], T]) -> None:
        try:
            results[i] = call()
        except BaseException as exc:  # re-raised in the calling thread
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results
