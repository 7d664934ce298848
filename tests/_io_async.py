"""Concurrency helpers of the async tests; ``tests._io_sync`` has the same names, blocking.

Tests in ``tests/_async`` import ``from tests import _io_async as io``; the generator maps it
to ``tests._io_sync``. The library's I/O seam (``rapyer._io_async``) keeps only what the
library uses; ``sleep`` is re-exported from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rapyer._io_async import sleep

__all__ = ["gather_calls", "run", "sleep"]

T = TypeVar("T")


def run(awaitable: Any) -> Any:
    """Run a coroutine to completion on a new event loop (for a thread without one)."""
    return asyncio.run(awaitable)


async def gather_calls(*calls: Callable[[], Awaitable[T]]) -> list[T]:
    """Run every call concurrently (one task each, with a copy of the current context)."""
    return list(await asyncio.gather(*(call() for call in calls)))
