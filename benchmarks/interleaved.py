"""In-process A/B of one rapyer call against its redis-py + pydantic baseline.

Both sides run in one process on one embedded server, call by call with the order alternating,
in rounds: the ratio (raw time / rapyer time, the median of the rounds' ratios of medians) is
what ``run.py`` reports for the row, without its other rows around it. To compare two trees,
run this script with ``PYTHONPATH=<tree>`` for each (the tree whose rapyer is measured; the
output names it) and alternate the runs.

Operations: ``get`` (async ``BenchUser.aget`` against ``JSON.GET`` on redis-py's own async
client) and ``find_keys_100`` (blocking ``BenchUser.find`` of 100 keys against ``JSON.MGET``),
each against ``PlainUser.model_validate_json`` of the same documents.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import redis
import redis.asyncio as aredis

import rapyer
from rapyer.testing import EmbeddedServer

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run.py's model and baseline
from run import BenchUser, PlainUser, rapyer_user  # noqa: E402

Timer = Callable[[], Awaitable[float]]  # one call of a side, returning its own seconds


def summary(walls: dict[str, list[float]]) -> str:
    """The median time per call of each side and the median of the rounds' ratios."""
    ratios = [raw / rap for raw, rap in zip(walls["raw"], walls["rapyer"], strict=True)]
    medians = {side: statistics.median(times) * 1e6 for side, times in walls.items()}
    return (
        f"raw {medians['raw']:.1f} µs, rapyer {medians['rapyer']:.1f} µs per call, "
        f"ratio {statistics.median(ratios):.3f} (raw / rapyer, {len(ratios)} rounds)"
    )


async def rounds_of(sides: dict[str, Timer], rounds: int, calls: int) -> str:
    """The summary of ``rounds`` rounds of ``calls`` calls of each side, the sides alternating
    call by call. Each side times its own call, so the awaiting here is not counted."""
    walls: dict[str, list[float]] = {side: [] for side in sides}
    order = list(sides.items())
    for n in range(rounds):
        times: dict[str, list[float]] = {side: [] for side in sides}
        for i in range(calls):
            shift = (n + i) % len(order)
            for side, timed in order[shift:] + order[:shift]:
                times[side].append(await timed())
        for side in sides:
            walls[side].append(statistics.median(times[side]))
    return summary(walls)


async def find_keys_100(url: str, rounds: int, calls: int) -> str:
    """Blocking ``BenchUser.find`` of 100 keys against ``JSON.MGET`` of the same keys."""
    raw = redis.Redis.from_url(url, decode_responses=True)
    models = [rapyer_user(i, f"ab-{i}") for i in range(100)]
    BenchUser.insert(*models)  # type: ignore[attr-defined]
    keys = [str(model.key) for model in models]
    load = PlainUser.model_validate_json

    async def raw_side() -> float:
        start = time.perf_counter()
        [load(doc) for doc in raw.execute_command("JSON.MGET", *keys, ".")]
        return time.perf_counter() - start

    async def rapyer_side() -> float:
        start = time.perf_counter()
        BenchUser.find(*keys)  # type: ignore[attr-defined]
        return time.perf_counter() - start

    try:
        return await rounds_of({"raw": raw_side, "rapyer": rapyer_side}, rounds, calls)
    finally:
        BenchUser.delete_many(*models)  # type: ignore[attr-defined]
        raw.close()


async def get(url: str, rounds: int, calls: int) -> str:
    """Async ``BenchUser.aget`` against ``JSON.GET`` on redis-py's own async client."""
    raw = aredis.Redis.from_url(url, decode_responses=True)
    model = rapyer_user(0, "ab-get")
    await model.asave()
    key = str(model.key)
    load = PlainUser.model_validate_json

    async def raw_side() -> float:
        start = time.perf_counter()
        load(await raw.execute_command("JSON.GET", key, "."))
        return time.perf_counter() - start

    async def rapyer_side() -> float:
        start = time.perf_counter()
        await BenchUser.aget(key)  # type: ignore[attr-defined]
        return time.perf_counter() - start

    try:
        return await rounds_of({"raw": raw_side, "rapyer": rapyer_side}, rounds, calls)
    finally:
        await model.adelete()
        await raw.aclose()


OPS = {"get": get, "find_keys_100": find_keys_100}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--op", choices=sorted(OPS), default="get")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=100, help="calls of each side per round")
    args = parser.parse_args(argv)
    with EmbeddedServer() as server:
        rapyer.init_rapyer_sync(redis=server.url)
        try:
            line = asyncio.run(OPS[args.op](server.url, args.rounds, args.calls))
        finally:
            rapyer.teardown_rapyer_sync()
    print(f"{args.op}: {line}; rapyer from {Path(rapyer.__file__).parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
