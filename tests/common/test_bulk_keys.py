"""The class of each key of the module-level ``find`` (``_bulk.global_classes``): its fast
path for keys of one prefix gives what ``_registry.class_for_key`` gives key by key, and
raises the same error for the same first bad key."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import _bulk, _registry
from tests.models import Account, User  # noqa: F401  (registers the prefixes "User", "acct")

pks = st.text(max_size=6)
keys = st.one_of(
    pks.map(lambda pk: "User:" + pk),
    pks.map(lambda pk: "acct:" + pk),
    pks.map(lambda pk: "{User:" + pk + "}"),
    pks.map(lambda pk: "User:" + pk + ":lock"),
    pks.map(lambda pk: "User:" + pk + "/save:lock"),
    pks.map(lambda pk: "Nobody:" + pk),
    st.sampled_from(["User:", "User", ":x", "", "User::", "{User:x", "User:{x}", "User:lock"]),
    st.builds(type("TextSub", (str,), {}), pks.map(lambda pk: "User:" + pk)),
    st.sampled_from([None, b"User:x", 7]),
)
user_keys = st.lists(pks.map(lambda pk: "User:" + pk), min_size=1, max_size=6)
# keys of one prefix (the fast path) with one other key after the first
one_odd = st.tuples(user_keys, keys, st.integers(1, 6)).map(
    lambda t: [*t[0][: t[2]], t[1], *t[0][t[2] :]]
)
key_lists = st.one_of(user_keys, one_odd, st.lists(keys, max_size=5))


def _outcome(resolve: Any, key_list: list[Any]) -> tuple[str, Any]:
    try:
        return "ok", resolve(key_list)
    except Exception as exc:
        return "raised", (type(exc), str(exc))


@given(key_lists)
def test_global_classes_is_class_for_key_of_each_key(key_list: list[Any]) -> None:
    general = _outcome(lambda ks: [_registry.class_for_key(k) for k in ks], key_list)
    assert _outcome(_bulk.global_classes, key_list) == general


@pytest.mark.parametrize(
    "key_list",
    [
        ["User:a", "User:b/save:lock"],
        ["{User:a}", "{User:b"],
        ["{User:a}", "{User:b}"],
        ["User:a", "User:"],
        ["User:a", "Users:b"],
        ["User:a", b"User:b"],
    ],
)
def test_odd_keys_after_a_good_one(key_list: list[Any]) -> None:
    general = _outcome(lambda ks: [_registry.class_for_key(k) for k in ks], key_list)
    assert _outcome(_bulk.global_classes, key_list) == general


@pytest.mark.parametrize(
    "key_list",
    [["User:a", "User:b:c"], ["acct:1", "acct:2"]],
)
def test_keys_of_one_prefix_take_one_class(key_list: list[str]) -> None:
    assert _bulk.global_classes(key_list) == [_registry.class_for_key(key_list[0])] * 2
