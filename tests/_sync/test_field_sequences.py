# GENERATED from tests/_async/test_field_sequences.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
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
def test_random_list_sequence(redis_backend, ops):
    stash = Stash(lst=[1, 2, 3])
    stash.save()
    mirror = [1, 2, 3]
    for op, *args in ops:
        if op == "append":
            stash.lst.append_now(args[0])
            mirror.append(args[0])
        elif op == "extend":
            stash.lst.extend_now(args[0])
            mirror.extend(args[0])
        elif op == "insert":
            stash.lst.insert_now(*args)
            mirror.insert(*args)
        elif op == "pop":
            if mirror and -len(mirror) <= args[0] < len(mirror):
                assert stash.lst.pop_now(args[0]) == mirror.pop(args[0])
            elif not mirror:
                assert stash.lst.pop_now() is None
        elif op == "remove_range":
            stash.lst.remove_range_now(*args)
            del mirror[args[0] : args[1]]
        elif op == "clear":
            stash.lst.clear_now()
            mirror.clear()
        elif op == "increase" and args[0] < len(mirror):
            assert stash.lst[args[0]].increase_now(args[1]) == mirror[args[0]] + args[1]
            mirror[args[0]] += args[1]
    assert stash.lst == mirror
    assert (Stash.get(stash.key)).lst == mirror


@STEPS
@given(size=st.integers(0, 4), index=st.integers(-8, 8))
def test_pop_outside_the_list_pops_its_nearest_end_on_both_sides(backend, size, index):
    """The server rounds an index outside the list to its nearest end; the local copy does the
    same, so the two never part (fakeredis raises instead: real server only)."""
    mirror = list(range(10, 10 + size))
    stash = Stash(lst=mirror)
    stash.save()
    if mirror:
        at = min(index, size - 1) if index >= 0 else max(index + size, 0)
        assert stash.lst.pop_now(index) == mirror.pop(at)
    else:
        assert stash.lst.pop_now(index) is None
    assert stash.lst == mirror
    assert (Stash.get(stash.key)).lst == mirror


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
def test_random_dict_sequence(redis_backend, ops):
    stash = Stash(d={"a": 1})
    stash.save()
    mirror = {"a": 1}
    for op, *args in ops:
        if op == "set":
            stash.d.set_item_now(*args)
            mirror[args[0]] = args[1]
        elif op == "del":
            stash.d.del_item_now(args[0])
            mirror.pop(args[0], None)
        elif op == "update":
            stash.d.update_now(args[0])
            mirror.update(args[0])
        elif op == "pop":
            assert stash.d.pop_now(args[0], None) == mirror.pop(args[0], None)
        elif op == "popitem" and mirror:
            key, value = stash.d.popitem_now()
            assert mirror.pop(key) == value
        elif op == "clear":
            stash.d.clear_now()
            mirror.clear()
        elif op == "increase" and args[0] in mirror:
            assert stash.d[args[0]].increase_now(args[1]) == mirror[args[0]] + args[1]
            mirror[args[0]] += args[1]
    assert stash.d == mirror
    assert (Stash.get(stash.key)).d == mirror


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
def test_random_set_sequence(redis_backend, ops):
    stash = Stash(tags={"x"})
    stash.save()
    mirror = {"x"}
    for op, *args in ops:
        if op == "add":
            stash.tags.add_now(args[0])
            mirror.add(args[0])
        elif op == "add_many":
            stash.tags.add_many_now(args[0])
            mirror.update(args[0])
        elif op == "remove":
            assert stash.tags.remove_now(args[0]) is (args[0] in mirror)
            mirror.discard(args[0])
        elif op == "pop":
            item = stash.tags.pop_now()
            if mirror:
                mirror.remove(item)
            else:
                assert item is None
        elif op == "clear":
            stash.tags.clear_now()
            mirror.clear()
        assert stash.tags.size_now() == len(mirror)
    assert stash.tags == mirror == stash.tags.members_now()
    assert (Stash.get(stash.key)).tags == mirror


@STEPS
@given(
    ints=st.lists(st.integers(-(2**20), 2**20), max_size=10),
    floats=st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=10),
)
def test_random_number_sequence(redis_backend, ints, floats):
    stash = Stash(n=5, f=0.5)
    stash.save()
    n, f = 5, 0.5
    for amount in ints:
        n += amount
        assert stash.n.increase_now(amount) == n
    for amount in floats:
        f = stash.f.increase_now(amount)  # the server's rounding (see the float machine)
        assert stash.f == f
    fresh = Stash.get(stash.key)
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
def test_random_str_sequence_in_pipelines(redis_backend, ops):
    import rapyer

    stash = Stash(s='a"\\b')
    stash.save()
    mirror = 'a"\\b'
    for op, arg in ops:
        if op == "*=" and len(mirror) > 100:
            continue
        with rapyer.pipeline():  # builtins are queued as JSON.STRAPPEND / str_mul
            if op == "+=":
                stash.s += arg
            else:
                stash.s *= arg
        mirror = mirror + arg if op == "+=" else mirror * arg
    assert stash.s == mirror
    assert (Stash.get(stash.key)).s == mirror
