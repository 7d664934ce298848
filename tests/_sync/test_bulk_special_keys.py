# GENERATED from tests/_async/test_bulk_special_keys.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Bulk operations carry a model's special-field keys (set and queue fields) along."""

from __future__ import annotations

import rapyer
from rapyer import _keys
from tests.models import Labelled


def _labels_key(model):
    return _keys.special_key(model.key, "labels")


def test_insert_find_and_ttl_cover_special_keys(redis_backend):
    models = [Labelled(name=f"m{i}", labels=[f"a{i}", "b"]) for i in range(3)]
    rapyer.insert(*models)
    for model in models:
        assert redis_backend.smembers(_labels_key(model)) == set(model.labels)
        assert 98 <= redis_backend.ttl(_labels_key(model)) <= 100
    found = Labelled.find(*[m.key for m in models])
    assert [m.labels for m in found] == [sorted(m.labels) for m in models]
    assert [m.labels for m in rapyer.find(models[2].key)] == [["a2", "b"]]
    by_scan = {m.key: m.labels for m in Labelled.find()}
    assert by_scan == {m.key: sorted(m.labels) for m in models}
    streamed = {m.key: m.labels for m in Labelled.iterator(batch_size=2)}
    assert streamed == by_scan
    redis_backend.expire(_labels_key(models[0]), 10)
    Labelled.find(models[0].key)  # the read refresh reaches the special key
    assert 98 <= redis_backend.ttl(_labels_key(models[0])) <= 100
    models[0].set_ttl(None)
    assert redis_backend.ttl(_labels_key(models[0])) == -1


def test_get_or_create_writes_and_reads_special_keys(redis_backend):
    model = Labelled(name="g", labels=["x", "y"])
    created = Labelled.get_or_create(model)
    assert created.created
    assert redis_backend.smembers(_labels_key(model)) == {"x", "y"}
    assert 98 <= redis_backend.ttl(_labels_key(model)) <= 100
    other = Labelled(name="other", labels=["z"])
    other.pk = model.pk
    found = rapyer.get_or_create(other)
    assert not found.created
    assert found.value.name == "g" and found.value.labels == ["x", "y"]


def test_duplicate_copies_special_keys(redis_backend):
    model = Labelled(name="d", labels=["p", "q"])
    model.save()
    copies = model.duplicate_many(2)
    for copy in copies:
        assert copy.labels == ["p", "q"]
        assert redis_backend.smembers(_labels_key(copy)) == {"p", "q"}
        assert 98 <= redis_backend.ttl(_labels_key(copy)) <= 100


def test_delete_many_removes_special_keys(redis_backend):
    models = [Labelled(name=f"m{i}", labels=["l"]) for i in range(3)]
    Labelled.insert(*models)
    result = Labelled.delete_many(models[0], models[1].key)
    assert (result.models_deleted, result.keys_deleted) == (2, 4)
    result = rapyer.delete_many(models[2])
    assert (result.models_deleted, result.keys_deleted) == (1, 2)
    assert result.by_model == {Labelled: 1}
    assert not any(redis_backend.exists(_labels_key(m)) for m in models)
