# GENERATED from tests/_async/test_list_scalar_items.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""A scalar read from a list item and held (``v = tally.ints[2]``) remembers its index; after
an operation that moves or removes the list's items (local, atomic or in a pipeline), a write
or read through it raises StaleItemError before anything is sent, instead of reaching the
item now at that index. Reading the item again gives a value that works."""

from __future__ import annotations

import datetime as dt

import pytest

import rapyer
from rapyer.errors import StaleItemError
from tests.models import Tally

FIRST = [10, 20, 30, 40, 50]


def _stored(tally):
    return (Tally.get(tally.key)).ints


def _local(tally, change):
    change(tally.ints)
    tally.save()


def _piped(tally, change):
    with rapyer.pipeline():
        change(tally.ints)


def _clear_extend(ints):
    ints.clear_now()
    ints.extend_now(FIRST[::-1])


# name -> (shift through the list (async), the plain-Python mirror of it)
SHIFTS = {
    "insert": (lambda t: _local(t, lambda s: s.insert(0, 9)), lambda m: m.insert(0, 9)),
    "pop_first": (lambda t: _local(t, lambda s: s.pop(0)), lambda m: m.pop(0)),
    "pop_last": (lambda t: _local(t, lambda s: s.pop()), lambda m: m.pop()),
    "remove": (lambda t: _local(t, lambda s: s.remove(10)), lambda m: m.remove(10)),
    "del": (lambda t: _local(t, lambda s: s.__delitem__(0)), lambda m: m.__delitem__(0)),
    "del_slice": (
        lambda t: _local(t, lambda s: s.__delitem__(slice(0, 2))),
        lambda m: m.__delitem__(slice(0, 2)),
    ),
    "set_slice": (
        lambda t: _local(t, lambda s: s.__setitem__(slice(0, 1), [7, 8])),
        lambda m: m.__setitem__(slice(0, 1), [7, 8]),
    ),
    "sort": (lambda t: _local(t, lambda s: s.sort(reverse=True)), lambda m: m.sort(reverse=True)),
    "reverse": (lambda t: _local(t, lambda s: s.reverse()), lambda m: m.reverse()),
    "clear_extend": (
        lambda t: _local(t, lambda s: (s.clear(), s.extend(FIRST[::-1]))),
        lambda m: (m.clear(), m.extend(FIRST[::-1])),
    ),
    "remove_range": (
        lambda t: _local(t, lambda s: s.remove_range(0, 1)),
        lambda m: m.__delitem__(slice(0, 1)),
    ),
    "atomic_insert": (
        lambda t: t.ints.insert_now(0, 9),
        lambda m: m.insert(0, 9),
    ),
    "atomic_pop": (lambda t: t.ints.pop_now(0), lambda m: m.pop(0)),
    "atomic_remove_range": (lambda t: t.ints.remove_range_now(1, 2), lambda m: m.__delitem__(1)),
    "atomic_clear_extend": (
        lambda t: _clear_extend(t.ints),
        lambda m: (m.clear(), m.extend(FIRST[::-1])),
    ),
    "piped_insert": (lambda t: _piped(t, lambda s: s.insert(1, 9)), lambda m: m.insert(1, 9)),
    "piped_pop": (lambda t: _piped(t, lambda s: s.pop(0)), lambda m: m.pop(0)),
}


@pytest.mark.parametrize("shift", sorted(SHIFTS))
def test_held_int_raises_after_a_shift(backend, shift):
    apply, mirror_of = SHIFTS[shift]
    tally = Tally(ints=FIRST)
    tally.save()
    held = tally.ints[2]
    apply(tally)
    mirror = list(FIRST)
    mirror_of(mirror)
    assert _stored(tally) == mirror

    with pytest.raises(StaleItemError, match="read the item from the list again"):
        held.increase_now(1)
    with pytest.raises(StaleItemError):
        held.save_now()
    with pytest.raises(StaleItemError):
        held.load_now()
    with pytest.raises(StaleItemError):
        with rapyer.pipeline():
            tally.ints.append(1)  # queued, dropped with the pipeline
            held += 1
    assert _stored(tally) == mirror  # nothing was sent

    # read again: the write lands on the item now at that index
    if len(mirror) > 2:
        again = tally.ints[2]
        again.increase_now(5)
        mirror[2] += 5
        assert _stored(tally) == mirror


def test_no_shift_keeps_held_items_exact(backend):
    tally = Tally(ints=FIRST)
    tally.save()
    held = tally.ints[2]
    held.increase_now(1)  # read, operate, read again
    tally.ints.append(60)  # appends and assignments move no item
    tally.ints[0] = 11
    tally.save()
    tally.ints.append_now(70)
    tally.ints.extend_now([80])
    held.increase_now(1)
    with rapyer.pipeline():
        held += 1
    again = tally.ints[2]
    again.increase_now(1)
    assert _stored(tally) == [11, 20, 34, 40, 50, 60, 70, 80]


def test_reading_the_moved_object_again_links_it_to_its_new_index(backend):
    tally = Tally(ints=FIRST)
    tally.save()
    held = tally.ints[2]
    tally.ints.insert_now(0, 9)
    assert tally.ints[3] == 30  # the same item, read at its new index
    tally.ints[3].increase_now(1)
    assert _stored(tally) == [9, 10, 20, 31, 40, 50]
    held.increase_now(1)  # the held object was read again at index 3: it lands there
    assert _stored(tally) == [9, 10, 20, 32, 40, 50]
    tally.ints.pop(0)
    with pytest.raises(StaleItemError):
        held.increase_now(1)


def test_every_scalar_type_raises_after_a_shift(backend):
    when = dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc)
    tally = Tally(
        floats=[1.5, 2.5, 3.5],
        strs=["a", "b", "c"],
        whens=[when, when + dt.timedelta(days=1), when + dt.timedelta(days=2)],
        raws=[b"x", b"y", b"z"],
    )
    tally.save()
    held = {name: getattr(tally, name)[1] for name in ("floats", "strs", "whens", "raws")}
    tally.floats.insert_now(0, 0.5)
    tally.strs.pop(0)
    tally.whens.reverse()
    del tally.raws[0]
    tally.save()
    before = (Tally.get(tally.key)).model_dump()
    with pytest.raises(StaleItemError):
        held["floats"].increase_now(1.0)
    for value in held.values():
        with pytest.raises(StaleItemError):
            value.save_now()
    with pytest.raises(StaleItemError):
        with rapyer.pipeline():
            text = held["strs"]
            text += "!"
    assert (Tally.get(tally.key)).model_dump() == before


def _del_local(tally):
    del tally.counts["a"]
    tally.save()


def _pop_piped(tally):
    with rapyer.pipeline():
        tally.counts.pop("a")


def _clear_refill(tally):
    tally.counts.clear()
    tally.counts["a"] = 100
    tally.save()


DELETES = {
    "del": _del_local,
    "piped_pop": _pop_piped,
    "clear_refill": _clear_refill,
    "atomic_del": lambda t: t.counts.del_item_now("a"),
    "atomic_pop": lambda t: t.counts.pop_now("a"),
    "atomic_clear": lambda t: t.counts.clear_now(),
}


@pytest.mark.parametrize("delete", sorted(DELETES))
def test_value_of_a_deleted_key_raises(backend, delete):
    tally = Tally(counts={"a": 1, "b": 2})
    tally.save()
    held, other = tally.counts["a"], tally.counts["b"]
    DELETES[delete](tally)
    before = (Tally.get(tally.key)).counts
    with pytest.raises(StaleItemError, match="read the item from the dict again"):
        held.increase_now(1)
    with pytest.raises(StaleItemError):
        held.save_now()
    with pytest.raises(StaleItemError):
        with rapyer.pipeline():
            held += 5
    assert (Tally.get(tally.key)).counts == before  # not recreated, nothing sent
    if "b" in tally.counts:  # the other keys' values still work
        other.increase_now(1)
        assert (Tally.get(tally.key)).counts["b"] == 3
