"""Configuration is resolved at call time, even though resolved values are cached (no I/O).

Every change that can affect a resolved value must be seen by the next call: an option set on a
class's Meta, a Meta replaced, a subclass created, the ``init_rapyer`` defaults changed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rapyer import AtomicRedisModel, RedisConfig
from rapyer import config as _config
from rapyer._binding import binding_of


@pytest.fixture(autouse=True)
def keep_init_defaults() -> Iterator[None]:
    saved = dict(_config._init_defaults)
    yield
    _config.reset_init_defaults()
    _config.set_init_defaults(saved)


class CcBase(AtomicRedisModel):
    class Meta:
        init_with_rapyer = False
        ttl = 10
        key_prefix = "ccb"

    name: str = ""


class CcChild(CcBase):
    Meta = RedisConfig(init_with_rapyer=False, batch_size=7)


def test_inheritance_and_not_inherited_options() -> None:
    assert _config.resolve(CcChild, "ttl") == 10
    assert _config.resolve(CcChild, "batch_size") == 7
    assert _config.resolve(CcBase, "batch_size") == 1000
    assert CcBase.class_key_initials() == "ccb"
    assert CcChild.class_key_initials() == "CcChild"  # key_prefix is not inherited


def test_option_assigned_on_meta_is_seen_by_the_next_call() -> None:
    assert _config.resolve(CcChild, "ttl") == 10
    CcBase.Meta.ttl = 20
    try:
        assert _config.resolve(CcBase, "ttl") == 20
        assert _config.resolve(CcChild, "ttl") == 20
        CcChild.Meta.ttl = 5
        assert _config.resolve(CcChild, "ttl") == 5
        assert _config.resolve(CcBase, "ttl") == 20
    finally:
        CcBase.Meta.ttl = 10
        CcChild.Meta = RedisConfig(init_with_rapyer=False, batch_size=7)
    assert _config.resolve(CcChild, "ttl") == 10


def test_replaced_meta_is_seen_by_the_next_call() -> None:
    assert _config.resolve(CcChild, "batch_size") == 7
    old = CcChild.Meta
    CcChild.Meta = RedisConfig(init_with_rapyer=False, batch_size=3)
    try:
        assert _config.resolve(CcChild, "batch_size") == 3
    finally:
        CcChild.Meta = old
    assert _config.resolve(CcChild, "batch_size") == 7


def test_init_defaults_are_seen_by_the_next_call() -> None:
    assert _config.resolve(CcBase, "lock_sleep") == 0.1
    _config.set_init_defaults({"lock_sleep": 0.5, "ttl": 99})
    assert _config.resolve(CcBase, "lock_sleep") == 0.5
    assert _config.resolve(CcBase, "ttl") == 10  # an explicit Meta value wins
    _config.reset_init_defaults()
    assert _config.resolve(CcBase, "lock_sleep") == 0.1


def test_subclass_created_later_resolves_through_its_parents() -> None:
    assert _config.resolve(CcBase, "ttl") == 10

    class CcLater(CcBase):
        Meta = RedisConfig(init_with_rapyer=False)

    assert _config.resolve(CcLater, "ttl") == 10
    CcBase.Meta.ttl = 11
    try:
        assert _config.resolve(CcLater, "ttl") == 11
    finally:
        CcBase.Meta.ttl = 10


def test_binding_follows_meta_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/1")
    assert binding_of(CcBase).source == "redis://127.0.0.1:1/1"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/2")
    assert binding_of(CcBase).source == "redis://127.0.0.1:1/2"  # read at each call
    CcBase.Meta.redis = "redis://127.0.0.1:1/3"
    try:
        assert binding_of(CcBase).source == "redis://127.0.0.1:1/3"
        assert binding_of(CcChild).source == "redis://127.0.0.1:1/3"
        _config.set_init_defaults({"redis": "redis://127.0.0.1:1/4"})
        assert binding_of(CcBase).source == "redis://127.0.0.1:1/3"
    finally:
        CcBase.Meta = RedisConfig(**{"init_with_rapyer": False, "ttl": 10, "key_prefix": "ccb"})
    assert binding_of(CcBase).source == "redis://127.0.0.1:1/4"


def test_option_unset_through_the_fields_set_is_seen_by_the_next_call() -> None:
    CcChild.Meta.ttl = 5
    try:
        assert _config.resolve(CcChild, "ttl") == 5
        CcChild.Meta.model_fields_set.discard("ttl")
        assert _config.resolve(CcChild, "ttl") == 10
    finally:
        CcChild.Meta = RedisConfig(init_with_rapyer=False, batch_size=7)


def test_special_fields_of_a_class_follow_its_attributes() -> None:
    class CcWithSet(AtomicRedisModel):
        Meta = RedisConfig(init_with_rapyer=False)
        members: set[str] = set()

    assert CcWithSet._class_special_fields() == [(("members",), True)]
    assert CcWithSet._class_special_fields() is CcWithSet._class_special_fields()  # cached
    CcWithSet.__rapyer_special_fields__ = ()
    assert CcWithSet._class_special_fields() == []
    CcWithSet.__rapyer_special_fields__ = ("members",)
    assert CcWithSet._special_read_commands("CcWithSet:1") == [
        ("SMEMBERS", "__rapyer_special__:CcWithSet:1:members")
    ]
