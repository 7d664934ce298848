"""Properties of the key codec (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import _keys, _layout
from rapyer.errors import InvalidKeyError
from tests.fast_path_keys import KEYS, general_outcome
from tests.models import User

prefixes = st.text(min_size=1).filter(lambda p: ":" not in p)
pks = st.text(min_size=1)


@given(prefixes, pks)
def test_build_then_split_round_trips(prefix: str, pk: str) -> None:
    key = _keys.build_key(prefix, pk)
    assert _keys.split_key(key) == (prefix, pk)
    assert _keys.pk_of(key) == pk


@given(prefixes, pks)
def test_full_key_is_idempotent(prefix: str, pk: str) -> None:
    key = _keys.full_key(prefix, pk)
    assert _keys.full_key(prefix, key) == key
    assert key.startswith(prefix + ":")


key_items = st.one_of(
    pks,
    pks.map(lambda pk: "P:" + pk),
    pks.map(lambda pk: "P:" + pk + "/save:lock"),
    st.builds(type("TextSub", (str,), {}), pks.map(lambda pk: "P:" + pk)),
    st.sampled_from([None, b"P:x"]),
)


@given(st.one_of(st.lists(pks.map(lambda pk: "P:" + pk)), st.lists(key_items, max_size=6)))
def test_full_keys_is_full_key_of_each(items: list[object]) -> None:
    """The list form (with its fast path for full keys only) gives ``full_key`` of each item,
    or raises what ``full_key`` raises for the first item it refuses (a lock key may be
    refused before an earlier item that is no text: both are InvalidKeyError)."""

    def outcome(resolve):
        try:
            return resolve(), None
        except InvalidKeyError as exc:
            return None, type(exc)

    fast = outcome(lambda: _keys.full_keys("P", items))
    general = outcome(lambda: [_keys.full_key("P", item) for item in items])  # type: ignore[arg-type]
    assert fast == general


@given(st.text())
def test_escape_glob_leaves_no_bare_glob_characters(text: str) -> None:
    escaped = _keys.escape_glob(text)
    i = 0
    unescaped = ""
    while i < len(escaped):
        if escaped[i] == "\\":
            unescaped += escaped[i + 1]
            i += 2
            continue
        assert escaped[i] not in "*?[]"
        unescaped += escaped[i]
        i += 1
    assert unescaped == text


@pytest.mark.parametrize("bad", ["", "nocolon", ":pk", "Prefix:", 5, None])
def test_malformed_keys_raise_invalid_key_error(bad: object) -> None:
    with pytest.raises(InvalidKeyError):
        _keys.split_key(bad)  # type: ignore[arg-type]


def test_lock_and_special_keys() -> None:
    assert _keys.lock_key("User:1", "default") == "User:1/default:lock"
    assert _keys.is_lock_key("User:1/default:lock")
    assert not _keys.is_lock_key("User:1")
    assert _keys.special_key("User:1", "a.b") == "__rapyer_special__:User:1:a.b"
    assert _keys.scan_pattern("Box[int]") == "Box\\[int\\]:*"


newline_keys = st.one_of(KEYS, st.text(max_size=6).map(lambda pk: "User:" + pk + "\nUser:x"))


@given(st.lists(newline_keys, max_size=6), st.sampled_from(["User:", "acct:", "{", ""]))
def test_all_start_with_is_startswith_of_each(keys: list[Any], head: str) -> None:
    expected = all(isinstance(key, str) and key.startswith(head) for key in keys)
    assert _keys.all_start_with(keys, head) is expected


@given(st.lists(newline_keys, max_size=6))
def test_usual_full_keys_are_what_full_keys_gives(keys: list[Any]) -> None:
    # the fast path of ``_layout.full_keys``: taken only for keys the general path keeps as
    # they are; the result is the same either way (or the same error)
    if _keys.usual_full_keys(keys, "User:"):
        assert [_layout.full_key(User, key) for key in keys] == keys
    assert general_outcome(_layout.full_keys, User, keys) == general_outcome(
        lambda cls, items: [_layout.full_key(cls, key) for key in items], User, keys
    )


@given(st.lists(newline_keys.filter(lambda key: isinstance(key, str)), max_size=6))
def test_keys_without_a_lock_key_are_told_apart(keys: list[str]) -> None:
    # the whole-reply test of SCAN replies (``may_hold_lock_keys``) never misses a lock key
    if not _keys.may_hold_lock_keys(keys):
        assert not any(_keys.is_lock_key(key) for key in keys)
    if any(_keys.is_lock_key(key) for key in keys):
        assert _keys.may_hold_lock_keys(keys)
    assert _keys.may_hold_lock_keys([*keys, b"x"])  # type: ignore[list-item]  # no text: each is tested
