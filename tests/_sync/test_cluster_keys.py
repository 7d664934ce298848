# GENERATED from tests/_async/test_cluster_keys.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The cluster key layout ``{Prefix:pk}`` (``Meta.cluster_keys=True``) on a single server."""

from __future__ import annotations

import rapyer
from rapyer import _slots
from tests.models import Pinned, User


def test_keys_of_a_model_share_one_hash_tag(backend):
    model = Pinned(city="Oslo", tags={"a"})
    model.save()
    assert model.key == "{" + f"Pinned:{model.pk}" + "}"
    assert len({_slots.slot_of(key) for key in model.all_keys}) == 1
    assert backend.exists(*model.all_keys) == 2
    plain_user = User(name="u")
    plain_user.save()
    assert plain_user.key == f"User:{plain_user.pk}"  # other models keep the plain layout


def test_both_forms_find_the_model(backend):
    model = Pinned(city="Rome", rank=2)
    model.save()
    for key in (model.key, f"Pinned:{model.pk}", model.pk):
        assert (Pinned.get(key)).city == "Rome"
    assert (rapyer.get(f"Pinned:{model.pk}")).city == "Rome"
    assert (rapyer.get(model.key)).city == "Rome"
    assert [m.pk for m in Pinned.find(f"Pinned:{model.pk}")] == [model.pk]


def test_scan_query_and_delete(backend):
    models = [Pinned(city="Oslo" if i % 2 else "Rome", rank=i) for i in range(10)]
    Pinned.insert(*models)
    assert sorted(m.rank for m in Pinned.find()) == list(range(10))
    found = Pinned.find(Pinned.city == "Oslo", sort_by="rank")
    assert [m.rank for m in found] == [1, 3, 5, 7, 9]
    assert Pinned.count(Pinned.city == "Rome") == 5
    Pinned.delete_many(*models[:4])
    assert Pinned.count() == 6
