"""A worker that queries in a loop while another process runs ``init_rapyer``.

``python -m tests.integrations.index_querier URL API STOPFILE`` (from the repository root): API is ``async`` or ``blocking``. It prints one
JSON line per round (``{"open": count, "rare": number of models found}``, or ``{"error":
...}``), ``ready`` after the first round, and stops when STOPFILE exists.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import rapyer
from tests.integrations.downtime_models import ticket


def _report(open_count: int, rare: list[object]) -> None:
    print(json.dumps({"open": open_count, "rare": len(rare)}), flush=True)


def blocking(url: str, stop: str) -> None:
    model = ticket(extra=False)
    rapyer.init_rapyer_sync(redis=url)
    first = True
    while first or not os.path.exists(stop):
        try:
            # The iterator reads an FT.AGGREGATE cursor in small batches: several round trips.
            rare = list(model.iterator(model.status == "rare", batch_size=25))
            _report(model.count(model.status == "open"), rare)
        except Exception as exc:  # reported, the test fails on it
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        if first:
            print("ready", flush=True)
            first = False


async def asynchronous(url: str, stop: str) -> None:
    model = ticket(extra=False)
    await rapyer.init_rapyer(redis=url)
    first = True
    while first or not os.path.exists(stop):
        try:
            rare = [m async for m in model.aiterator(model.status == "rare", batch_size=25)]
            _report(await model.acount(model.status == "open"), rare)
        except Exception as exc:  # reported, the test fails on it
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        if first:
            print("ready", flush=True)
            first = False


if __name__ == "__main__":
    url, api, stop = sys.argv[1:4]
    if api == "async":
        asyncio.run(asynchronous(url, stop))
    else:
        blocking(url, stop)
