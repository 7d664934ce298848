"""The fast paths of the lock (``rapyer._lock``) agree with the general path: the options and
key of a class (``class_lock_defaults``, ``plain_lock_target``) are what the Meta options and
``_layout.full_key`` give, and ``document_save_args`` takes only the document commands of a
save (the server-side agreement of the two scripts: ``tests/_async/test_lock_fast_paths.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import AtomicRedisModel, _layout, _lock
from rapyer import config as _config
from tests.document_commands import NOT_DOCUMENT_COMMANDS
from tests.fast_path_keys import KEYS, general_outcome
from tests.models import Account, LockCounter, LockTuned, Pinned, Session, User

CLASSES = [User, Account, Session, Pinned, LockCounter, LockTuned]


@given(st.sampled_from(CLASSES), KEYS)
def test_plain_lock_target_is_full_key_or_none(cls: type[Any], key: Any) -> None:
    fast = _lock.plain_lock_target(cls, key)
    if fast is None:
        return
    outcome, general = general_outcome(_layout.full_key, cls, key)
    assert outcome == "ok", (key, general)
    assert fast == general
    assert type(fast) is str


@pytest.mark.parametrize("key", ["abc", "User:abc", "User:a:b", ""])
def test_usual_keys_of_a_plain_class_take_the_fast_path(key: str) -> None:
    assert _lock.plain_lock_target(User, key) == _layout.full_key(User, key)


def test_the_cluster_layout_takes_the_general_path() -> None:
    assert _lock.plain_lock_target(Pinned, "abc") is None


@pytest.mark.parametrize("cls", CLASSES)
def test_class_lock_defaults_are_the_meta_options(cls: type[Any]) -> None:
    lease, blocking, sleep, _ = _lock.class_lock_defaults(cls)
    assert lease == _config.resolve(cls, "lock_lease")
    assert blocking == _config.resolve(cls, "lock_blocking_timeout")
    assert sleep == _config.resolve(cls, "lock_sleep")


def test_a_meta_change_reaches_the_lock_defaults() -> None:
    class LateLease(AtomicRedisModel):
        class Meta:
            init_with_rapyer = False

        n: int = 0

    before = _lock.class_lock_defaults(LateLease)
    LateLease.Meta.lock_lease = 7  # type: ignore[attr-defined]
    LateLease.Meta.key_prefix = "late"  # type: ignore[attr-defined]
    try:
        assert _lock.class_lock_defaults(LateLease)[0] == 7
        assert _lock.plain_lock_target(LateLease, "x") == "late:x"
        lock = LateLease.lock_from_key("x")  # type: ignore[attr-defined]
        assert lock.lease == 7 and lock.key == "late:x"
    finally:
        LateLease.Meta.lock_lease = before[0]  # type: ignore[attr-defined]
        LateLease.Meta.key_prefix = None  # type: ignore[attr-defined]
    assert _lock.class_lock_defaults(LateLease) == before


def test_explicit_options_win_over_the_defaults() -> None:
    lock = LockTuned.lock_from_key("x", lease=3, blocking_timeout=None)  # type: ignore[attr-defined]
    assert lock.lease == 3 and lock.blocking_timeout is None
    assert lock.sleep == _config.resolve(LockTuned, "lock_sleep")
    with pytest.raises(ValueError):
        User.lock_from_key("x", lease=0)  # type: ignore[attr-defined]


def test_a_lock_without_a_class_takes_the_init_defaults() -> None:
    lock = _lock.ModelLock(
        binding=None,  # type: ignore[arg-type]
        key="k",
        action="a",
        save_at_end=False,
        config_cls=None,
    )
    assert lock.lease == _config.init_default("lock_lease")
    assert lock.blocking_timeout == _config.init_default("lock_blocking_timeout")
    assert lock.sleep == max(0.0, float(_config.init_default("lock_sleep")))


@pytest.mark.parametrize(
    "commands, expected",
    [
        ([("JSON.SET", "k", "$", "{}")], ("k", ["t", "{}"])),
        ([("JSON.SET", "k", "$", "{}", "NX")], ("k", ["t", "{}", "NX"])),
        (
            [("JSON.SET", "k", "$", "{}", "NX"), ("JSON.SET", "k", "$.a", "1")],
            ("k", ["t", "{}", "NX", "$.a", "1"]),
        ),
    ],
)
def test_document_commands_take_the_document_script(commands: Any, expected: Any) -> None:
    assert _lock.document_save_args("t", commands) == expected


@pytest.mark.parametrize(
    "commands",
    [
        *NOT_DOCUMENT_COMMANDS,
        [("JSON.SET", "k", "$", "{}", "NX"), ("EXPIRE", "k", 10)],  # the lock's script sets no TTL
    ],
)
def test_other_commands_take_the_generic_script(commands: Any) -> None:
    assert _lock.document_save_args("t", commands) is None
