"""Moving stored keys from ``Prefix:pk`` to the cluster layout ``{Prefix:pk}``."""

from __future__ import annotations

import pytest

import rapyer
from tests.models import Expiring, Pinned, User


async def test_documents_and_side_keys_move_with_their_ttl(backend):
    backend.json().set("Pinned:1", "$", {"city": "Oslo", "rank": 1})
    backend.sadd("__rapyer_special__:Pinned:1:tags", '"a"', '"b"')
    backend.expire("__rapyer_special__:Pinned:1:tags", 500)
    backend.set("Pinned:1/edit:lock", "token")  # a lease: left alone
    report = await rapyer.amigrate_cluster_keys(Pinned)
    assert [(r.model, r.migrated, r.conflicts, r.skipped) for r in report] == [
        ("Pinned", 1, [], [])
    ]
    loaded = await Pinned.aget("1")
    assert loaded.city == "Oslo" and loaded.tags == {"a", "b"}
    assert not backend.exists("Pinned:1", "__rapyer_special__:Pinned:1:tags")
    assert 0 < backend.ttl("__rapyer_special__:{Pinned:1}:tags") <= 500
    assert backend.get("Pinned:1/edit:lock") == "token"
    again = await rapyer.amigrate_cluster_keys(Pinned)
    assert again[0].migrated == 0  # idempotent


async def test_an_existing_new_key_is_a_conflict_and_nothing_is_overwritten(backend):
    backend.json().set("Pinned:2", "$", {"city": "old"})
    backend.json().set("{Pinned:2}", "$", {"city": "new"})
    report = await rapyer.amigrate_cluster_keys(Pinned)
    assert report[0].conflicts == ["Pinned:2"] and report[0].migrated == 0
    assert (await Pinned.aget("2")).city == "new"
    assert backend.exists("Pinned:2")


async def test_a_model_in_the_plain_layout_is_refused(backend):
    with pytest.raises(ValueError, match="cluster layout"):
        await rapyer.amigrate_cluster_keys(User)


@pytest.mark.cluster
async def test_migration_on_a_cluster(cluster_redis):
    for i in range(20):
        cluster_redis.json().set(f"Expiring:{i}", "$", {"n": i, "counts": []})
        cluster_redis.sadd(f"__rapyer_special__:Expiring:{i}:members", str(i))
    report = await rapyer.amigrate_cluster_keys(Expiring)
    assert report[0].migrated == 20
    loaded = await Expiring.afind()
    assert sorted((m.n, tuple(m.members)) for m in loaded) == [(i, (i,)) for i in range(20)]
