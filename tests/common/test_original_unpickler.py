"""The restricted unpickler of the original rapyer's format (no I/O): values of the declared
type come back for every pickle protocol, anything else is refused without running or
importing anything."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import pickle
import sys
import uuid
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ConfigDict, TypeAdapter

from rapyer import _original
from rapyer.errors import CantSerializeRedisValueError


class Shade(enum.Enum):
    DARK = "dark"
    LIGHT = "light"


class Bits(enum.IntFlag):
    A = 1
    B = 2


def _b64(value: Any, protocol: int) -> str:
    return base64.b64encode(pickle.dumps(value, protocol=protocol)).decode()


VALUES = st.one_of(
    st.tuples(st.just(bool), st.booleans()),
    st.tuples(st.just(uuid.UUID), st.uuids()),
    st.tuples(st.just(dt.date), st.dates()),
    st.tuples(
        st.just(dt.datetime), st.datetimes(timezones=st.sampled_from([None, dt.timezone.utc]))
    ),
    st.tuples(st.just(dt.time), st.times()),
    st.tuples(st.just(dt.timedelta), st.timedeltas()),
    st.tuples(st.just(decimal.Decimal), st.decimals(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just(Shade), st.sampled_from(Shade)),
    st.tuples(st.just(Bits), st.sampled_from([Bits.A, Bits.B, Bits.A | Bits.B])),
    st.tuples(st.just(tuple[int, str]), st.tuples(st.integers(), st.text())),
    st.tuples(st.just(frozenset[int]), st.frozensets(st.integers())),
    st.tuples(st.just(Optional[bool]), st.none() | st.booleans()),  # noqa: UP045
    st.tuples(st.just(bytes), st.binary()),
)


@given(VALUES, st.sampled_from([2, 3, 4, 5]))
def test_values_of_the_declared_type_come_back(case, protocol):
    annotation, value = case
    revived, changed = _original.revive_value(annotation, _b64(value, protocol))
    assert changed
    adapter = TypeAdapter(annotation, config=ConfigDict(val_json_bytes="base64"))
    assert adapter.validate_json(_json(revived)) == value


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def test_plain_text_is_never_decoded_where_text_is_the_value():
    text = _b64(True, 4)
    assert _original.revive_value(str, text) == (text, False)
    assert _original.revive_value(bool, "true") == ("true", False)
    assert _original.revive_value(uuid.UUID, str(uuid.UUID(int=3))) == (
        str(uuid.UUID(int=3)),
        False,
    )


def _global_pickle(module: str, name: str) -> bytes:
    # protocol 2: PROTO 2, GLOBAL module name, EMPTY_TUPLE, REDUCE, STOP
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n)R."


def test_globals_outside_the_type_are_refused_without_importing():
    assert "antigravity" not in sys.modules
    for module, name in (("os", "system"), ("antigravity", "fly"), ("builtins", "eval")):
        with pytest.raises(CantSerializeRedisValueError):
            _original.unpickle(_global_pickle(module, name), _original.allowed_globals(bool))
    assert "antigravity" not in sys.modules
    text = base64.b64encode(_global_pickle("os", "system")).decode()
    with pytest.raises(CantSerializeRedisValueError):
        _original.revive_value(bool, text)
    assert _original.revive_value(Any, text) == (text, False)  # text is a valid value there


def test_another_class_than_the_declared_one_is_refused():
    with pytest.raises(CantSerializeRedisValueError):
        _original.revive_value(Shade, _b64(decimal.Decimal("1"), 4))
    with pytest.raises(CantSerializeRedisValueError):
        _original.revive_value(bool, _b64(uuid.UUID(int=1), 4))
    with pytest.raises(CantSerializeRedisValueError):  # allowed builtin, wrong type
        _original.revive_value(uuid.UUID, _b64(3, 4))


def test_malformed_and_trailing_data_are_refused():
    good = pickle.dumps(True, protocol=4)
    with pytest.raises(CantSerializeRedisValueError):
        _original.unpickle(good + b"\x88.", {})
    with pytest.raises(CantSerializeRedisValueError):
        _original.unpickle(good[:-2] + b".", {})
    with pytest.raises(CantSerializeRedisValueError):
        _original.unpickle(b"\x80\x04P0\n.", {})  # persistent id
    assert _original.pickled_payload("not base64!") is None
    assert _original.pickled_payload(base64.b64encode(b"\x80\x09x.").decode()) is None


def test_bytes_are_unwrapped_only_when_they_are_a_whole_pickle_of_bytes():
    assert _original.is_original_bytes(pickle.dumps(b"abc", protocol=4)) == b"abc"
    assert _original.is_original_bytes(pickle.dumps("abc", protocol=4)) is None
    assert _original.is_original_bytes(b"\x80\x04plain") is None
