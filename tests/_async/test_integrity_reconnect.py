"""A server restart (issue 12, item 8): the first call afterwards succeeds in both APIs,
because a pooled connection the server closed is replaced before a command is sent on it;
a non-idempotent command is never sent twice."""

from __future__ import annotations

import pytest

import rapyer
from rapyer.testing import EmbeddedServer
from tests.integrity_models import IgCounter

RESTARTS = 5


class Restartable:
    """An embedded server of this test's own, restarted on the same port."""

    def __init__(self) -> None:
        self.server = EmbeddedServer()
        self.server.start()

    def restart(self) -> None:
        port = self.server.port
        self.server.stop()
        self.server = EmbeddedServer(port=port)
        self.server.start()


@pytest.fixture
def restartable():
    holder = Restartable()
    rapyer.init_rapyer_sync(redis=holder.server.url)
    yield holder
    rapyer.teardown_rapyer_sync()
    holder.server.stop()


async def test_first_calls_after_restarts_succeed_and_apply_once(restartable):
    counter = IgCounter()
    await counter.asave()
    await counter.n.aincrease(1)
    for _ in range(RESTARTS):
        restartable.restart()
        # the new server is empty: the first call must reach it, not fail on a dead socket
        assert not await IgCounter.aexists(counter.key)
        restartable.restart()
        await counter.asave()  # the first call after this restart is a write
        restartable.restart()
        await IgCounter(n=5).asave()  # a first call that creates a document
        restartable.restart()
        with pytest.raises(rapyer.errors.KeyNotFound):
            await counter.n.aincrease(1)  # the empty server has no document: sent once
        await counter.asave()
        assert await counter.n.aincrease(1) == counter.n
        assert (await IgCounter.aget(counter.key)).n == counter.n
