"""Properties of the key codec (no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import _keys
from rapyer.errors import InvalidKeyError

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
