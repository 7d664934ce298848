"""``_codec.int_bounds``: the int range a field's ``Ge``/``Gt``/``Le``/``Lt`` constraints allow,
as ``int_increase.lua`` checks it on the server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from rapyer import AtomicRedisModel
from rapyer._codec import field_adapter, int_bounds


class IntBounded(AtomicRedisModel):
    plain: int = 0
    ge: int = Field(default=0, ge=0)
    gt: int = Field(default=1, gt=0)
    lt: int = Field(default=0, lt=10)
    both: int = Field(default=1, ge=1, le=3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain", ("", "")),
        ("ge", ("0", "")),
        ("gt", ("1", "")),
        ("lt", ("", "9")),
        ("both", ("1", "3")),
    ],
)
def test_bounds_of_each_constraint(name: str, expected: tuple[str, str]) -> None:
    assert int_bounds(IntBounded, name) == expected


@given(st.sampled_from(["ge", "gt", "lt", "both"]), st.integers(-20, 20))
def test_an_int_is_within_the_bounds_exactly_when_the_field_accepts_it(name: str, n: int) -> None:
    try:
        field_adapter(IntBounded, name).validate_python(n)
        accepted = True
    except ValidationError:
        accepted = False
    low, high = int_bounds(IntBounded, name)
    assert ((low == "" or n >= int(low)) and (high == "" or n <= int(high))) == accepted
