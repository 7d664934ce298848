"""Randomized sequences of atomic field operations in this API: after each sequence the
stored value equals the same sequence applied to a plain Python value (see also the
stateful machines in ``tests/common/test_field_stateful.py``)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.models import Stash

INTS = st.integers(-1000, 1000)
KEYS = st.sampled_from(["a", "b.c", 'q"t', "it's", "x]y", "sp ace", "é"])
MEMBERS = st.sampled_from(["x", "y", '"q"', "1", ""])
STEPS = settings(settings.default, max_examples=min(settings.default.max_examples, 25))

LIST_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), INTS),
        st.tuples(st.just("extend"), st.lists(INTS, max_size=3)),
        st.tuples(st.just("insert"), st.integers(-5, 5), INTS),
        st.tuples(st.just("pop"), st.integers(-3, 2)),
        st.tuples(st.just("remove_range"), st.integers(-5, 5), st.integers(-5, 5)),
        st.tuples(st.just("clear")),
        st.tuples(st.just("increase"), st.integers(0, 3), INTS),
    ),
    max_size=15,
)


@STEPS
@given(ops=LIST_OPS)
async def test_random_list_sequence(redis_backend, ops):
    stash = Stash(lst=[1, 2, 3])
    await stash.asave()
    mirror = [1, 2, 3]
    for op, *args in ops:
        if op == "append":
            await stash.lst.aappend(args[0])
            mirror.append(args[0])
        elif op == "extend":
            await stash.lst.aextend(args[0])  # sync: aextend=extend_now
            mirror.extend(args[0])
        elif op == "insert":
            await stash.lst.ainsert(*args)  # sync: ainsert=insert_now
            mirror.insert(*args)
        elif op == "pop":
            if mirror and -len(mirror) <= args[0] < len(mirror):
                assert await stash.lst.apop(args[0]) == mirror.pop(args[0])
            elif not mirror:
                assert await stash.lst.apop() is None
        elif op == "remove_range":
            await stash.lst.aremove_range(*args)
            del mirror[args[0] : args[1]]
        elif op == "clear":
            await stash.lst.aclear()
            mirror.clear()
        elif op == "increase" and args[0] < len(mirror):
            assert await stash.lst[args[0]].aincrease(args[1]) == mirror[args[0]] + args[1]
            mirror[args[0]] += args[1]
    assert stash.lst == mirror
    assert (await Stash.aget(stash.key)).lst == mirror


@STEPS
@given(size=st.integers(0, 4), index=st.integers(-8, 8))
async def test_pop_outside_the_list_pops_its_nearest_end_on_both_sides(backend, size, index):
    """The server rounds an index outside the list to its nearest end; the local copy does the
    same, so the two never part (fakeredis raises instead: real server only)."""
    mirror = list(range(10, 10 + size))
    stash = Stash(lst=mirror)
    await stash.asave()
    if mirror:
        at = min(index, size - 1) if index >= 0 else max(index + size, 0)
        assert await stash.lst.apop(index) == mirror.pop(at)
    else:
        assert await stash.lst.apop(index) is None
    assert stash.lst == mirror
    assert (await Stash.aget(stash.key)).lst == mirror


DICT_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), KEYS, INTS),
        st.tuples(st.just("del"), KEYS),
        st.tuples(st.just("update"), st.dictionaries(KEYS, INTS, max_size=3)),
        st.tuples(st.just("pop"), KEYS),
        st.tuples(st.just("popitem")),
        st.tuples(st.just("clear")),
        st.tuples(st.just("increase"), KEYS, INTS),
    ),
    max_size=15,
)


@STEPS
@given(ops=DICT_OPS)
async def test_random_dict_sequence(redis_backend, ops):
    stash = Stash(d={"a": 1})
    await stash.asave()
    mirror = {"a": 1}
    for op, *args in ops:
        if op == "set":
            await stash.d.aset_item(*args)
            mirror[args[0]] = args[1]
        elif op == "del":
            await stash.d.adel_item(args[0])
            mirror.pop(args[0], None)
        elif op == "update":
            await stash.d.aupdate(args[0])  # sync: aupdate=update_now
            mirror.update(args[0])
        elif op == "pop":
            assert await stash.d.apop(args[0], None) == mirror.pop(args[0], None)
        elif op == "popitem" and mirror:
            key, value = await stash.d.apopitem()
            assert mirror.pop(key) == value
        elif op == "clear":
            await stash.d.aclear()
            mirror.clear()
        elif op == "increase" and args[0] in mirror:
            assert await stash.d[args[0]].aincrease(args[1]) == mirror[args[0]] + args[1]
            mirror[args[0]] += args[1]
    assert stash.d == mirror
    assert (await Stash.aget(stash.key)).d == mirror


SET_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), MEMBERS),
        st.tuples(st.just("add_many"), st.lists(MEMBERS, max_size=3)),
        st.tuples(st.just("remove"), MEMBERS),
        st.tuples(st.just("pop")),
        st.tuples(st.just("clear")),
    ),
    max_size=15,
)


@STEPS
@given(ops=SET_OPS)
async def test_random_set_sequence(redis_backend, ops):
    stash = Stash(tags={"x"})
    await stash.asave()
    mirror = {"x"}
    for op, *args in ops:
        if op == "add":
            await stash.tags.aadd(args[0])
            mirror.add(args[0])
        elif op == "add_many":
            await stash.tags.aadd_many(args[0])
            mirror.update(args[0])
        elif op == "remove":
            assert await stash.tags.aremove(args[0]) is (args[0] in mirror)
            mirror.discard(args[0])
        elif op == "pop":
            item = await stash.tags.apop()
            if mirror:
                mirror.remove(item)
            else:
                assert item is None
        elif op == "clear":
            await stash.tags.aclear()
            mirror.clear()
        assert await stash.tags.asize() == len(mirror)
    assert stash.tags == mirror == await stash.tags.amembers()
    assert (await Stash.aget(stash.key)).tags == mirror


@STEPS
@given(
    ints=st.lists(st.integers(-(2**20), 2**20), max_size=10),
    floats=st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=10),
)
async def test_random_number_sequence(redis_backend, ints, floats):
    stash = Stash(n=5, f=0.5)
    await stash.asave()
    n, f = 5, 0.5
    for amount in ints:
        n += amount
        assert await stash.n.aincrease(amount) == n
    for amount in floats:
        f = await stash.f.aincrease(amount)  # the server's rounding (see the float machine)
        assert stash.f == f
    fresh = await Stash.aget(stash.key)
    assert fresh.n == n == stash.n
    assert math.isclose(fresh.f, 0.5 + math.fsum(floats), rel_tol=1e-9, abs_tol=1e-6)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)


@STEPS
@given(
    ops=st.lists(
        st.one_of(st.tuples(st.just("+="), TEXT), st.tuples(st.just("*="), st.integers(-1, 3))),
        max_size=8,
    )
)
async def test_random_str_sequence_in_pipelines(redis_backend, ops):
    import rapyer

    stash = Stash(s='a"\\b')
    await stash.asave()
    mirror = 'a"\\b'
    for op, arg in ops:
        if op == "*=" and len(mirror) > 100:
            continue
        async with rapyer.apipeline():  # builtins are queued as JSON.STRAPPEND / str_mul
            if op == "+=":
                stash.s += arg
            else:
                stash.s *= arg
        mirror = mirror + arg if op == "+=" else mirror * arg
    assert stash.s == mirror
    assert (await Stash.aget(stash.key)).s == mirror
