"""A cluster whose topology changes under writes (a replica failover, a slot migration, a
moved index tag), and a schema change of its per-primary indexes.

Both run on the shared embedded cluster (3 primaries, one replica each). Every write the
library acknowledged must be found afterwards; a write it could not apply must say which
slots were applied.
"""

from __future__ import annotations

import time

import pytest
import redis

import rapyer
from rapyer import AtomicRedisModel, Index, IndexState, RedisConfig, _index_info, _slots
from rapyer._async import index_ops
from rapyer._index import index_name, version_name
from rapyer._registry import unregister
from rapyer.errors import ClusterWriteError
from tests import _io_async as io
from tests.models import Place, User

pytestmark = pytest.mark.cluster


def _node(port: int) -> redis.Redis:
    return redis.Redis(port=port, decode_responses=True)


def _on_node(port: int, *command):
    client = _node(port)
    try:
        return client.execute_command(*command)
    finally:
        client.close()


def _role(port: int) -> str:
    return str(_on_node(port, "ROLE")[0])


def _replica_port(cluster_redis, primary) -> int:
    nodes = cluster_redis.cluster_nodes()
    primary_id = nodes[primary.name]["node_id"]
    for name, node in nodes.items():
        if node["master_id"] == primary_id and "fail" not in node["flags"]:
            return int(name.rpartition(":")[2])
    raise AssertionError(f"{primary.name} has no replica")


async def _wait_role(port: int, role: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while _role(port) != role:
        assert time.monotonic() < deadline, f"{port} did not become {role}"
        await io.sleep(0.05)


async def _fail_over(port: int) -> None:
    """``CLUSTER FAILOVER`` on the replica at ``port``, until it serves as primary."""
    _on_node(port, "CLUSTER", "FAILOVER")
    await _wait_role(port, "master")


async def test_a_replica_failover_loses_no_acknowledged_write(cluster_redis):
    users = [User(name=f"f{i}", age=0) for i in range(24)]
    await User.ainsert(*users)
    primary = cluster_redis.get_node_from_key(users[0].key)
    old_port = primary.port
    new_port = _replica_port(cluster_redis, primary)
    acknowledged = dict.fromkeys((u.key for u in users), 0)
    inserted: list[User] = []
    _on_node(new_port, "CLUSTER", "FAILOVER")
    try:
        rounds_after, deadline = 0, time.monotonic() + 30
        while rounds_after < 3:  # writes before, during and after the switch
            if _role(new_port) == "master":
                rounds_after += 1
            for user in users:
                await user.age.aincrease(1)  # one command: redis-py follows MOVED
                acknowledged[user.key] += 1
            batch = [User(name=f"n{len(inserted) + i}") for i in range(12)]
            await User.ainsert(*batch)  # per-slot blocks: rapyer follows MOVED
            inserted.extend(batch)
            assert time.monotonic() < deadline, "the replica was not promoted"
        found = await User.afind(*[u.key for u in users])
        assert [u.age for u in found] == [acknowledged[u.key] for u in users]
        stored = await User.afind(*[u.key for u in inserted])
        assert [u.name for u in stored] == [u.name for u in inserted]
        assert await User.acount() == len(users) + len(inserted)
        assert _role(old_port) == "slave"
    finally:
        await _fail_over(old_port)  # leave the cluster as it was
        await _wait_role(new_port, "slave")


def _shard_tag_slots(cluster_redis) -> set[int]:
    return {_slots.slot_of(tag) for tag in _tags(cluster_redis).values()}


def _users_in_slot(slot: int, count: int, start: int) -> list[User]:
    users, number = [], start
    prefix = User.class_key_initials()
    while len(users) < count:
        if _slots.slot_of("{" + f"{prefix}:mig{number}" + "}") == slot:
            user = User(name=f"s{number}", age=0)
            user.pk = f"mig{number}"
            assert _slots.slot_of(user.key) == slot
            users.append(user)
        number += 1
    return users


async def test_a_slot_migrating_during_writes_loses_nothing(cluster_redis):
    anchor = User(name="anchor")
    anchor.pk = "anchor-0"
    slot = _slots.slot_of(anchor.key)
    assert slot not in _shard_tag_slots(cluster_redis)  # the indexes stay where they are
    moved_early = _users_in_slot(slot, 3, 0)
    staying = _users_in_slot(slot, 3, 10**6)
    arriving = _users_in_slot(slot, 3, 2 * 10**6)
    elsewhere = [User(name=f"e{i}", age=0) for i in range(20)]
    elsewhere = [u for u in elsewhere if _slots.slot_of(u.key) != slot]
    await User.ainsert(*moved_early, *staying, *elsewhere)
    nodes = {node.name: node for node in cluster_redis.get_primaries()}
    source = cluster_redis.get_node_from_key(anchor.key)
    target = next(node for name, node in nodes.items() if name != source.name)
    source_id = cluster_redis.cluster_myid(source)
    target_id = cluster_redis.cluster_myid(target)
    _on_node(target.port, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
    _on_node(source.port, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
    keys_early = [u.key for u in moved_early]
    _on_node(source.port, "MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *keys_early)
    late = _users_in_slot(slot, 2, 3 * 10**6)
    others = [User(name=f"o{i}") for i in range(12)]
    others = [u for u in others if _slots.slot_of(u.key) != slot]
    try:
        # A new model of the migrating slot: the source answers ASK, and its block (alone in
        # its slot) goes to the importing node after ASKING; so do single-model writes.
        await User.ainsert(arriving[0], *[User(name=f"x{i}") for i in range(6)])
        for user in arriving[1:]:
            await user.asave()
        assert _on_node(target.port, "CLUSTER", "COUNTKEYSINSLOT", slot) == 6  # 3 moved + 3 new
        for user in [*moved_early, *staying]:  # one model at a time: wherever it is now
            await user.age.aincrease(5)
            await user.aupdate(name=user.name + "!")
        # A transaction over several keys of the slot cannot run while its keys are not all
        # on one node (TRYAGAIN): that slot waits, then fails; every other slot is applied,
        # and the error says which.
        with pytest.raises(ClusterWriteError) as caught:
            await User.ainsert(*late, *others)
        assert set(caught.value.failed_slots) == {slot}
        assert {_slots.slot_of(u.key) for u in others} <= set(caught.value.applied_slots)
        assert len(await User.afind(*[u.key for u in others])) == len(others)
        with pytest.raises(ClusterWriteError) as caught:
            async with rapyer.apipeline():
                for user in [*moved_early, *staying, *elsewhere]:
                    user.age += 1
        assert set(caught.value.failed_slots) == {slot}
        applied = {_slots.slot_of(u.key) for u in elsewhere}
        assert applied <= set(caught.value.applied_slots)
    finally:
        rest = [u.key for u in staying]
        _on_node(source.port, "MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *rest)
        for node in nodes.values():
            _on_node(node.port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
    assert _on_node(source.port, "CLUSTER", "COUNTKEYSINSLOT", slot) == 0
    found = await User.afind(*[u.key for u in [*moved_early, *staying, *arriving]])
    assert [u.age for u in found] == [5] * 6 + [0] * 3  # the failed block changed nothing
    assert all(u.name.endswith("!") for u in found[:6])
    assert [u.age for u in await User.afind(*[u.key for u in elsewhere])] == [1] * len(elsewhere)
    async with rapyer.apipeline():  # the slot moved: now the same block applies
        for user in [*moved_early, *staying]:
            user.age += 1
    found = await User.afind(*[u.key for u in [*moved_early, *staying]])
    assert [u.age for u in found] == [6] * 6
    assert not await rapyer.aexists(late[0].key)  # the failed slot wrote nothing
    await User.ainsert(*late)  # the migration ended: the same block applies
    assert await User.acount() == 3 + 3 + 3 + 6 + len(elsewhere) + len(others) + 2


async def test_queries_follow_the_topology_when_an_index_tag_moves(cluster_redis):
    """The slot of a primary's index tag moves to another primary: the next query (after the
    topology is read again) names the indexes by the new tags, creates the missing ones from
    each primary's documents, and answers as before."""
    places = [Place(city="Oslo" if i % 2 else "Rome", floor=i) for i in range(40)]
    await Place.ainsert(*places)
    assert await Place.acount(Place.city == "Rome") == 20
    before = _tags(cluster_redis)
    nodes = {node.name: node for node in cluster_redis.get_primaries()}
    movable = [
        (name, _slots.slot_of(tag))
        for name, tag in before.items()
        if _on_node(nodes[name].port, "CLUSTER", "COUNTKEYSINSLOT", _slots.slot_of(tag)) == 0
    ]
    if not movable:
        pytest.skip("every tag slot holds a document")
    owner, slot = movable[0]
    receiver = next(name for name in nodes if name != owner)
    receiver_id = cluster_redis.cluster_myid(nodes[receiver])
    for node in nodes.values():
        _on_node(node.port, "CLUSTER", "SETSLOT", slot, "NODE", receiver_id)
    try:
        await io.sleep(1.1)  # older than the recheck interval: the next query reads it again
        assert await Place.acount(Place.city == "Rome") == 20
        found = await Place.afind(Place.city == "Oslo", sort_by="-floor", max_results=5)
        assert [p.floor for p in found] == [39, 37, 35, 33, 31]
        cluster_redis.nodes_manager.initialize()
        after = _tags(cluster_redis)
        assert after != before
        for name, tag in after.items():  # each primary has the index of its new tag
            indexes = _on_node(nodes[name].port, "FT._LIST")
            assert any(index.startswith("idx:Place:v") and index.endswith(tag) for index in indexes)
    finally:
        owner_id = cluster_redis.cluster_myid(nodes[owner])
        for node in nodes.values():
            _on_node(node.port, "CLUSTER", "SETSLOT", slot, "NODE", owner_id)


def _tags(cluster_redis) -> dict[str, str]:
    cache = cluster_redis.nodes_manager.slots_cache
    primaries = [node.name for node in cluster_redis.get_primaries()]
    return _slots.shard_tags(primaries, lambda slot: cache[slot][0].name)


def _evolving(extra: bool) -> type[AtomicRedisModel]:
    """``ClusterEvolving`` before and after one more indexed field (the same class name: the
    second replaces the first, as the next deploy of the code would)."""
    if extra:

        class ClusterEvolving(AtomicRedisModel):
            Meta = RedisConfig(key_prefix="CEvolving")
            city: Index[str] = ""
            n: Index[int] = 0

    else:

        class ClusterEvolving(AtomicRedisModel):  # type: ignore[no-redef]
            Meta = RedisConfig(key_prefix="CEvolving")
            city: Index[str] = ""
            n: int = 0

    return ClusterEvolving


async def test_a_schema_change_moves_the_alias_of_every_primary(cluster_redis):
    first = _evolving(extra=False)
    try:
        await first.ainsert(*[first(city="Rome" if i % 2 else "Oslo", n=i) for i in range(30)])
        await index_ops.ensure_index(first)
        assert await first.acount(first.city == "Rome") == 15
        second = _evolving(extra=True)
        assert await index_ops.ensure_index(second) is True  # built beside, then switched
        assert await second.acount(second.n >= 20) == 10
        found = await second.afind(second.city != "", sort_by="-n", max_results=3)
        assert [m.n for m in found] == [29, 28, 27]
        for name, tag in _tags(cluster_redis).items():  # only the new version is left
            port = int(name.rpartition(":")[2])
            versions = [i for i in _on_node(port, "FT._LIST") if i.startswith("idx:CEvolving")]
            assert versions == [version_name(second) + tag]
            info = _index_info.parse_info(_on_node(port, "FT.INFO", index_name(second) + tag))
            assert info.name == version_name(second) + tag
        (status,) = await rapyer.aindex_status(second)
        assert (status.state, status.num_docs) == (IndexState.CURRENT, 30)
    finally:
        for model in rapyer.find_redis_models():
            if model.__name__ == "ClusterEvolving":
                unregister(model)
