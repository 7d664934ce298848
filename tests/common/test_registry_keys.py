"""The fast path of ``_registry.class_for_key`` (the usual ``prefix:pk`` key of a registered
prefix) agrees with the general path (``split_key`` and the lookup): the same class, or the
same error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import AtomicRedisModel, _registry
from rapyer._keys import split_key
from rapyer.errors import RapyerModelDoesntExistError
from tests.fast_path_keys import KEYS
from tests.models import User

# the shared hostile keys, and keys of the registry's own cases (prefix and pk around the ":")
keys = KEYS | st.one_of(
    st.text(max_size=8).map(lambda pk: "User" + pk),
    st.sampled_from([":User", "User::", "User:lock", "User::lock", "{User:x"]),
)


def _general(key: Any) -> tuple[str, Any]:
    try:
        prefix, _ = split_key(key)
    except Exception as exc:
        return "raised", type(exc)
    cls = _registry.by_prefix(prefix)
    return ("ok", cls) if cls is not None else ("raised", RapyerModelDoesntExistError)


def _fast(key: Any) -> tuple[str, Any]:
    try:
        return "ok", _registry.class_for_key(key)
    except Exception as exc:
        return "raised", type(exc)


# the edges of the fast path's checks, always tried: empty pk, lock key, tag, unknown prefix
EDGES = ["User:", "User::", "User:lock", "User:x:lock", ":User", "{User:x", "{User:x}", "Nope:x"]


@given(keys)
def test_class_for_key_is_the_general_lookup(key: Any) -> None:
    assert _fast(key) == _general(key)


@pytest.mark.parametrize("key", EDGES)
def test_class_for_key_is_the_general_lookup_at_the_edges(key: Any) -> None:
    assert _fast(key) == _general(key)


def test_a_class_registered_later_is_found_and_an_unregistered_one_is_not() -> None:
    class LateRegistered(AtomicRedisModel):
        name: str = ""

    assert _registry.class_for_key("LateRegistered:x") is LateRegistered
    _registry.unregister(LateRegistered)
    with pytest.raises(RapyerModelDoesntExistError):
        _registry.class_for_key("LateRegistered:x")
    assert _registry.class_for_key("User:x") is User
