"""Properties of the model <-> document codec (no I/O)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import AtomicRedisModel, RedisConfig, _codec
from rapyer.errors import (
    CantSerializeRedisValueError,
    CorruptedModelError,
    RapyerSerializationError,
)
from tests.models import Color, Everything, Level

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
floats = st.floats(allow_nan=False, allow_infinity=False)
# Stored ints are 64-bit (RedisJSON); larger ones are refused, see test_integrity_values.
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | floats | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)

# Every supported field type with a strategy of its values.
FIELD_TYPES: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "str": (str, texts),
    "int": (int, ints),
    "float": (float, floats),
    "bool": (bool, st.booleans()),
    "opt_int": (Optional[int], st.none() | ints),
    "uuid": (uuid.UUID, st.uuids()),
    "decimal": (decimal.Decimal, st.decimals(allow_nan=False, allow_infinity=False)),
    "date": (dt.date, st.dates()),
    "time": (dt.time, st.times()),
    "timedelta": (dt.timedelta, st.timedeltas()),
    "datetime": (dt.datetime, st.datetimes(timezones=st.just(dt.timezone.utc))),
    "naive_datetime": (dt.datetime, st.datetimes()),
    "enum": (Color, st.sampled_from(Color)),
    "int_enum": (Level, st.sampled_from(Level)),
    "bytes": (bytes, st.binary()),
    "tuple": (tuple[int, str], st.tuples(ints, texts)),
    "frozenset": (frozenset[int], st.frozensets(ints, max_size=5)),
    "list": (list[int], st.lists(ints, max_size=5)),
    "dict": (dict[str, float], st.dictionaries(texts, floats, max_size=5)),
    "nested_list": (
        list[dict[str, list[int]]],
        st.lists(st.dictionaries(texts, st.lists(ints, max_size=3), max_size=3), max_size=3),
    ),
    "any": (Any, json_values),
}

_classes: dict[tuple[str, ...], type[AtomicRedisModel]] = {}


def model_class(names: tuple[str, ...]) -> type[AtomicRedisModel]:
    """A model class with one field per name (built once per combination, unregistered)."""
    cls = _classes.get(names)
    if cls is None:
        namespace: dict[str, Any] = {
            "__annotations__": {f"f_{n}": FIELD_TYPES[n][0] for n in names},
            "__module__": __name__,
            "Meta": RedisConfig(init_with_rapyer=False),
        }
        cls = _classes[names] = type(f"Gen_{'_'.join(names)}", (AtomicRedisModel,), namespace)
    return cls


@st.composite
def generated_models(draw: st.DrawFn) -> AtomicRedisModel:
    names = tuple(
        sorted(draw(st.sets(st.sampled_from(sorted(FIELD_TYPES)), min_size=1, max_size=6)))
    )
    cls = model_class(names)
    values = {f"f_{n}": draw(FIELD_TYPES[n][1]) for n in names}
    return cls(**values)


@given(generated_models())
def test_generated_models_round_trip_exactly(model: AtomicRedisModel) -> None:
    text = _codec.dump_json(model)
    json.loads(text)  # valid JSON, no pickle
    loaded = _codec.load_model(type(model), text, f"{type(model).__name__}:{model.pk}")
    assert loaded.model_dump() == model.model_dump()
    assert loaded.pk == model.pk


@given(st.builds(Everything, s=texts, i=ints, f=floats, raw=st.binary()))
def test_everything_round_trips(model: Everything) -> None:
    loaded = _codec.load_model(Everything, _codec.dump_json(model), f"Everything:{model.pk}")
    assert loaded == model


def test_stored_form_is_plain_json() -> None:
    model = Everything(b=True, raw=b"\x00\x01", color=Color.BLUE, level=Level.HIGH, tup=(1, "a"))
    data = json.loads(model.redis_dump_json())
    assert data["b"] is True
    assert data["raw"] == "AAE="
    assert data["color"] == "blue" and data["level"] == 2 and data["tup"] == [1, "a"]
    assert model.redis_dump() == data


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "3", '"text"', "null"])
def test_undecodable_documents(raw: str) -> None:
    with pytest.raises(CantSerializeRedisValueError) as info:
        _codec.load_model(Everything, raw, "Everything:1")
    assert not isinstance(info.value, CorruptedModelError)


def test_invalid_document_is_corrupted_model_error() -> None:
    with pytest.raises(CorruptedModelError) as info:
        _codec.load_model(Everything, '{"i": "not an int"}', "Everything:1")
    assert info.value.key == "Everything:1"
    assert info.value.errors and info.value.errors[0]["loc"] == ("i",)
    assert isinstance(info.value, CantSerializeRedisValueError)


@given(value=st.integers() | st.floats())
def test_dump_refuses_exactly_the_numbers_json_cannot_hold(value) -> None:
    fits = value == value and abs(value) != float("inf")
    if isinstance(value, int):
        fits = -(2**63) <= value < 2**63
    model = Everything(i=value) if isinstance(value, int) else Everything(f=value)
    if fits:
        assert _codec.load_model(Everything, _codec.dump_json(model), "Everything:1") == model
    else:
        with pytest.raises(RapyerSerializationError):
            _codec.dump_json(model)


# The fast test of values JSON cannot hold (``_codec.suspect``) against its definition, the
# regex ``_codec._SUSPECT``: texts mixing digits, the constants' letters and JSON punctuation.
# Also: runs of 15-22 digits, 19 or more digits that are not one run (the digit count lets
# the regex run, which must still say no), and any text (non-ASCII, lone surrogates).
_suspect_texts = (
    st.text(alphabet='0123456789NaIfinty-.e:,[]{}" \u0663', max_size=60)
    | st.builds(
        lambda a, n, b: a + "1" * n + b,
        st.text(max_size=5),
        st.integers(15, 22),
        st.text(max_size=5),
    )
    | st.lists(st.text(alphabet="0123456789", min_size=1, max_size=19), min_size=2).map(
        lambda parts: "\u00e9".join(parts)
    )
    | st.text()
)


@given(text=_suspect_texts)
def test_fast_suspect_check_agrees_with_its_regex(text: str) -> None:
    assert _codec.suspect(text) == (_codec._SUSPECT.search(text) is not None)
