"""The connection probe (``rapyer._probe``): its ``poll`` answer is what ``select`` answers
for the same socket, in every state an idle connection can be in."""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket

from hypothesis import given, settings
from hypothesis import strategies as st

from rapyer import _probe


def _select_says(sock: socket.socket) -> bool:
    """The general probe: readable (or an error) by ``select``."""
    try:
        readable, _, _ = select.select([sock.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class _Writer:
    """What the probe reads of an asyncio StreamWriter: ``get_extra_info("socket")``."""

    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> socket.socket | None:
        assert name == "socket"
        return self.sock


class _Connection:
    def __init__(self, writer: _Writer | None) -> None:
        self._writer = writer
        self._rapyer_probe = None


# What can happen to an idle connection between two commands, as steps on a socket pair
# (``ours`` is the connection's socket, ``theirs`` the server's end).
STEPS = st.lists(
    st.sampled_from(
        ["probe", "server_sends", "we_read", "server_closes", "we_close", "server_shuts_write"]
    ),
    max_size=12,
)


@given(steps=STEPS)
@settings(deadline=None)
def test_poll_probe_answers_what_select_answers(steps):
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    connection = _Connection(_Writer(ours))
    try:
        for step in steps + ["probe"]:
            if step == "server_sends" and theirs.fileno() >= 0:
                # our end may be closed, or the server's writes shut
                with contextlib.suppress(OSError):
                    theirs.send(b"+PONG\r\n")
            elif step == "we_read" and ours.fileno() >= 0:
                with contextlib.suppress(OSError):  # nothing to read
                    ours.recv(4096)
            elif step == "server_closes":
                theirs.close()
            elif step == "server_shuts_write" and theirs.fileno() >= 0:
                theirs.shutdown(socket.SHUT_WR)
            elif step == "we_close":
                ours.close()
            assert _probe._closed_or_dirty(connection) == _select_says(ours), (step, steps)
    finally:
        ours.close()
        theirs.close()


def test_new_writer_is_probed_on_its_own_socket():
    """A reconnect gives a new writer: the probe follows it, never the old socket."""
    first, first_peer = socket.socketpair()
    second, second_peer = socket.socketpair()
    try:
        connection = _Connection(_Writer(first))
        first_peer.send(b"stray")
        assert _probe._closed_or_dirty(connection)
        connection._writer = _Writer(second)
        assert not _probe._closed_or_dirty(connection)
        second_peer.close()
        assert _probe._closed_or_dirty(connection)
        connection._writer = None
        assert not _probe._closed_or_dirty(connection)
    finally:
        for each in (first, first_peer, second, second_peer):
            each.close()


def test_writer_without_socket_is_not_probed():
    assert not _probe._closed_or_dirty(_Connection(_Writer(None)))


def test_redis_py_health_check_is_skipped_only_where_it_does_nothing(monkeypatch):
    """redis-py's own ``check_health`` runs with a health-check interval; a connection class
    with its own ``check_health`` always has it called."""
    from redis.asyncio.connection import AbstractConnection, Connection

    calls: list[str] = []

    async def base_check(self):
        calls.append("base")

    class Counting(Connection):
        async def check_health(self):
            calls.append("own")

    plain_cls = _probe.probing_class(Connection)
    assert plain_cls._rapyer_plain_health
    assert not _probe.probing_class(Counting)._rapyer_plain_health
    monkeypatch.setattr(AbstractConnection, "check_health", base_check)

    async def run():
        # no writer: nothing to probe, nothing sent
        await plain_cls(health_check_interval=0).check_health()
        await plain_cls(health_check_interval=5).check_health()
        await _probe.probing_class(Counting)(health_check_interval=0).check_health()

    asyncio.run(run())
    assert calls == ["base", "own"]
