# GENERATED from tests/_async/test_integrity_values.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
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
def test_nan_and_infinities_are_refused_everywhere(redis_backend, bad):
    model = IgNumbers()
    model.save()
    before = redis_backend.execute_command("JSON.GET", model.key, "$")
    for build in (lambda: IgNumbers(f=bad), lambda: IgNumbers(maybe=bad)):
        with pytest.raises(RapyerSerializationError):
            build().save()
        with pytest.raises(RapyerSerializationError):
            rapyer.insert(build())
    with pytest.raises(RapyerSerializationError):
        model.update(f=bad)
    with pytest.raises(RapyerSerializationError):
        model.floats.append_now(bad)
    with pytest.raises(RapyerSerializationError):
        model.floats.extend_now([1.0, bad])
    with pytest.raises(RapyerSerializationError):
        model.f.increase_now(bad)
    model.f = bad
    with pytest.raises(RapyerSerializationError):
        model.f.save_now()
    with pytest.raises(RapyerSerializationError):
        model.save()
    fresh = IgNumbers.get(model.key)
    with pytest.raises(RapyerSerializationError):
        with fresh.pipeline() as piped:
            piped.maybe = bad
    assert redis_backend.execute_command("JSON.GET", model.key, "$") == before
    assert IgNumbers.get(model.key) == fresh


@pytest.mark.parametrize("bad", BAD_INTS)
def test_ints_outside_64_bits_are_refused_everywhere(redis_backend, bad):
    model = IgNumbers()
    model.save()
    before = redis_backend.execute_command("JSON.GET", model.key, "$")
    with pytest.raises(RapyerSerializationError):
        IgNumbers(i=bad).save()
    with pytest.raises(RapyerSerializationError):
        rapyer.insert(IgNumbers(ints={"x": bad}))
    with pytest.raises(RapyerSerializationError):
        model.update(i=bad)
    with pytest.raises(RapyerSerializationError):
        model.ints.set_item_now("x", bad)
    with pytest.raises(RapyerSerializationError):
        model.ints.update_now({"y": bad})
    with pytest.raises(RapyerSerializationError):
        model.i.increase_now(bad)
    assert redis_backend.execute_command("JSON.GET", model.key, "$") == before


def test_limits_themselves_are_stored_exactly(redis_backend):
    model = IgNumbers(i=2**63 - 1, ints={"lo": -(2**63), "hi": 2**63 - 1}, floats=[1e308])
    model.save()
    assert IgNumbers.get(model.key) == model


def test_text_that_looks_like_a_bad_number_is_fine(redis_backend):
    from tests.integrity_models import IgScores

    model = IgScores(scores={"NaN": 1, "Infinity": 2, "9" * 30: 3}, tags=["NaN", "1" * 25])
    model.save()
    assert IgScores.get(model.key) == model


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
def test_any_accepted_value_round_trips(redis_backend, model):
    model.save()
    assert IgNumbers.get(model.key) == model


def test_an_increase_beyond_the_fields_constraints_is_refused_before_sending(redis_backend):
    # ``Field(ge=0)`` and friends: an increase whose result the field would refuse raises
    # pydantic's ValidationError (as the in-place operators do) and sends nothing, so the
    # document stays readable; increases within the bounds apply.
    model = IgBounded()
    model.save()
    model = IgBounded.get(model.key)  # loaded: the top-level int takes the fast path
    before = redis_backend.execute_command("JSON.GET", model.key, "$")
    with pytest.raises(ValidationError):
        model.stock.increase_now(-1)
    assert model.stock.__dict__["_rapyer_spot"].checked  # the fast path knows it has bounds
    with pytest.raises(ValidationError):
        model.ratio.increase_now(0.75)
    with pytest.raises(ValidationError):
        model.inner.level.increase_now(3)
    assert redis_backend.execute_command("JSON.GET", model.key, "$") == before
    assert (model.stock, model.ratio, model.inner.level) == (0, 0.5, 1)
    assert model.stock.increase_now(2) == 2
    assert model.stock.increase_now(-2) == 0
    assert model.ratio.increase_now(0.5) == 1.0
    assert model.inner.level.increase_now(2) == 3
    fresh = IgBounded.get(model.key)
    assert (fresh.stock, fresh.ratio, fresh.inner.level) == (0, 1.0, 3)


def test_an_increase_of_a_number_changed_by_another_client_keeps_the_bounds(redis_backend):
    # The model holds 5; another client stored 0 (or 3 in the nested field): the increase
    # the model allows would leave the bounds on the server, which refuses it in the same
    # script; nothing changes and the document stays readable.
    model = IgBounded(stock=5)
    model.save()
    model = IgBounded.get(model.key)
    redis_backend.execute_command("JSON.SET", model.key, "$.stock", "0")
    redis_backend.execute_command("JSON.SET", model.key, "$.inner.level", "3")
    with pytest.raises(CantSerializeRedisValueError):
        model.stock.increase_now(-1)
    with pytest.raises(CantSerializeRedisValueError):
        model.inner.level.increase_now(1)
    fresh = IgBounded.get(model.key)
    assert (fresh.stock, fresh.inner.level) == (0, 3)
    assert model.stock.increase_now(2) == 2  # within the bounds: applied
