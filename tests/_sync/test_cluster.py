# GENERATED from tests/_async/test_cluster.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""rapyer on a Redis Cluster (the embedded 3-primary cluster), in both APIs.

The key layout ``{Prefix:pk}`` keeps one model in one slot; writes over several models run
one transaction per slot; reads scan every primary and read per slot; what cannot run on a
cluster raises ClusterUnsupportedError before anything is sent.
"""

from __future__ import annotations

import pytest

import rapyer
from rapyer import _slots
from rapyer.errors import ClusterUnsupportedError, KeyNotFound, LockLostError
from rapyer.results import IndexState
from tests.models import Account, Expiring, Person, Place, Team, Typed, User

pytestmark = pytest.mark.cluster


def _slot_owners(client, keys) -> set[int]:
    return {client.get_node_from_key(key).port for key in keys}


# ---- binding and key layout -----------------------------------------------------------------


def test_keys_are_hash_tagged_and_share_one_slot(cluster_redis):
    model = Typed(labels={"a"}, members={1, 2})
    model.save()
    assert model.key == "{" + f"Typed:{model.pk}" + "}"
    lock_name = f"{model.key}/default:lock"
    slots = {_slots.slot_of(key) for key in [*model.all_keys, lock_name]}
    assert len(slots) == 1
    assert set(cluster_redis.smembers(model.all_keys[1])) in ({"1", "2"}, {'"a"'})
    loaded = Typed.get(model.key)
    assert loaded.members == {1, 2} and loaded.labels == {"a"}


def test_both_key_forms_are_accepted(cluster_redis):
    user = User(name="Ann", age=3)
    user.save()
    plain = f"User:{user.pk}"
    assert (User.get(plain)).name == "Ann"
    assert (User.get(user.pk)).name == "Ann"
    assert (rapyer.get(user.key)).name == "Ann"
    assert (rapyer.get(plain)).name == "Ann"
    assert rapyer.exists(plain)


def test_a_cluster_client_object_binds_too(cluster_redis):
    rapyer.teardown_rapyer_sync()
    rapyer.init_rapyer_sync(redis=cluster_redis)  # a blocking client: the async API gets a sibling
    user = User(name="Client")
    user.save()
    assert cluster_redis.json().get(user.key)["name"] == "Client"


# ---- single-model operations ----------------------------------------------------------------


def test_crud_of_models_with_side_keys_and_ttl(cluster_redis):
    model = Expiring(counts=[1], n=1, members={1})
    model.save()
    assert 0 < cluster_redis.ttl(model.key) <= 100
    assert 0 < cluster_redis.ttl(model.all_keys[1]) <= 100
    model.update(n=5)
    assert (Expiring.get(model.key)).n == 5
    assert Expiring.exists(model.key)
    model.delete()
    assert not cluster_redis.exists(*model.all_keys)
    with pytest.raises(KeyNotFound):
        Expiring.get(model.key)


def test_atomic_field_operations(cluster_redis):
    model = Typed(labels=set(), ratios={"a": 1.0}, grid=[])
    model.save()
    model.labels.add_now("x")
    model.members.add_many_now([1, 2, 3])
    model.ratios.set_item_now("b", 2.5)
    model.queue.push_now("job", 1.0)
    model.grid.append_now({"k": [1]})
    fresh = Typed.get(model.key)
    assert fresh.labels == {"x"} and fresh.members == {1, 2, 3}
    assert fresh.ratios == {"a": 1.0, "b": 2.5} and fresh.grid == [{"k": [1]}]
    assert model.queue.pop_now() == "job"
    user = User(name="n", age=2)
    user.save()
    assert user.age.increase_now(5) == 7


def test_set_algebra_of_one_model_and_nested_special_fields(cluster_redis):
    team = Team(tags={1, 2, 3})
    team.save()
    with team.pipeline() as fresh:
        fresh.tags &= {2, 3, 4}
        fresh.crew.skills.add("rope")
    loaded = Team.get(team.key)
    assert loaded.tags == {2, 3} and loaded.crew.skills == {"rope"}


def test_lock_and_save_at_end(cluster_redis):
    account = Account(account_id="acc-1", balance=10)
    account.save()
    assert account.key == "{" + "acct:acc-1}"
    with account.lock(save_at_end=True) as locked:
        locked.balance += 5
    assert (Account.get("acc-1")).balance == 15
    lock = Account.lock_from_key("acc-1", action="pay")
    with pytest.raises(LockLostError):
        with lock:
            assert _slots.slot_of(lock.name) == _slots.slot_of(account.key)
            cluster_redis.delete(lock.name)


def test_scripts_are_loaded_on_every_primary(cluster_redis):
    user = User(name="s", age=3)
    user.save()
    _flush_scripts(cluster_redis)
    with user.pipeline() as fresh:
        fresh.age *= 4  # a Lua script inside the transaction
    assert (User.get(user.key)).age == 12
    _flush_scripts(cluster_redis)
    user.age.increase_now(1)
    Account(account_id="x").save()
    with Account(account_id="x").lock(save_at_end=True) as acc:  # lock_save script
        acc.balance = 1
    assert (Account.get("x")).balance == 1


def _flush_scripts(client) -> None:
    for node in client.get_primaries():
        _on_node(node.port, "SCRIPT", "FLUSH")


# ---- several models --------------------------------------------------------------------------


def test_insert_find_count_delete_over_every_shard(cluster_redis):
    users = [User(name=f"u{i}", age=i) for i in range(120)]
    User.insert(*users)
    assert len(_slot_owners(cluster_redis, [u.key for u in users])) == 3
    found = User.find()
    assert sorted(u.age for u in found) == list(range(120))
    assert User.count() == 120
    some = User.find(*[u.key for u in users[:40]])
    assert [u.age for u in some] == list(range(40))
    with pytest.raises(KeyNotFound):
        User.find(users[0].key, "User:missing")
    result = User.delete_many(*users[:50])
    assert result.models_deleted == 50
    assert User.count() == 70
    assert sorted(u.age for u in rapyer.find(*[u.key for u in users[50:60]])) == list(
        range(50, 60)
    )


def test_models_with_side_keys_in_bulk(cluster_redis):
    models = [Expiring(n=i, members={i}) for i in range(30)]
    rapyer.insert(*models)
    loaded = Expiring.find(*[m.key for m in models])
    assert [m.members for m in loaded] == [{i} for i in range(30)]
    assert all(0 < cluster_redis.ttl(k) <= 100 for m in models for k in m.all_keys)
    rapyer.delete_many(*[m.key for m in models])
    assert Expiring.count() == 0


def test_a_pipeline_over_several_models_writes_each(cluster_redis):
    users = [User(name=f"p{i}", age=0) for i in range(12)]
    User.insert(*users)
    with rapyer.pipeline() as pipe:
        for i, user in enumerate(users):
            user.age += i + 1
        pipe.set("plain-key", "v")  # the yielded pipeline records raw commands too
    assert [u.age for u in User.find(*[u.key for u in users])] == list(range(1, 13))
    assert cluster_redis.get("plain-key") == "v"


def test_a_pipeline_that_raises_sends_nothing(cluster_redis):
    user = User(name="r", age=1)
    user.save()
    with pytest.raises(RuntimeError):
        with rapyer.pipeline():
            user.age += 10
            raise RuntimeError("stop")
    assert (User.get(user.key)).age == 1


def test_writes_follow_a_slot_that_moved(cluster_redis):
    """A slot moved to another primary after the client cached the topology: MOVED, then the
    block is sent again to the new owner."""
    users = [User(name=f"m{i}", age=i) for i in range(20)]
    User.insert(*users[:1])  # the clients know the topology now
    moved_key = users[5].key
    slot = _slots.slot_of(moved_key)
    nodes = cluster_redis.get_primaries()
    owner = cluster_redis.get_node_from_key(moved_key)
    target = next(node for node in nodes if node.name != owner.name)
    target_id = cluster_redis.cluster_myid(target)
    for node in nodes:  # an empty slot can be handed over directly
        _on_node(node.port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
    try:
        User.insert(*users[1:])
        assert sorted(u.age for u in User.find()) == list(range(20))
        assert cluster_redis.get_node_from_key(moved_key).name in (target.name, owner.name)
    finally:
        cluster_redis.delete(*[u.key for u in users if _slots.slot_of(u.key) == slot])
        owner_id = cluster_redis.cluster_myid(owner)
        for node in nodes:
            _on_node(node.port, "CLUSTER", "SETSLOT", slot, "NODE", owner_id)


def _on_node(port: int, *command) -> None:
    import redis

    client = redis.Redis(port=port, decode_responses=True)
    try:
        client.execute_command(*command)
    finally:
        client.close()


# ---- what a cluster cannot do ----------------------------------------------------------------


def test_queries_fan_out_to_the_index_of_every_primary(cluster_redis):
    places = [Place(city="Paris" if i % 3 else "Oslo", floor=i) for i in range(60)]
    Place.insert(*places)
    assert len(_slot_owners(cluster_redis, [p.key for p in places])) == 3
    names = {
        name
        for node in cluster_redis.get_primaries()
        for name in cluster_redis.execute_command("FT._LIST", target_nodes=node)
    }
    tags = {name.partition("{")[2] for name in names if name.startswith("idx:Place:v")}
    assert len(tags) == 3  # one version index per primary, each with its own hash tag
    (status,) = rapyer.index_status(Place)
    assert status.state == IndexState.CURRENT and status.num_docs == 60
    assert Place.count(Place.city == "Paris") == 40
    found = Place.find(Place.city == "Paris", sort_by="-floor", max_results=5)
    assert [p.floor for p in found] == [59, 58, 56, 55, 53]
    assert sorted(p.floor for p in Place.find(Place.city == "Oslo")) == list(range(0, 60, 3))


def test_a_raw_search_command_in_a_pipeline_raises_before_sending(cluster_redis):
    with pytest.raises(ClusterUnsupportedError):
        with rapyer.pipeline() as pipe:
            pipe.execute_command("FT.SEARCH", "idx:Place", "*")


def test_set_algebra_across_models_raises_before_sending(cluster_redis):
    first, second = Typed(labels={"a"}), Typed(labels={"b"})
    rapyer.insert(first, second)
    if _slots.slot_of(first.key) == _slots.slot_of(second.key):
        pytest.skip("both models landed in one slot")
    with pytest.raises(ClusterUnsupportedError):
        first.labels.union_now(second.labels)


def test_nested_models_save_in_one_slot(cluster_redis):
    person = Person(name="P", address={"city": "Rome"})
    person.save()
    assert (Person.get(person.key)).address.city == "Rome"
