"""Redis field types and their atomic operations, against the real server and fakeredis."""

from __future__ import annotations

import datetime as dt
import json
from typing import Optional

import pytest
from pydantic import ValidationError

import rapyer
from rapyer._async.scripts import run_script
from rapyer._binding import binding_of
from rapyer.errors import KeyNotFound, PersistentNoScriptError, RapyerError, UnaddressableKeyError
from rapyer.types import (
    PriorityQueueItem,
    RedisBytes,
    RedisDatetime,
    RedisDict,
    RedisFloat,
    RedisInt,
    RedisList,
    RedisPriorityQueue,
    RedisSet,
    RedisStr,
)
from tests.models import Address, Crew, Holder, Person, Stash, Typed, User


def stored(raw, model, path="$"):
    """The stored JSON value at ``path`` (read with the raw client)."""
    reply = raw.execute_command("JSON.GET", model.key, path, path)
    return next(iter(json.loads(reply).values()))[0]


async def run_queued(model, body):
    """Run ``body()`` (builtin mutators, assignments) inside a pipeline."""
    async with rapyer.apipeline():
        body()


# ---- annotations ----------------------------------------------------------------------------


def test_annotations_are_rewritten():
    user = User(name="a", tags=["x"])
    assert isinstance(user.name, RedisStr) and isinstance(user.age, RedisInt)
    assert isinstance(user.tags, RedisList)
    assert isinstance(user.tags[0], RedisStr)  # container items are wrapped when read
    typed = Typed()
    assert isinstance(typed.raw, RedisBytes) and isinstance(typed.when, RedisDatetime)
    assert typed.opt is None
    typed.opt = 3
    assert isinstance(typed.opt, RedisInt)
    typed.grid = [{"a": [1, 2]}]
    assert isinstance(typed.grid[0], RedisDict) and isinstance(typed.grid[0]["a"], RedisList)
    assert isinstance(typed.grid[0]["a"][1], RedisInt)
    assert typed.grid[0]["a"][1].json_path == '$.grid[0]["a"][1]'
    assert isinstance(typed.ratios, RedisDict)
    assert isinstance(typed.members, RedisSet) and isinstance(typed.queue, RedisPriorityQueue)
    assert Typed.__rapyer_special_fields__ == ("members", "labels", "queue")
    assert "members" not in typed.redis_dump() and "queue" not in typed.model_dump()
    # values compare and serialize like the builtins
    assert user.model_dump() == {"name": "a", "age": 0, "email": "", "tags": ["x"]}
    assert user.age == 0 and user.tags == ["x"] and hash(user.name) == hash("a")


def test_paths_and_dict_keys_are_never_spliced():
    typed = Typed(ratios={'a.b"c]': 1.0, "it's": 2.0, "plain key": 3.0})
    assert typed.ratios['a.b"c]'].json_path == "$.ratios['a.b\"c]']"
    assert typed.ratios["it's"].json_path == '$.ratios["it\'s"]'
    assert typed.ratios["plain key"].key == typed.key
    person = Person(name="p", address=Address(city="x"))
    assert person.address.city.json_path == "$.address.city"


def test_unlinked_values_refuse_redis_operations():
    with pytest.raises(RapyerError):
        RedisInt(3).key  # noqa: B018


def test_copies_drop_the_link():
    import copy

    user = User(name="a", tags=["x"])
    clone = copy.deepcopy(user.tags)
    assert clone == ["x"] and clone._rapyer_link is None
    assert user.model_copy(deep=True).tags == ["x"]
    assert user.tags.clone() == ["x"] and type(user.tags.clone()) is list


# ---- scalars ------------------------------------------------------------------------------


async def test_increase_updates_redis_and_local(redis_backend):
    stash = Stash(n=1, f=0.5)
    await stash.asave()
    assert await stash.n.aincrease(4) == 5
    assert stash.n == 5 and isinstance(stash.n, RedisInt)
    assert type(await stash.n.aincrease()) is int
    assert await stash.f.aincrease(0.25) == 0.75 and stash.f == 0.75
    assert isinstance(stash.f, RedisFloat)
    fresh = await Stash.aget(stash.key)
    assert fresh.n == 6 and fresh.f == 0.75
    with pytest.raises(ValidationError):
        await stash.n.aincrease(0.5)  # an int field stays an int; nothing is sent
    assert (await Stash.aget(stash.key)).n == 6


async def test_increase_of_a_missing_document(redis_backend):
    stash = Stash()
    with pytest.raises(KeyNotFound):  # a specific error, never the server's raw reply
        await stash.n.aincrease(1)


async def test_field_save_and_load(redis_backend):
    stash = Stash(n=1, s="a", lst=[1])
    await stash.asave()
    stash.n = 7
    stash.lst = [4, 5]
    await stash.n.asave()  # sync: asave=save_now
    assert (await Stash.aget(stash.key)).n == 7
    assert (await Stash.aget(stash.key)).lst == [1]
    await stash.lst.asave()  # sync: asave=save_now
    assert await stash.lst.aload() == [4, 5]  # sync: aload=load_now
    stash.lst.append(9)
    loaded = await stash.lst.aload()  # sync: aload=load_now
    assert loaded == [4, 5] and stash.lst == [4, 5, 9]
    assert await stash.s.aload() == "a"  # sync: aload=load_now
    other = Stash()
    with pytest.raises(KeyNotFound):
        await other.n.aload()  # sync: aload=load_now


async def test_scalar_types_round_trip(redis_backend):
    typed = Typed(raw=b"\x00\xff", labels={"x"})
    await typed.asave()
    fresh = await Typed.aget(typed.key)
    assert fresh.raw == b"\x00\xff" and fresh.when == typed.when and fresh.naive == typed.naive
    assert fresh.labels == {"x"}


# ---- lists ------------------------------------------------------------------------------


async def test_list_operations(redis_backend):
    stash = Stash(lst=[1, 2])
    await stash.asave()
    await stash.lst.aappend(3)
    await stash.lst.aextend([4, 5])  # sync: aextend=extend_now
    await stash.lst.aextend([])  # sync: aextend=extend_now
    await stash.lst.ainsert(-100, 0)  # sync: ainsert=insert_now
    await stash.lst.ainsert(100, 6)  # sync: ainsert=insert_now
    assert stash.lst == [0, 1, 2, 3, 4, 5, 6]
    assert stored(redis_backend, stash, "$.lst") == stash.lst
    assert await stash.lst.apop() == 6 and await stash.lst.apop(0) == 0
    await stash.lst.aremove_range(1, -1)
    assert stash.lst == [1, 5] and stored(redis_backend, stash, "$.lst") == [1, 5]
    await stash.lst.aclear()
    assert stash.lst == [] and await stash.lst.apop() is None
    assert stored(redis_backend, stash, "$.lst") == []
    with pytest.raises(ValidationError):
        await stash.lst.aappend("not a number")


async def test_nested_containers_address_items(redis_backend):
    typed = Typed(grid=[{"a b": [1]}], people=[Address(city="x")])
    await typed.asave()
    await typed.grid[0]["a b"].aappend(2)
    await typed.grid[0]["a b"][0].aincrease(10)
    await typed.people[0].city.asave()  # sync: asave=save_now
    assert stored(redis_backend, typed, "$.grid") == [{"a b": [11, 2]}]
    assert typed.grid == [{"a b": [11, 2]}]


# ---- dicts ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["plain", "dot.ted", 'quo"te', "it's", "brack]et", "sp ace", "é"])
async def test_dict_operations_with_awkward_keys(redis_backend, key):
    stash = Stash(d={"other": 1})
    await stash.asave()
    await stash.d.aset_item(key, 5)
    assert stored(redis_backend, stash, "$.d") == {"other": 1, key: 5}
    await stash.d[key].aincrease(2)
    assert stash.d[key] == 7 and stored(redis_backend, stash, "$.d")[key] == 7
    assert await stash.d.apop(key) == 7 and key not in stash.d
    assert await stash.d.apop(key, "gone") == "gone"
    await stash.d.aupdate({key: 1}, more=2)  # sync: aupdate=update_now
    await stash.d.adel_item("other")
    assert stored(redis_backend, stash, "$.d") == {key: 1, "more": 2} == stash.d
    popped_key, popped_value = await stash.d.apopitem()  # the server's first key
    assert {popped_key: popped_value}.items() <= {key: 1, "more": 2}.items()
    assert stash.d == stored(redis_backend, stash, "$.d") and len(stash.d) == 1
    await stash.d.aclear()
    with pytest.raises(KeyError):
        await stash.d.apopitem()
    assert stored(redis_backend, stash, "$.d") == {}


async def test_dict_keys_no_path_can_name_are_refused_before_sending(redis_backend):
    stash = Stash(d={"keep": 0})
    await stash.asave()
    for awkward in ("both ' and \" quotes", "back\\slash", " keep"):
        with pytest.raises(UnaddressableKeyError):
            await stash.d.aset_item(awkward, 1)
        with pytest.raises(UnaddressableKeyError):
            await stash.d.aupdate({awkward: 2})  # sync: aupdate=update_now
        with pytest.raises(UnaddressableKeyError):
            await stash.d.adel_item(awkward)
        assert stored(redis_backend, stash, "$.d") == {"keep": 0}
        assert stash.d == {"keep": 0}
    stash.d[" keep"] = 3  # the whole field (or model) is still written exactly
    await stash.d.asave()  # sync: asave=save_now
    assert stored(redis_backend, stash, "$.d") == {"keep": 0, " keep": 3}


# ---- sets -------------------------------------------------------------------------------


async def test_set_field_lives_in_its_own_key(redis_backend):
    typed = Typed(members={1, 2}, labels={"a"})
    await typed.asave()
    keys = typed.all_keys
    assert len(keys) == 4
    assert redis_backend.smembers(keys[1]) == {"1", "2"}
    assert "members" not in stored(redis_backend, typed)
    fresh = await Typed.aget(typed.key)
    assert fresh.members == {1, 2} and isinstance(fresh.members, RedisSet)
    await typed.members.aadd(3)
    await typed.members.aadd_many([4, 5])
    await typed.members.aadd_many([])
    assert await typed.members.aremove(1) is True
    assert await typed.members.aremove(1) is False
    assert typed.members == {2, 3, 4, 5} == await typed.members.amembers()
    assert await typed.members.asize() == 4 and await typed.members.acontains(3)
    assert not await typed.members.acontains(1)
    popped = await typed.members.apop()
    assert popped in {2, 3, 4, 5} and popped not in typed.members
    other = Typed(members={3, 100}, labels=set())
    await other.asave()
    assert await typed.members.aunion(other.members) == typed.members | {3, 100}
    assert await typed.members.aintersect(other.members) == typed.members & {3, 100}
    assert await typed.members.adifference(other.members) == typed.members - {3, 100}
    await typed.members.aclear()
    assert typed.members == set() and await typed.members.asize() == 0
    assert await typed.adelete() is True
    assert not any(redis_backend.exists(k) for k in keys)


async def test_set_members_are_json_texts(redis_backend):
    typed = Typed(labels={"1"}, members={1})
    await typed.asave()
    assert redis_backend.smembers(typed.all_keys[2]) == {'"1"'}
    assert redis_backend.smembers(typed.all_keys[1]) == {"1"}


# ---- priority queue --------------------------------------------------------------------


async def test_priority_queue(redis_backend):
    typed = Typed(labels=set())
    await typed.asave()
    queue = typed.queue
    assert await queue.apop() is None and await queue.apeek() is None
    await queue.apush("low", 5)
    await queue.apush("high", 1)
    await queue.apush_many([PriorityQueueItem("mid", 3), PriorityQueueItem("b", 3)])
    await queue.apush_many([])
    assert await queue.asize() == 4 and await queue.apeek() == "high"
    assert [i.value for i in await queue.aitems()] == ["high", "b", "mid", "low"]
    assert await queue.aremove("b") is True and await queue.aremove("b") is False
    assert await queue.apop() == "high"
    fresh = await Typed.aget(typed.key)
    assert fresh.queue == typed.queue and await fresh.queue.asize() == 2
    await queue.aclear()
    assert await queue.asize() == 0
    with pytest.raises(RapyerError):
        Typed(labels=set(), queue=["x"])


# ---- builtin mutators inside a pipeline --------------------------------------------------


async def test_builtins_are_queued_as_atomic_commands(redis_backend):
    stash = Stash(n=10, f=1.0, s="ab", lst=[1, 2, 3], d={"a": 1}, tags={"x"})
    await stash.asave()

    def body():
        stash.n += 5
        stash.n -= 1
        stash.n *= 3
        stash.n //= 4
        stash.n %= 7
        stash.n **= 2
        stash.f /= 8
        stash.s += 'é"'
        stash.s *= 2
        stash.lst.append(4)
        stash.lst += [5]
        stash.lst[0] += 10
        stash.lst.insert(1, 9)
        del stash.lst[-1]
        stash.lst.remove_range(2, 3)
        stash.d["new key"] = 2
        stash.d["a"] += 1
        stash.d |= {"b": 3}
        stash.d.setdefault("c", 4)
        del stash.d["b"]
        stash.tags.add("y")
        stash.tags |= {"z", "w"}
        stash.tags.discard("x")
        stash.tags &= {"y", "z"}

    await run_queued(stash, body)
    fresh = await Stash.aget(stash.key)
    assert fresh.model_dump() == stash.model_dump()
    assert fresh.n == ((10 + 5 - 1) * 3 // 4 % 7) ** 2
    stored = json.loads(redis_backend.execute_command("JSON.GET", stash.key, "$"))
    stored = stored[0] if isinstance(stored, list) else stored
    assert "tags" not in stored  # a set lives in its own key, never in the document


async def test_assignment_is_queued_and_errors_come_first(redis_backend):
    stash = Stash(n=1)
    holder = Holder(inner=Address(city="a"))
    await stash.asave()
    await holder.asave()

    def body():
        stash.n = 42
        stash.tags = {"q"}
        holder.inner.city = "b"
        holder.stash = None
        with pytest.raises(ZeroDivisionError):
            stash.f /= 0
        with pytest.raises(ValidationError):
            stash.n += 0.5

    await run_queued(stash, body)
    assert (await Stash.aget(stash.key)).model_dump() == stash.model_dump()
    fresh = await Holder.aget(holder.key)
    assert fresh.inner.city == "b" and fresh.stash is None


# ---- scripts -----------------------------------------------------------------------------


async def test_noscript_recovers_after_script_flush(redis_backend):
    stash = Stash(lst=[1, 2, 3, 4], d={"a": 1, "b": 2})
    await stash.asave()
    redis_backend.script_flush()
    await stash.lst.aremove_range(0, 2)
    redis_backend.script_flush()
    assert await stash.d.apop("a") == 1
    redis_backend.script_flush()
    assert await stash.d.apopitem() == ("b", 2)
    assert stored(redis_backend, stash, "$.lst") == [3, 4]
    assert stored(redis_backend, stash, "$.d") == {}
    binding = binding_of(Stash)
    redis_backend.script_flush()
    assert await run_script(binding, "remove_range", [stash.key], ["$.lst", 0, 1]) == 1


async def test_persistent_noscript_raises(redis_backend, monkeypatch):
    from rapyer._async import scripts

    async def forgetful_load(binding, name):
        redis_backend.script_flush()

    stash = Stash(lst=[1])
    await stash.asave()
    redis_backend.script_flush()
    monkeypatch.setattr(scripts, "load_script", forgetful_load)
    with pytest.raises(PersistentNoScriptError):
        await run_script(binding_of(Stash), "remove_range", [stash.key], ["$.lst", 0, 1])


async def test_numeric_scripts_follow_python_semantics(redis_backend):
    cases = [(7, -2), (-7, 2), (7.5, -2.0), (-7.5, 2.0), (2, 10), (3, 0)]
    for left, right in cases:
        stash = Stash(n=left if isinstance(left, int) else 0, f=float(left))
        await stash.asave()

        def body(stash=stash, left=left, right=right):
            if isinstance(left, int):
                stash.n //= right or 1
                stash.n %= right or 1
                stash.n **= abs(right)
            stash.f //= right or 1.0
            stash.f %= right or 1.0
            stash.f *= 3

        await run_queued(stash, body)
        fresh = await Stash.aget(stash.key)
        assert (fresh.n, fresh.f) == (stash.n, stash.f), (left, right)


async def test_int_arithmetic_beyond_exact_range_is_refused(redis_backend):
    from rapyer.errors import RapyerSerializationError

    stash = Stash(n=3)
    await stash.asave()
    limit = 2**53
    operations = [
        lambda s: s.__setattr__("n", s.n.__ipow__(40)),
        lambda s: s.__setattr__("n", s.n.__imul__(limit)),
        lambda s: s.__setattr__("n", s.n.__iadd__(limit)),
        lambda s: s.__setattr__("n", s.n.__isub__(limit + 10)),
    ]
    for operation in operations:
        with pytest.raises(RapyerSerializationError, match="2\\*\\*53"):
            async with rapyer.apipeline():
                operation(stash)
        assert (await Stash.aget(stash.key)).n == 3
    with pytest.raises(RapyerSerializationError):
        await stash.n.aincrease(limit)
    assert (await Stash.aget(stash.key)).n == 3
    big = Stash(n=limit + 2)  # stored as JSON text: exact
    await big.asave()
    assert (await Stash.aget(big.key)).n == limit + 2
    with pytest.raises(RapyerSerializationError):
        async with rapyer.apipeline():
            big.n %= 5
    with pytest.raises(RapyerSerializationError):
        await big.n.aincrease(1)
    assert (await Stash.aget(big.key)).n == limit + 2

    def body():
        stash.n **= 33  # 3**33 < 2**53: still exact
        stash.n //= 2

    await run_queued(stash, body)
    assert (await Stash.aget(stash.key)).n == 3**33 // 2 == stash.n


async def test_datetime_add_keeps_microseconds_and_offset(redis_backend):
    offset = dt.timezone(dt.timedelta(hours=5, minutes=30))
    typed = Typed(when=dt.datetime(2020, 2, 28, 23, 59, 59, 999999, tzinfo=offset), labels=set())
    await typed.asave()

    def body():
        typed.when += dt.timedelta(days=366, microseconds=2)
        typed.naive -= dt.timedelta(days=1, seconds=1)

    await run_queued(typed, body)
    fresh = await Typed.aget(typed.key)
    assert fresh.when == typed.when and fresh.when.utcoffset() == dt.timedelta(hours=5.5)
    assert fresh.when.microsecond == 1 and fresh.naive == dt.datetime(2019, 12, 30, 23, 59, 59)


def test_optional_is_rewritten_under_future_annotations():
    from tests.models import Typed as T

    assert T.model_fields["opt"].annotation == Optional[RedisInt]


# ---- class creation details ------------------------------------------------------------------


async def test_forward_references_are_rewritten_once_resolved(redis_backend):
    from tests.models import Forward, Later

    model = Forward(items=[Later(x=1)], later=Later())
    assert isinstance(model.n, RedisInt) and isinstance(model.items, RedisList)
    assert model.items[0].json_path == "$.items[0]" and model.later.key == model.key
    await model.asave()
    await model.items[0].x.aincrease(2)
    assert (await Forward.aget(model.key)).items[0].x == 3


async def test_field_operations_refresh_ttl(redis_backend):
    from tests.models import Expiring

    model = Expiring()
    await model.asave()
    for key in model.all_keys:
        redis_backend.persist(key)
    await model.counts.aappend(1)
    assert redis_backend.ttl(model.key) > 0
    redis_backend.persist(model.key)
    await model.n.aincrease(1)
    assert redis_backend.ttl(model.key) > 0
    await model.members.aadd(5)
    assert redis_backend.ttl(model.all_keys[1]) > 0


async def test_indexed_datetime_is_a_timestamp_and_redis_type_is_per_class(redis_backend):
    from rapyer.types import RedisDatetimeTimestamp
    from tests.models import Stamped

    model = Stamped(at=dt.datetime(2021, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone.utc))
    assert isinstance(model.at, RedisDatetimeTimestamp) and model.at.tzinfo is None
    assert type(model.plain_int) is int
    await model.asave()
    assert stored(redis_backend, model, "$.at") == pytest.approx(1620284889.123456)
    fresh = await Stamped.aget(model.key)
    assert fresh.at == dt.datetime(2021, 5, 6, 7, 8, 9, 123456)

    def body():
        model.at += dt.timedelta(seconds=1.5)

    await run_queued(model, body)
    assert (await Stamped.aget(model.key)).at == dt.datetime(2021, 5, 6, 7, 8, 10, 623456)


async def test_set_fields_of_nested_models(redis_backend):
    from tests.models import Team

    team = Team(lead=Crew(skills={"lead"}), crew=Crew(skills={"a", "b"}), tags={1})
    await team.asave()
    assert len(team.all_keys) == 4
    assert sorted(Team._class_special_keys(team.key)) == sorted(team.all_keys[1:])
    fresh = await Team.aget(team.key)
    assert fresh.crew.skills == {"a", "b"} and fresh.lead.skills == {"lead"}
    await fresh.crew.skills.aadd("c")
    assert (await Team.aget(team.key)).crew.skills == {"a", "b", "c"}
    no_lead = Team()
    await no_lead.asave()
    assert (await Team.aget(no_lead.key)).lead is None
    assert await Team.adelete_by_key(team.key) is True
    assert not any(redis_backend.exists(key) for key in team.all_keys)


async def test_nested_set_fields_are_not_stored_inline(redis_backend):
    from tests.models import Team

    def stored(key):
        return json.loads(redis_backend.execute_command("JSON.GET", key, "."))

    team = Team(lead=Crew(skills={"lead"}, name="l"), crew=Crew(skills={"a"}), tags={1})
    await team.asave()
    assert stored(team.key) == {"lead": {"name": "l"}, "crew": {"name": ""}}
    assert json.loads(team.redis_dump_json()) == stored(team.key)
    await rapyer.ainsert(other := Team(crew=Crew(skills={"x"}, name="c")))
    assert stored(other.key) == {"lead": None, "crew": {"name": "c"}}
    async with team.apipeline():
        team.crew = Crew(skills={"b"}, name="new")
    assert stored(team.key)["crew"] == {"name": "new"}


async def test_corrupt_set_members(redis_backend):
    from rapyer.errors import CantSerializeRedisValueError
    from tests.models import Tagged

    model = Tagged(strict_tags={1}, safe_tags={2})
    await model.asave()
    strict_key, safe_key = model.all_keys[1:]
    redis_backend.sadd(safe_key, "not json")
    fresh = await Tagged.aget(model.key)
    assert fresh.safe_tags is None and fresh.failed_fields == {"safe_tags"}
    assert fresh.strict_tags == {1}
    redis_backend.sadd(strict_key, '"text"')
    with pytest.raises(CantSerializeRedisValueError):
        await Tagged.aget(model.key)


def test_values_do_not_keep_their_model_alive():
    import gc
    import weakref

    gc.disable()  # a model and its values form no reference cycle: freed without the collector
    try:
        model = Typed(grid=[{"a": [1]}], labels={"x"}, ratios={"r": 1.0})
        assert model.grid[0]["a"][0] == 1 and model.ratios["r"] == 1.0
        tags = model.labels
        ref = weakref.ref(model)
        del model
        assert ref() is None
    finally:
        gc.enable()
    with pytest.raises(RapyerError, match="no longer exists"):
        tags.key  # noqa: B018


# ---- special fields through the bulk operations ------------------------------------------------


async def test_set_fields_through_bulk_operations(redis_backend):
    import rapyer

    first = Typed(members={1, 2}, labels={"a"})
    second = Typed(members=set(), labels={"b", "c"})
    await rapyer.ainsert(first, second)
    found = await Typed.afind(first.key, second.key)
    assert [m.members for m in found] == [{1, 2}, set()]
    assert [m.labels for m in found] == [{"a"}, {"b", "c"}]
    assert isinstance(found[0].members, RedisSet) and found[0].members.key == first.key
    await found[0].members.aadd(3)
    assert (await Typed.aget(first.key)).members == {1, 2, 3}
    copy = await found[0].aduplicate()
    assert copy.members == {1, 2, 3} and copy.key != first.key
    assert (await Typed.aget(copy.key)).members == {1, 2, 3}
    outcome = await Typed.aget_or_create(Typed(labels=set()))
    assert outcome.value.labels == set()
    result = await Typed.aget_or_create(first)
    assert result.value.members == {1, 2, 3}


async def test_values_stay_usable_after_copies_locks_and_pipelines(redis_backend):
    stash = Stash(n=1, lst=[1])
    await stash.asave()
    deep = stash.model_copy(deep=True)
    assert await deep.n.aincrease(1) == 2 and deep.lst.key == stash.key
    async with stash.alock("edit"):
        pass
    assert await stash.n.aincrease(1) == 3
    async with stash.apipeline() as fresh:
        fresh.n += 1
        stash.lst.append(2)
    del fresh
    await stash.lst.aappend(3)
    assert await stash.n.aincrease(1) == 5
    assert (await Stash.aget(stash.key)).lst == [1, 2, 3]


async def test_inplace_operators_queue_only_their_atomic_command(redis_backend):
    stash = Stash(n=1, f=1.0, s="a", lst=[1, 2], d={"k": 1}, tags={"x"})
    typed = Typed(grid=[{"a": [1]}], labels=set())
    await stash.asave()
    await typed.asave()
    async with rapyer.apipeline() as pipe:
        stash.n += 1
        stash.f -= 0.5
        stash.s += "b"
        stash.lst[0] += 1
        stash.lst += [3]
        stash.d["k"] += 1
        stash.d |= {"j": 2}
        stash.tags |= {"y"}
        typed.grid[0]["a"] += [2]
        typed.grid[0]["a"][0] += 5
        # (a field operation is preceded by the JSON.SET ... NX creating a missing field)
        queued = [args[0] for args, _ in pipe.command_stack if args[-1] != "NX"]
    assert queued == [
        "JSON.NUMINCRBY",
        "JSON.NUMINCRBY",
        "JSON.STRAPPEND",
        "JSON.NUMINCRBY",
        "JSON.ARRAPPEND",
        "JSON.NUMINCRBY",
        "JSON.SET",  # the new key of |=
        "SADD",
        "JSON.ARRAPPEND",
        "JSON.NUMINCRBY",
    ]
    assert (await Stash.aget(stash.key)).model_dump() == stash.model_dump()
    assert (await Typed.aget(typed.key)).grid == [{"a": [6, 2]}]


async def test_models_with_redis_values_pickle(redis_backend):
    import pickle

    stash = Stash(n=1, lst=[1], d={"a": 1}, tags={"x"})
    await stash.asave()
    restored = pickle.loads(pickle.dumps(stash))
    assert restored == stash and type(restored.lst) is type(stash.lst)
    assert await restored.lst.aappend(2) is None
    assert (await Stash.aget(stash.key)).lst == [1, 2]


async def test_field_constraints_fail_before_anything_is_queued(redis_backend):
    from tests.models import Bounded

    model = Bounded(stock=1, name="abc")
    await model.asave()
    assert isinstance(model.stock, RedisInt)
    async with rapyer.apipeline() as pipe:
        with pytest.raises(ValidationError):
            model.stock -= 2
        with pytest.raises(ValidationError):
            model.name += "defg"
        model.stock -= 1
        queued = [args[0] for args, _ in pipe.command_stack if args[-1] != "NX"]
    assert queued == ["JSON.NUMINCRBY"]
    assert (await Bounded.aget(model.key)).stock == 0


def test_set_fields_of_models_in_containers_are_refused():
    from rapyer import AtomicRedisModel
    from rapyer.errors import ModelDefinitionError

    with pytest.raises(ModelDefinitionError, match=r"Crew.*skills"):

        class CrewList(AtomicRedisModel):
            crews: list[Crew] = []

    with pytest.raises(ModelDefinitionError, match=r"Crew.*skills"):

        class CrewMap(AtomicRedisModel):
            crews: Optional[dict[str, Crew]] = None
