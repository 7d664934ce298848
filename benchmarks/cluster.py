#!/usr/bin/env python3
"""rapyer on a 3-primary Redis Cluster beside the same calls on one server.

Usage (from the repository root, in a venv with ``pip install -e ".[server]"``)::

    python benchmarks/cluster.py            # 9 rounds, about 30 s with start-up
    python benchmarks/cluster.py --rounds 3

Starts an ``EmbeddedServer`` and an ``EmbeddedCluster`` (3 primaries, no replicas) from
``rapyer.testing`` and times, on each, in interleaved rounds (both APIs):

- ``insert``: ``Model.insert`` of 1,000 new models (one transaction on the server; one
  transaction per slot, all of a node's slots in one pipeline, on the cluster);
- ``find all``: ``Model.find()`` of those 1,000 models (SCAN + ``JSON.MGET``; SCAN of every
  primary + ``JSON.MGET`` per slot);
- ``find by keys``: ``Model.find(*keys)`` of the 1,000 keys.

Each round opens new clients (the async side runs in a new event loop); a find of the empty
model opens their connections first, so the rows time the calls, not the connection set-up.
It reports the median time of each side and ``cluster / server`` (1.0 = as fast; the goal for
``insert`` is <= 2.0), plus the cluster's start-up time. Results go to
``benchmarks/results/cluster.json`` and ``cluster.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rapyer
from rapyer import AtomicRedisModel
from rapyer.testing import EmbeddedCluster, EmbeddedServer

N = 1000
RESULTS = Path(__file__).resolve().parent / "results"


class BenchPlayer(AtomicRedisModel):
    name: str = ""
    score: int = 0
    level: float = 1.0
    tags: list[str] = []


def _models() -> list[BenchPlayer]:
    return [BenchPlayer(name=f"p{i}", score=i, tags=["a", "b"]) for i in range(N)]


def _bind(url: str) -> None:
    rapyer.teardown_rapyer_sync()
    BenchPlayer.Meta.redis = url


def _time_sync(url: str) -> dict[str, float]:
    _bind(url)
    models = _models()
    BenchPlayer.find()  # opens the connections (every node of a cluster) before the timings
    start = time.perf_counter()
    BenchPlayer.insert(*models)
    insert = time.perf_counter() - start
    start = time.perf_counter()
    found = BenchPlayer.find()
    find_all = time.perf_counter() - start
    keys = [model.key for model in models]
    start = time.perf_counter()
    by_keys = BenchPlayer.find(*keys)
    find_keys = time.perf_counter() - start
    assert len(found) == N and len(by_keys) == N, (len(found), len(by_keys))
    BenchPlayer.delete_many(*keys)
    return {"insert": insert, "find all": find_all, "find by keys": find_keys}


async def _time_async(url: str) -> dict[str, float]:
    _bind(url)
    models = _models()
    await BenchPlayer.afind()  # opens the connections (every node of a cluster) first
    start = time.perf_counter()
    await BenchPlayer.ainsert(*models)
    insert = time.perf_counter() - start
    start = time.perf_counter()
    found = await BenchPlayer.afind()
    find_all = time.perf_counter() - start
    keys = [model.key for model in models]
    start = time.perf_counter()
    by_keys = await BenchPlayer.afind(*keys)
    find_keys = time.perf_counter() - start
    assert len(found) == N and len(by_keys) == N, (len(found), len(by_keys))
    await BenchPlayer.adelete_many(*keys)
    await rapyer.teardown_rapyer()
    return {"insert": insert, "find all": find_all, "find by keys": find_keys}


def _rounds(run: Callable[[str], dict[str, float]], server: str, cluster: str, n: int) -> Any:
    times: dict[str, dict[str, list[float]]] = {"server": {}, "cluster": {}}
    run(server)  # warm-up: connections, scripts
    run(cluster)
    for index in range(n):
        order = [("server", server), ("cluster", cluster)]
        for side, url in order if index % 2 == 0 else reversed(order):
            for op, seconds in run(url).items():
                times[side].setdefault(op, []).append(seconds)
    return {
        op: {
            "server_ms": statistics.median(times["server"][op]) * 1000,
            "cluster_ms": statistics.median(times["cluster"][op]) * 1000,
        }
        for op in times["server"]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with EmbeddedServer() as server, EmbeddedCluster(primaries=3) as cluster:
        results: dict[str, Any] = {"startup_s": cluster.startup_seconds, "models": N}
        results["blocking"] = _rounds(_time_sync, server.url, cluster.url, args.rounds)
        results["async"] = _rounds(
            lambda url: asyncio.run(_time_async(url)), server.url, cluster.url, args.rounds
        )
    BenchPlayer.Meta.redis = None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cluster.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"# rapyer on a 3-primary cluster vs one server ({N} models, median of "
        f"{args.rounds} rounds)",
        "",
        f"Cluster start-up: {results['startup_s']:.2f} s.",
        "",
        "| API | operation | one server | cluster | cluster / server |",
        "|---|---|---|---|---|",
    ]
    for api in ("async", "blocking"):
        for op, row in results[api].items():
            ratio = row["cluster_ms"] / row["server_ms"]
            lines.append(
                f"| {api} | {op} | {row['server_ms']:.1f} ms | {row['cluster_ms']:.1f} ms "
                f"| {ratio:.2f} |"
            )
    text = "\n".join(lines) + "\n"
    (RESULTS / "cluster.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
