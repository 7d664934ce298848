"""The cluster key layout ``{Prefix:pk}`` (``Meta.cluster_keys=True``) on a single server."""

from __future__ import annotations

import rapyer
from rapyer import _slots
from tests.models import Pinned, User


async def test_keys_of_a_model_share_one_hash_tag(backend):
    model = Pinned(city="Oslo", tags={"a"})
    await model.asave()
    assert model.key == "{" + f"Pinned:{model.pk}" + "}"
    assert len({_slots.slot_of(key) for key in model.all_keys}) == 1
    assert backend.exists(*model.all_keys) == 2
    plain_user = User(name="u")
    await plain_user.asave()
    assert plain_user.key == f"User:{plain_user.pk}"  # other models keep the plain layout


async def test_both_forms_find_the_model(backend):
    model = Pinned(city="Rome", rank=2)
    await model.asave()
    for key in (model.key, f"Pinned:{model.pk}", model.pk):
        assert (await Pinned.aget(key)).city == "Rome"
    assert (await rapyer.aget(f"Pinned:{model.pk}")).city == "Rome"
    assert (await rapyer.aget(model.key)).city == "Rome"
    assert [m.pk for m in await Pinned.afind(f"Pinned:{model.pk}")] == [model.pk]


async def test_scan_query_and_delete(backend):
    models = [Pinned(city="Oslo" if i % 2 else "Rome", rank=i) for i in range(10)]
    await Pinned.ainsert(*models)
    assert sorted(m.rank for m in await Pinned.afind()) == list(range(10))
    found = await Pinned.afind(Pinned.city == "Oslo", sort_by="rank")
    assert [m.rank for m in found] == [1, 3, 5, 7, 9]
    assert await Pinned.acount(Pinned.city == "Rome") == 5
    await Pinned.adelete_many(*models[:4])
    assert await Pinned.acount() == 6
