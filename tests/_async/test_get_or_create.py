"""get_or_create: one Lua script, atomic under concurrency."""

from __future__ import annotations

import pytest

import rapyer
from rapyer.errors import (
    CantSerializeRedisValueError,
    CorruptedModelError,
    NestedModelError,
    UnsupportedArgumentTypeError,
)
from rapyer.results import GetOrCreateResult, GetOrCreateStatus
from tests import _io_async as io
from tests.models import Account, Address, Person, Ticket, User


async def test_creates_then_finds(redis_backend):
    account = Account(account_id="g1", balance=5)
    first = await Account.aget_or_create(account)
    assert isinstance(first, GetOrCreateResult)
    assert first.status is GetOrCreateStatus.CREATED and first.value is account
    assert first.status == "created"
    assert await Account.aget("g1") == account
    second = await Account.aget_or_create(Account(account_id="g1", balance=99))
    assert second.status is GetOrCreateStatus.FOUND and second.status == "found"
    assert second.value == account and second.value.balance == 5
    value, status = await rapyer.aget_or_create(Account(account_id="g1"))
    assert status is GetOrCreateStatus.FOUND and value.balance == 5
    user = User(name="u")
    assert (await rapyer.aget_or_create(user)).created
    assert (await rapyer.aget_or_create(user)).value == user


async def test_errors(redis_backend):
    person = Person(name="p", address=Address(city="Paris"))
    with pytest.raises(NestedModelError):
        await Address.aget_or_create(person.address)
    with pytest.raises(UnsupportedArgumentTypeError):
        await User.aget_or_create(Account(account_id="x"))
    with pytest.raises(UnsupportedArgumentTypeError):
        await rapyer.aget_or_create("User:1")
    redis_backend.execute_command("JSON.SET", "acct:bad", "$", '{"balance": "lots"}')
    with pytest.raises(CorruptedModelError):
        await Account.aget_or_create(Account(account_id="bad"))
    redis_backend.set("acct:plain", "x")
    with pytest.raises(CantSerializeRedisValueError):
        await Account.aget_or_create(Account(account_id="plain"))


async def test_script_reloads_after_a_flush(redis_backend):
    await Account.aget_or_create(Account(account_id="s1"))
    redis_backend.script_flush()
    result = await Account.aget_or_create(Account(account_id="s2"))
    assert result.created


async def test_concurrent_callers_create_exactly_once(redis_backend):
    callers = 40

    def caller(i):
        return lambda: Ticket.aget_or_create(Ticket(code="same", owner=f"owner{i}"))

    results = await io.gather_calls(*[caller(i) for i in range(callers)])
    created = [r for r in results if r.status is GetOrCreateStatus.CREATED]
    found = [r for r in results if r.status is GetOrCreateStatus.FOUND]
    assert len(created) == 1 and len(found) == callers - 1
    winner = created[0].value
    assert all(r.value == winner for r in found)
    assert await Ticket.aget("same") == winner
    assert 98 <= redis_backend.ttl(winner.key) <= 100


async def test_concurrent_callers_on_many_keys(redis_backend):
    def caller(i):
        return lambda: rapyer.aget_or_create(Ticket(code=f"k{i % 5}", owner=str(i)))

    results = await io.gather_calls(*[caller(i) for i in range(30)])
    created = [r.value.code for r in results if r.created]
    assert sorted(created) == [f"k{i}" for i in range(5)]
