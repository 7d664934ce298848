"""Properties of bulk insert and find, and finding 10,000 models by SCAN in bounded memory."""

from __future__ import annotations

import time
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

import rapyer
from tests.models import Account, Order, Product, User

texts = st.text(max_size=12)
# RedisJSON does not round-trip every double: 2.5887714187366656e+79 comes back as
# 2.588771418736666e+79 and 1.17549435082e-38 as 1.1754943508200001e-38. Generated floats stay
# in a range it stores exactly.
finite = st.integers(min_value=-(10**12), max_value=10**12).map(lambda i: i / 1000)
ints = st.integers(min_value=-(2**53), max_value=2**53)
users = st.builds(User, name=texts, age=ints, email=texts, tags=st.lists(texts, max_size=3))
products = st.builds(Product, name=texts, price=finite, in_stock=st.booleans())
orders = st.builds(Order, user_id=texts, quantity=ints, total=finite)
accounts = st.builds(
    Account,
    account_id=st.text(min_size=1, max_size=8).filter(lambda s: not s.endswith(":lock")),
    balance=ints,
)
model_lists = st.lists(st.one_of(users, products, orders, accounts), max_size=12)
CLASSES = (User, Product, Order, Account)


def _by_key(models):
    return {m.key: m for m in models}


@given(models=model_lists)
async def test_inserted_models_are_found_exactly(redis_backend, models):
    redis_backend.flushdb()
    assert await rapyer.ainsert(*models) == models
    expected = {}
    for model in models:  # a repeated key: the last model wins
        expected[model.key] = model
    for cls in CLASSES:
        wanted = {key: m for key, m in expected.items() if type(m) is cls}
        found = await cls.afind()
        assert len(found) == len(wanted)
        assert _by_key(found) == wanted
        streamed = [m async for m in cls.aiterator(batch_size=3)]
        assert len(streamed) == len(wanted)
        assert _by_key(streamed) == wanted
        assert await cls.acount() == len(wanted)
    keys = [model.key for model in models]
    assert await rapyer.afind(*keys) == [expected[key] for key in keys]


@given(models=st.lists(users, max_size=12), data=st.data())
async def test_class_find_by_keys_keeps_order_and_slices(redis_backend, models, data):
    redis_backend.flushdb()
    await User.ainsert(*models)
    keys = []
    if models:
        keys = data.draw(st.lists(st.sampled_from([m.key for m in models]), max_size=8))
    offset = data.draw(st.integers(min_value=0, max_value=4))
    limit = data.draw(st.none() | st.integers(min_value=0, max_value=4))
    by_key = _by_key(models)
    expected = [by_key[key] for key in keys]
    end = None if limit is None else offset + limit
    found = await User.afind(*keys, offset=offset, max_results=limit)
    if keys:
        assert found == expected[offset:end]
    else:  # no keys: every stored model, sliced
        assert len(found) == len(list(by_key)[offset:end])


async def test_ten_thousand_models_are_found_by_scan_in_bounded_memory(backend):
    count = 10_000
    models = [User(name=f"user{i}", age=i, email=f"u{i}@example.com") for i in range(count)]
    started = time.perf_counter()
    await User.ainsert(*models)
    insert_seconds = time.perf_counter() - started
    backend.config_resetstat()

    started = time.perf_counter()
    found = await User.afind()
    find_seconds = time.perf_counter() - started
    assert len(found) == count
    assert {m.key for m in found} == {m.key for m in models}
    del found
    stats = backend.info("commandstats")
    assert "cmdstat_keys" not in stats
    assert stats["cmdstat_json.mget"]["calls"] == count // 1000

    tracemalloc.start()
    try:
        streamed = 0
        async for _ in User.aiterator(batch_size=500):
            streamed += 1
        _, iterator_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        everything = await User.afind()
        _, find_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert streamed == count and len(everything) == count
    # Streaming holds one batch (500 models), a full find holds all 10,000.
    assert iterator_peak * 5 < find_peak
    print(
        f"\n10,000 models: insert {insert_seconds:.2f} s, find {find_seconds:.2f} s, "
        f"peak memory streaming {iterator_peak / 1e6:.1f} MB vs find {find_peak / 1e6:.1f} MB"
    )
