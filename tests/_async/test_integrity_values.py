"""Values JSON cannot hold exactly (NaN, ±inf, ints outside [-2**63, 2**63)) raise
RapyerSerializationError before anything is sent (issue 12, item 4); every value a model
accepts round-trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import rapyer
from rapyer.errors import CantSerializeRedisValueError, RapyerSerializationError
from tests.integrity_models import IgBounded, IgNumbers

BAD_FLOATS = [math.nan, math.inf, -math.inf]
BAD_INTS = [2**63, -(2**63) - 1, 10**30]


@pytest.mark.parametrize("bad", BAD_FLOATS)
async def test_nan_and_infinities_are_refused_everywhere(redis_backend, bad):
    model = IgNumbers()
    await model.asave()
    before = redis_backend.execute_command("JSON.GET", model.key, "$")
    for build in (lambda: IgNumbers(f=bad), lambda: IgNumbers(maybe=bad)):
        with pytest.raises(RapyerSerializationError):
            await build().asave()
        with pytest.raises(RapyerSerializationError):
            await rapyer.ainsert(build())
    with pytest.raises(RapyerSerializationError):
        await model.aupdate(f=bad)
    with pytest.raises(RapyerSerializationError):
        await model.floats.aappend(bad)
    with pytest.raises(RapyerSerializationError):
        await model.floats.aextend([1.0, bad])  # sync: aextend=extend_now
    with pytest.raises(RapyerSerializationError):
        await model.f.aincrease(bad)
    model.f = bad
    with pytest.raises(RapyerSerializationError):
        await model.f.asave()  # sync: asave=save_now
    with pytest.raises(RapyerSerializationError):
        await model.asave()
    fresh = await IgNumbers.aget(model.key)
    with pytest.raises(RapyerSerializationError):
        async with fresh.apipeline() as piped:
            piped.maybe = bad
    assert redis_backend.execute_command("JSON.GET", model.key, "$") == before
    assert await IgNumbers.aget(model.key) == fresh


@pytest.mark.parametrize("bad", BAD_INTS)
async def test_ints_outside_64_bits_are_refused_everywhere(redis_backend, bad):
    model = IgNumbers()
    await model.asave()
    before = redis_backend.execute_command("JSON.GET", model.key, "$")
    with pytest.raises(RapyerSerializationError):
        await IgNumbers(i=bad).asave()
    with pytest.raises(RapyerSerializationError):
        await rapyer.ainsert(IgNumbers(ints={"x": bad}))
    with pytest.raises(RapyerSerializationError):
        await model.aupdate(i=bad)
    with pytest.raises(RapyerSerializationError):
        await model.ints.aset_item("x", bad)
    with pytest.raises(RapyerSerializationError):
        await model.ints.aupdate({"y": bad})  # sync: aupdate=update_now
    with pytest.raises(RapyerSerializationError):
        await model.i.aincrease(bad)
    assert redis_backend.execute_command("JSON.GET", model.key, "$") == before


async def test_limits_themselves_are_stored_exactly(redis_backend):
    model = IgNumbers(i=2**63 - 1, ints={"lo": -(2**63), "hi": 2**63 - 1}, floats=[1e308])
    await model.asave()
    assert await IgNumbers.aget(model.key) == model


async def test_text_that_looks_like_a_bad_number_is_fine(redis_backend):
    from tests.integrity_models import IgScores

    model = IgScores(scores={"NaN": 1, "Infinity": 2, "9" * 30: 3}, tags=["NaN", "1" * 25])
    await model.asave()
    assert await IgScores.aget(model.key) == model


# RedisJSON does not print every double back exactly (see test_bulk_properties): generated
# floats stay in a range it stores exactly.
floats = st.integers(min_value=-(10**12), max_value=10**12).map(lambda i: i / 1000)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
numbers = st.builds(
    IgNumbers,
    i=ints,
    f=floats,
    maybe=st.none() | floats,
    floats=st.lists(floats, max_size=3),
    ints=st.dictionaries(st.text(max_size=4), ints, max_size=3),
)


@given(model=numbers)
async def test_any_accepted_value_round_trips(redis_backend, model):
    await model.asave()
    assert await IgNumbers.aget(model.key) == model


async def test_an_increase_beyond_the_fields_constraints_is_refused_before_sending(redis_backend):
    # ``Field(ge=0)`` and friends: an increase whose result the field would refuse raises
    # pydantic's ValidationError (as the in-place operators do) and sends nothing, so the
    # document stays readable; increases within the bounds apply.
    model = IgBounded()
    await model.asave()
    model = await IgBounded.aget(model.key)  # loaded: the top-level int takes the fast path
    before = redis_backend.execute_command("JSON.GET", model.key, "$")
    with pytest.raises(ValidationError):
        await model.stock.aincrease(-1)
    assert model.stock.__dict__["_rapyer_spot"].checked  # the fast path knows it has bounds
    with pytest.raises(ValidationError):
        await model.ratio.aincrease(0.75)
    with pytest.raises(ValidationError):
        await model.inner.level.aincrease(3)
    assert redis_backend.execute_command("JSON.GET", model.key, "$") == before
    assert (model.stock, model.ratio, model.inner.level) == (0, 0.5, 1)
    assert await model.stock.aincrease(2) == 2
    assert await model.stock.aincrease(-2) == 0
    assert await model.ratio.aincrease(0.5) == 1.0
    assert await model.inner.level.aincrease(2) == 3
    fresh = await IgBounded.aget(model.key)
    assert (fresh.stock, fresh.ratio, fresh.inner.level) == (0, 1.0, 3)


async def test_an_increase_of_a_number_changed_by_another_client_keeps_the_bounds(redis_backend):
    # The model holds 5; another client stored 0 (or 3 in the nested field): the increase
    # the model allows would leave the bounds on the server, which refuses it in the same
    # script; nothing changes and the document stays readable.
    model = IgBounded(stock=5)
    await model.asave()
    model = await IgBounded.aget(model.key)
    redis_backend.execute_command("JSON.SET", model.key, "$.stock", "0")
    redis_backend.execute_command("JSON.SET", model.key, "$.inner.level", "3")
    with pytest.raises(CantSerializeRedisValueError):
        await model.stock.aincrease(-1)
    with pytest.raises(CantSerializeRedisValueError):
        await model.inner.level.aincrease(1)
    fresh = await IgBounded.aget(model.key)
    assert (fresh.stock, fresh.inner.level) == (0, 3)
    assert await model.stock.aincrease(2) == 2  # within the bounds: applied
