# GENERATED from tests/_async/test_integrity_keys.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Keys: the Key field of a stored model is immutable, a document never redirects writes, no
pk reaches rapyer's own keys, and keys are strings (issue 12, items 2, 5 and 7)."""

from __future__ import annotations

import json
import logging

import pytest

import rapyer
from rapyer.errors import InvalidKeyError, KeyChangeError, LockTimeoutError, RapyerError
from tests import _io_sync as io
from tests.integrity_models import IgAcct, IgUser
from tests.models import User


def doc(client, key):
    raw = client.execute_command("JSON.GET", key, "$")
    return None if raw is None else json.loads(raw)[0]


def two_users():
    alice = IgUser(email="alice", name="Alice", balance=10)
    bob = IgUser(email="bob", name="Bob", balance=20)
    alice.save()
    bob.save()
    return alice, bob


def test_key_field_of_a_stored_model_cannot_change(redis_backend):
    alice, _ = two_users()
    before = {k: doc(redis_backend, k) for k in ("IgUser:alice", "IgUser:bob")}
    with pytest.raises(KeyChangeError):
        alice.update(email="bob", name="x")
    assert alice.email == "alice" and alice.name == "Alice"
    with pytest.raises(KeyChangeError):
        alice.email = "bob"
    with pytest.raises(KeyChangeError):
        alice.pk = "bob"
    with pytest.raises(KeyChangeError):
        alice.key = "IgUser:bob"
    assert alice.key == "IgUser:alice"
    with pytest.raises(KeyChangeError):
        with alice.pipeline() as piped:
            piped.email = "bob"
            piped.balance += 5
    loaded = IgUser.get("alice")
    with pytest.raises(KeyChangeError):
        loaded.email = "bob"
    alice.update(email="alice", name="Al")  # the same pk is no change
    after = {k: doc(redis_backend, k) for k in ("IgUser:alice", "IgUser:bob")}
    assert after["IgUser:bob"] == before["IgUser:bob"]
    assert after["IgUser:alice"] == {**before["IgUser:alice"], "name": "Al"}
    assert issubclass(KeyChangeError, RapyerError)


def test_a_new_model_may_still_choose_its_key(redis_backend):
    user = IgUser(email="carol")
    user.email = "dave"
    user.save()
    assert doc(redis_backend, "IgUser:dave")["email"] == "dave"
    assert doc(redis_backend, "IgUser:carol") is None


def test_a_document_naming_another_pk_loads_with_its_own_key(redis_backend, caplog):
    _, bob = two_users()
    redis_backend.execute_command(
        "JSON.SET", "IgUser:mallory", "$", json.dumps({"email": "bob", "name": "M", "balance": 1})
    )
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        loaded = IgUser.get("IgUser:mallory")
    assert "IgUser:mallory" in caplog.text
    assert loaded.key == "IgUser:mallory" and loaded.email == "mallory"
    [found] = [m for m in IgUser.find() if m.name == "M"]
    assert found.key == "IgUser:mallory"
    loaded.balance = 99
    loaded.save()
    assert doc(redis_backend, "IgUser:bob")["balance"] == 20
    assert doc(redis_backend, "IgUser:mallory")["balance"] == 99


def test_lock_of_a_document_naming_another_pk_never_writes_the_other(redis_backend):
    two_users()
    redis_backend.execute_command(
        "JSON.SET", "IgUser:mallory", "$", json.dumps({"email": "bob", "name": "M", "balance": 1})
    )
    with (
        IgUser.lock_from_key("IgUser:bob", blocking_timeout=1),
        IgUser.lock_from_key("IgUser:mallory", save_at_end=True) as m,
    ):
        m.balance = 1000
    assert doc(redis_backend, "IgUser:bob")["balance"] == 20
    assert doc(redis_backend, "IgUser:mallory")["balance"] == 1000
    with rapyer.lock_from_key("IgUser:mallory", save_at_end=True) as m:
        m.name = "again"
    assert doc(redis_backend, "IgUser:bob")["name"] == "Bob"


LOCKISH = ["victim/pay:lock", "victim/default:lock", "a/b/c:lock", "/:lock"]


@pytest.mark.parametrize("pk", LOCKISH)
def test_no_pk_reaches_a_lock_key(redis_backend, pk):
    victim = IgAcct(id="victim")
    victim.save()
    with victim.lock("pay", blocking_timeout=1) as _:
        lock_name = "IgAcct:victim/pay:lock"
        token = redis_backend.get(lock_name)
        with pytest.raises(InvalidKeyError):
            IgAcct.delete_by_key(pk)
        with pytest.raises(InvalidKeyError):
            IgAcct.delete_by_key(f"IgAcct:{pk}")
        with pytest.raises(InvalidKeyError):
            IgAcct(id=pk).save()
        with pytest.raises(InvalidKeyError):
            rapyer.insert(IgAcct(id=pk))
        with pytest.raises(InvalidKeyError):
            IgAcct.get(pk)
        with pytest.raises(InvalidKeyError):
            rapyer.get(f"IgAcct:{pk}")
        with pytest.raises(InvalidKeyError):
            IgAcct.delete_many(pk)
        assert redis_backend.get(lock_name) == token
    assert redis_backend.keys("IgAcct:victim*") == ["IgAcct:victim"]


def test_squatting_a_lock_key_is_refused(redis_backend):
    with pytest.raises(InvalidKeyError):
        IgAcct(id="victim2/pay:lock").save()
    assert redis_backend.keys("*") == []
    victim2 = IgAcct(id="victim2")
    victim2.save()
    with victim2.lock("pay", blocking_timeout=0.5):
        pass
    assert IgAcct.count() == 1


def test_lock_is_exclusive_even_with_hostile_pks(redis_backend):
    victim = IgAcct(id="v")
    victim.save()
    with victim.lock("pay", blocking_timeout=1):
        with pytest.raises(InvalidKeyError):
            IgAcct.delete_by_key("v/pay:lock")
        with pytest.raises(LockTimeoutError):
            with victim.lock("pay", blocking_timeout=0.2):
                pass


@pytest.mark.parametrize("bad", [None, b"alice", 42, 1.5, ["a"]])
def test_keys_must_be_strings(redis_backend, bad):
    User(name="x").save()
    before = sorted(redis_backend.keys("*"))
    for call in (
        lambda: User.get(bad),
        lambda: User.delete_by_key(bad),
        lambda: User.exists(bad),
        lambda: rapyer.get(bad),
    ):
        with pytest.raises((InvalidKeyError, TypeError)):
            call()
    with pytest.raises((InvalidKeyError, TypeError)):
        with User.lock_from_key(bad):
            pass
    assert sorted(redis_backend.keys("*")) == before
    assert not redis_backend.exists("User:None", "User:b'alice'", "User:42")


def test_concurrent_hostile_updates_never_reach_another_document(redis_backend):
    alice, bob = two_users()
    payloads = [{"email": "bob", "balance": 0}, {"name": "ok"}, {"email": "bob", "name": "x"}]

    def handler(payload):
        user = IgUser.get("alice")
        try:
            user.update(**payload)
        except KeyChangeError:
            return "refused"
        return "written"

    results = io.gather_calls(*(lambda p=p: handler(p) for p in payloads * 4))
    assert results.count("refused") == 8
    assert doc(redis_backend, "IgUser:bob") == {"email": "bob", "name": "Bob", "balance": 20}
    assert doc(redis_backend, "IgUser:alice")["name"] == "ok"
