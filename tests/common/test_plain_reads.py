"""The fast path of reading one document (``_commands.plain_read_head`` /
``plain_get``) agrees with the general path: the same key as ``full_keys`` or
``None`` (general path, which raises for refused keys), and only for classes whose read is
the single ``JSON.GET key .``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import AtomicRedisModel, RedisConfig, _commands, _keys, _layout
from rapyer._binding import binding_of
from rapyer.fields import RapyerKey
from tests.fast_path_keys import KEYS, general_outcome
from tests.models import Account, Session, Stash, User


class TaggedReads(AtomicRedisModel):
    Meta = RedisConfig(cluster_keys=True, init_with_rapyer=False)

    name: str = ""


CLASSES = [User, Account, Session, Stash, TaggedReads]


@given(st.sampled_from(CLASSES), KEYS)
def test_plain_get_is_full_keys_or_none(cls: type[Any], key: Any) -> None:
    plain = _commands.plain_get(cls, key)
    if plain is None:
        return
    fast, binding = plain
    assert binding is binding_of(cls)
    assert not binding.is_cluster
    outcome, general = general_outcome(_commands.full_keys, cls, key)
    assert outcome == "ok", (key, general)
    assert fast == general
    assert type(fast) is str
    # the pk the fast get gives its model (``model_ops.aget``) is the general one
    assert fast.partition(_keys.SEPARATOR)[2] == _keys.pk_of(general)


@pytest.mark.parametrize("key", ["abc", "User:abc", "User:a:b", ""])
def test_usual_keys_of_a_plain_class_take_the_fast_path(key: str) -> None:
    assert _commands.plain_get(User, key) == (_layout.full_key(User, key), binding_of(User))


@pytest.mark.parametrize(
    "cls",
    [Session, Stash, TaggedReads],  # TTL, a special (set) field, the cluster layout
)
def test_other_reads_take_the_general_path(cls: type[Any]) -> None:
    assert _commands.plain_read_head(cls) is None
    assert _commands.plain_get(cls, "abc") is None


def test_a_ttl_assigned_later_leaves_the_fast_path() -> None:
    class LateTtl(AtomicRedisModel):
        class Meta:
            init_with_rapyer = False

        name: str = ""

    assert _commands.plain_read_head(LateTtl) == "LateTtl:"
    LateTtl.Meta.ttl = 30  # type: ignore[attr-defined]
    try:
        assert _commands.plain_read_head(LateTtl) is None
        assert _commands.plain_get(LateTtl, "x") is None
    finally:
        LateTtl.Meta.ttl = None  # type: ignore[attr-defined]
    assert _commands.plain_read_head(LateTtl) == "LateTtl:"
    assert _commands.plain_get(LateTtl, "x") == ("LateTtl:x", binding_of(LateTtl))


@pytest.mark.parametrize("key", [":lock", "x:lock", "User:x:lock", "{User:x}", None, b"x", 7])
def test_refused_or_unusual_keys_take_the_general_path(key: Any) -> None:
    assert _commands.plain_get(User, key) is None


def test_a_rapyer_key_takes_the_fast_path_as_its_text() -> None:
    plain = _commands.plain_get(User, RapyerKey("User:abc"))
    assert plain is not None
    assert type(plain[0]) is str
    assert plain[0] == "User:abc"
