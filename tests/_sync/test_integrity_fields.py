# GENERATED from tests/_async/test_integrity_fields.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Field operations on documents that lack the field, are missing, or hold another type
(issue 12, items 3 and 7): the field is created with its default and the operation applied,
or a specific error is raised; never a silent no-op, never a raw ResponseError."""

from __future__ import annotations

import json
import logging

import pytest
from redis.exceptions import ResponseError

import rapyer
from rapyer.errors import (
    CantSerializeRedisValueError,
    KeyNotFound,
    RapyerError,
    UnknownFieldError,
)
from tests.integrity_models import IgCounter, IgEvolved, IgUser

OLD = {"name": "old"}

# fakeredis differs from RedisJSON here: JSON.SET at a sub-path of a missing key creates the
# document, it overwrites keys of other Redis types at the root, and it raises Python errors
# for some paths of another type. Those cases run on the real server only.
FAKE_CREATES = {"dict_update", "field_save", "pipe_ratio", "pipe_setitem", "set_item"}


def is_fake(client) -> bool:
    return type(client).__module__.startswith(
        "fakeredis"
    )  # stored before the other fields were added to the model


def doc(client, key):
    raw = client.execute_command("JSON.GET", key, "$")
    return None if raw is None else json.loads(raw)[0]


def old_document(client) -> IgEvolved:
    client.execute_command("JSON.SET", "IgEvolved:old", "$", json.dumps(OLD))
    model = IgEvolved.get("IgEvolved:old")
    assert model.items == [1] and model.total == 0  # loaded with the defaults
    return model


def pipe_plus(m):
    with rapyer.pipeline():
        m.total += 4


def pipe_append(m):
    with rapyer.pipeline():
        m.items.append(6)


def pipe_setitem(m):
    with rapyer.pipeline():
        m.table["k"] = 3


def pipe_ratio(m):
    with rapyer.pipeline():
        m.ratio *= 2


def pipe_text(m):
    with rapyer.pipeline():
        m.text += "x"


OPERATIONS = {
    "append": (lambda m: m.items.append_now(5), "items", [1, 5]),
    "extend": (lambda m: m.items.extend_now([5, 6]), "items", [1, 5, 6]),
    "insert": (lambda m: m.items.insert_now(0, 9), "items", [9, 1]),
    "set_item": (lambda m: m.table.set_item_now("k", 2), "table", {"k": 2}),
    "dict_update": (
        lambda m: m.table.update_now({"a": 1}),
        "table",
        {"a": 1},
    ),
    "increase": (lambda m: m.total.increase_now(3), "total", 3),
    "increase_float": (lambda m: m.ratio.increase_now(1.0), "ratio", 1.5),
    "field_save": (lambda m: m.items.save_now(), "items", [1]),
    "pipe_plus": (pipe_plus, "total", 4),
    "pipe_append": (pipe_append, "items", [1, 6]),
    "pipe_setitem": (pipe_setitem, "table", {"k": 3}),
    "pipe_ratio": (pipe_ratio, "ratio", 1.0),
    "pipe_text": (pipe_text, "text", "tx"),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_on_a_field_the_document_lacks_creates_it(redis_backend, name):
    operation, field, expected = OPERATIONS[name]
    model = old_document(redis_backend)
    operation(model)
    stored = doc(redis_backend, model.key)
    assert stored[field] == expected
    assert stored["name"] == "old"
    assert getattr(IgEvolved.get(model.key), field) == expected


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_on_a_missing_document_raises_key_not_found(redis_backend, name):
    if is_fake(redis_backend) and name in FAKE_CREATES:
        pytest.skip("fakeredis creates the document (see FAKE_CREATES)")
    operation, _, _ = OPERATIONS[name]
    model = old_document(redis_backend)
    redis_backend.delete(model.key)
    with pytest.raises(KeyNotFound):
        operation(model)
    assert redis_backend.keys("*") == []


WRONG = {
    "append": {"items": 5},
    "extend": {"items": "x"},
    "insert": {"items": {"a": 1}},
    "set_item": {"table": [1]},
    "dict_update": {"table": 7},
    "increase": {"total": "x"},
    "increase_float": {"ratio": [1]},
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_operation_on_another_json_type_raises(redis_backend, name):
    if is_fake(redis_backend) and name in FAKE_CREATES:
        pytest.skip("fakeredis raises Python errors here (see FAKE_CREATES)")
    operation, _, _ = OPERATIONS[name]
    model = old_document(redis_backend)
    changed = {**OLD, **WRONG[name]}
    redis_backend.execute_command("JSON.SET", model.key, "$", json.dumps(changed))
    with pytest.raises(CantSerializeRedisValueError):
        operation(model)
    assert doc(redis_backend, model.key) == changed


def test_writes_to_a_key_of_another_redis_type_raise_specific_errors(backend):
    redis_backend = backend  # fakeredis overwrites such keys (see FAKE_CREATES)
    model = IgCounter()
    model.save()
    redis_backend.delete(model.key)
    redis_backend.set(model.key, "not json")
    calls = [
        lambda: model.save(),
        lambda: model.update(a=1),
        lambda: model.n.increase_now(1),
        lambda: model.items.append_now(1),
        lambda: model.items.clear_now(),
        lambda: model.inner.save(),
    ]
    for call in calls:
        with pytest.raises(CantSerializeRedisValueError):
            call()
    assert redis_backend.get(model.key) == "not json"


def test_writes_after_the_document_was_deleted_raise_key_not_found(redis_backend):
    user = IgUser(email="gone", roles={"a"})
    user.save()
    IgUser.delete_by_key("gone")
    calls = [
        lambda: user.roles.add_now("b"),
        lambda: user.roles.add_many_now(["b", "c"]),
        lambda: user.balance.increase_now(1),
    ]
    if not is_fake(redis_backend):  # fakeredis creates the document (see FAKE_CREATES)
        calls.append(lambda: user.update(name="x"))
    for call in calls:
        with pytest.raises(KeyNotFound):
            call()
    assert redis_backend.keys("*") == []  # no orphan set key


def dataset_changes(client) -> int | None:
    """The server's count of dataset changes (``rdb_changes_since_last_save``); fakeredis
    has none."""
    if is_fake(client):
        return None
    return client.info("persistence").get("rdb_changes_since_last_save")


def test_increase_of_a_stored_float_in_an_int_field_changes_nothing(redis_backend):
    counter = IgCounter()
    counter.save()
    redis_backend.execute_command("JSON.SET", counter.key, "$.n", "1.5")
    before = dataset_changes(redis_backend)
    with pytest.raises(CantSerializeRedisValueError):
        counter.n.increase_now(1)
    assert doc(redis_backend, counter.key)["n"] == 1.5
    assert counter.n == 0
    # One atomic check-and-increment: no write at all (an increment and its undo were two).
    assert dataset_changes(redis_backend) == before
    counter.a.increase_now(2)  # an int that is an int still increments
    assert doc(redis_backend, counter.key)["a"] == 2
    if before is not None:
        assert dataset_changes(redis_backend) == before + 1


def test_queued_increase_of_a_stored_float_in_an_int_field_raises(redis_backend):
    counter = IgCounter()
    counter.save()
    redis_backend.execute_command("JSON.SET", counter.key, "$.n", "1.5")
    with pytest.raises(CantSerializeRedisValueError, match="not an int"):
        with rapyer.pipeline():
            counter.n.increase_now(1)
    assert doc(redis_backend, counter.key)["n"] == 1.5


def test_update_of_an_unknown_field_raises_a_specific_error(redis_backend):
    counter = IgCounter()
    counter.save()
    with pytest.raises(UnknownFieldError) as info:
        counter.update(nosuchfield=1, a=2)
    assert isinstance(info.value, RapyerError) and isinstance(info.value, ValueError)
    assert counter.a == 0 and doc(redis_backend, counter.key)["a"] == 0


def test_bulk_reads_skip_a_document_with_a_corrupt_set_key(redis_backend, caplog):
    good = IgUser(email="good", roles={"x"})
    bad = IgUser(email="bad", roles={"y"})
    rapyer.insert(good, bad)
    [set_key] = [k for k in bad.all_keys if k != bad.key]
    redis_backend.delete(set_key)
    redis_backend.set(set_key, "not a set")
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        found = IgUser.find()
    assert [m.email for m in found] == ["good"]
    assert "IgUser:bad" in caplog.text
    assert [m.email for m in IgUser.find("good", "bad")] == ["good"]
    assert [m.email for m in rapyer.find("IgUser:good", "IgUser:bad")] == ["good"]
    with pytest.raises(CantSerializeRedisValueError):
        IgUser.get("bad")


def test_no_raw_response_error_escapes(redis_backend):
    """A sweep of the above: every failure is a RapyerError."""
    model = old_document(redis_backend)
    redis_backend.delete(model.key)
    for name in sorted(OPERATIONS):
        if is_fake(redis_backend) and name in FAKE_CREATES:
            continue
        try:
            OPERATIONS[name][0](model)
        except RapyerError:
            pass
        except ResponseError as exc:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"{name}: raw ResponseError {exc}")
