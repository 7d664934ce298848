"""Items of a list of nested models follow their position: after random sequences of
operations that shift the items (local ones then a save, atomic ones, pipelines), an atomic
write through every item lands in that item and nowhere else (compared to plain Python)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import rapyer
from tests.models import Crate, Shelf, Slot

STEPS = settings(settings.default)
INDEX = st.integers(-4, 4)

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), INDEX),
        st.tuples(st.just("pop"), INDEX),
        st.tuples(st.just("remove"), INDEX),
        st.tuples(st.just("del"), INDEX),
        st.tuples(st.just("del_slice"), INDEX, INDEX),
        st.tuples(st.just("set_slice"), INDEX, INDEX, st.integers(0, 2)),
        st.tuples(st.just("sort")),
        st.tuples(st.just("reverse")),
        st.tuples(st.just("refill")),
        st.tuples(st.just("atomic_insert"), INDEX),
        st.tuples(st.just("atomic_pop"), INDEX),
        st.tuples(st.just("atomic_remove_range"), INDEX, INDEX),
        st.tuples(st.just("piped_insert"), INDEX),
        st.tuples(st.just("piped_pop"), INDEX),
        st.tuples(st.just("outer_insert")),
        st.tuples(st.just("outer_atomic_insert")),
    ),
    max_size=10,
)


ATOMIC = {
    "atomic_insert",
    "atomic_pop",
    "atomic_remove_range",
    "piped_insert",
    "piped_pop",
    "outer_atomic_insert",
}
# where the shifting list lives: a field, a dict value, the last item of a list of models
PLACES = {
    "field": (lambda m: m.items, lambda d: d["items"]),
    "dict": (lambda m: m.groups["g"], lambda d: d["groups"]["g"]),
    "in_item": (lambda m: m.crates[-1].slots, lambda d: d["crates"][-1]["slots"]),
}


def _doc(slot):
    return {"tag": slot.tag, "x": slot.x, "sub": list(slot.sub)}


async def _shift(shelf, held, mirror, op, args, fresh):
    """Apply one shifting operation to ``held`` (a stored list) and ``mirror`` (dicts); the
    ``outer_`` ones shift the list of crates (the last one holds the ``in_item`` list)."""
    if op == "outer_insert":
        shelf.crates.insert(0, Crate(slots=[Slot(tag=fresh)]))
    elif op == "outer_atomic_insert":
        await shelf.crates.ainsert(0, Crate())  # sync: ainsert=insert_now
    size = len(mirror)
    inside = size and -size <= args[0] < size if args else False
    if op == "insert":
        held.insert(args[0], Slot(tag=fresh))
        mirror.insert(args[0], {"tag": fresh, "x": 0, "sub": []})
    elif op == "pop" and inside:
        assert held.pop(args[0]).tag == mirror.pop(args[0])["tag"]
    elif op == "remove" and inside:
        target = held[args[0]]
        held.remove(target)
        mirror.remove(_doc(target))
    elif op == "del" and inside:
        del held[args[0]]
        del mirror[args[0]]
    elif op == "del_slice":
        del held[args[0] : args[1]]
        del mirror[args[0] : args[1]]
    elif op == "set_slice":
        new = [fresh + k for k in range(args[2])]
        held[args[0] : args[1]] = [Slot(tag=t) for t in new]
        mirror[args[0] : args[1]] = [{"tag": t, "x": 0, "sub": []} for t in new]
    elif op == "sort":
        held.sort(key=lambda slot: -slot.tag)
        mirror.sort(key=lambda doc: -doc["tag"])
    elif op == "reverse":
        held.reverse()
        mirror.reverse()
    elif op == "refill":
        kept = [_doc(slot) for slot in held][::-1]
        held.clear()
        held.extend(Slot(**doc) for doc in kept)
        mirror[:] = kept
    elif op == "atomic_insert":
        await held.ainsert(args[0], Slot(tag=fresh))  # sync: ainsert=insert_now
        mirror.insert(args[0], {"tag": fresh, "x": 0, "sub": []})
    elif op == "atomic_pop" and inside:
        assert (await held.apop(args[0])).tag == mirror.pop(args[0])["tag"]
    elif op == "atomic_remove_range":
        await held.aremove_range(*args)
        del mirror[args[0] : args[1]]
    elif op == "piped_insert":
        async with rapyer.apipeline():
            held.insert(args[0], Slot(tag=fresh))
        mirror.insert(args[0], {"tag": fresh, "x": 0, "sub": []})
    elif op == "piped_pop" and inside:
        async with rapyer.apipeline():
            held.pop(args[0])
        mirror.pop(args[0])


async def _check_every_item(shelf, held_of, stored_of, mirror):
    """An atomic write through each item (a number, then its nested list) lands there."""
    for i in range(len(mirror)):
        slot = held_of(shelf)[i]
        await slot.x.aincrease(i + 1)
        mirror[i]["x"] += i + 1
        await slot.sub.aappend(i)
        mirror[i]["sub"].append(i)
        slot.sub.append(-i)
        await slot.asave()  # the nested model's save: its own place only
        mirror[i]["sub"].append(-i)
        stored = stored_of((await Shelf.aget(shelf.key)).model_dump())
        assert stored == mirror, (i, stored, mirror)
    assert [_doc(slot) for slot in held_of(shelf)] == mirror


@STEPS
@given(ops=OPS, place=st.sampled_from(sorted(PLACES)))
async def test_atomic_writes_through_items_land_after_shifts(backend, ops, place):
    first = [{"tag": t, "x": 0, "sub": []} for t in range(4)]
    shelf = Shelf(
        items=[Slot(**d) for d in first],
        groups={"g": [Slot(**d) for d in first]},
        crates=[Crate(slots=[Slot(tag=9)]), Crate(slots=[Slot(**d) for d in first])],
    )
    await shelf.asave()
    held_of, stored_of = PLACES[place]

    mirror = [dict(d, sub=[]) for d in first]
    unsaved = False
    for step, (op, *args) in enumerate(ops):
        atomic = op in ATOMIC
        if atomic and unsaved:
            await shelf.asave()  # the local shifts so far, before the server's own
        unsaved = not atomic
        await _shift(shelf, held_of(shelf), mirror, op, args, fresh=100 + step * 10)
    await shelf.asave()  # the local shifts
    await _check_every_item(shelf, held_of, stored_of, mirror)
