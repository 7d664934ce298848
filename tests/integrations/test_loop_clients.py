"""Each event loop's async client is closed with its loop: programs that run rapyer in many
loops, with ``-W error::ResourceWarning``, leave no warning and no connection behind.

Every program runs in a subprocess of this interpreter (warnings raised in ``__del__`` are only
printed, so the test reads stderr) and checks the server's connection count itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = textwrap.dedent(
    """
    import asyncio, gc, sys, threading, time

    import redis
    from asgiref.sync import async_to_sync

    import rapyer
    from rapyer import AtomicRedisModel


    class Note(AtomicRedisModel):
        title: str = ""
        tags: list[str] = []
        views: int = 0


    server, mode = sys.argv[1], sys.argv[2]
    cluster = "+cluster" in server
    checker = (redis.RedisCluster if cluster else redis.Redis).from_url(
        server.replace("+cluster", ""), decode_responses=True
    )
    url = server + "?client_name=loops"  # the connections of rapyer's clients, by name


    def connections() -> int:
        if cluster:  # one list per node
            per_node = checker.client_list(target_nodes=redis.RedisCluster.ALL_NODES)
            clients = [c for node_clients in per_node.values() for c in node_clients]
        else:
            clients = checker.client_list()
        return sum(1 for c in clients if c["name"] == "loops")


    def settles_at(count: int) -> bool:
        for _ in range(100):  # the server notices a closed socket a moment later
            if connections() == count:
                return True
            time.sleep(0.02)
        return False


    async def work(i: int) -> None:
        note = Note(title=f"n{i}")
        await note.asave()
        loaded = await Note.aget(note.key)
        await loaded.tags.aappend("x")
        await loaded.views.aincrease(2)
        async with loaded.apipeline() as piped:
            piped.title = "piped"
        if not cluster:  # a cluster's blocking client would open
            await asyncio.to_thread(Note.get, note.key)  # connections to more nodes
        assert (await Note.aget(note.key)).views == 2


    async def work_then_teardown(i: int) -> None:
        await work(i)
        await rapyer.teardown_rapyer()


    rapyer.init_rapyer_sync(redis=url)
    Note().save()  # the blocking client's connections stay open between the loops
    blocking = connections()
    assert blocking > 0
    for i in range(4):
        if mode == "asyncio.run":
            asyncio.run(work(i))
        elif mode == "async_to_sync":  # as Django runs an async view under WSGI
            async_to_sync(work)(i)
        elif mode == "threads":
            thread = threading.Thread(target=asyncio.run, args=(work(i),))
            thread.start()
            thread.join()
        elif mode == "teardown":
            asyncio.run(work_then_teardown(i))
            rapyer.init_rapyer_sync(redis=url)
        elif mode == "closed-without-shutdown":  # no shutdown_asyncgens before close
            loop = asyncio.new_event_loop()
            loop.run_until_complete(work(i))
            loop.close()
        gc.collect()
        if mode != "closed-without-shutdown":  # the loop's own connections are closed
            expected = 0 if mode == "teardown" else blocking
            assert settles_at(expected), f"loop {i}: {connections()} connections, not {expected}"
    rapyer.teardown_rapyer_sync()  # closes the sockets of loops closed without shutdown
    gc.collect()
    assert settles_at(0), f"{connections()} connections after teardown"
    checker.close()
    print("clean")
    """
)

MODES = ["asyncio.run", "async_to_sync", "threads", "teardown", "closed-without-shutdown"]


def _run(url: str, mode: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    program = tmp / "loops.py"
    program.write_text(PROGRAM, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", str(program), url, mode],
        cwd=tmp,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=180,
    )


def _assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "clean\n"
    assert "ResourceWarning" not in done.stderr, done.stderr
    assert "unclosed" not in done.stderr.lower(), done.stderr


@pytest.mark.parametrize("mode", MODES)
def test_loops_leave_no_unclosed_connection(mode: str, rapyer_bound: str, tmp_path: Path):
    _assert_clean(_run(rapyer_bound, mode, tmp_path))


@pytest.mark.cluster
@pytest.mark.parametrize("mode", ["asyncio.run", "closed-without-shutdown"])
def test_cluster_loops_leave_no_unclosed_connection(
    mode: str, rapyer_cluster_url: str, tmp_path: Path
):
    _assert_clean(_run(rapyer_cluster_url, mode, tmp_path))
