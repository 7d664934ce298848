"""Saves write only what changed (issue 12, item 6): a save never undoes a concurrent atomic
operation on another field; a missing document is written whole."""

from __future__ import annotations

import json

import pytest

from rapyer import apipeline
from tests import _io_async as io
from tests.integrity_models import IgCounter, IgUser

WORKERS = 8
ROUNDS = 12


def doc(client, key):
    raw = client.execute_command("JSON.GET", key, "$")
    return None if raw is None else json.loads(raw)[0]


async def test_save_keeps_a_concurrent_increment_of_another_field(redis_backend):
    counter = IgCounter()
    await counter.asave()
    mine = await IgCounter.aget(counter.key)
    other = await IgCounter.aget(counter.key)
    await other.n.aincrease(5)
    mine.a = 1
    await mine.asave()
    assert doc(redis_backend, counter.key)["n"] == 5
    assert doc(redis_backend, counter.key)["a"] == 1


async def test_in_place_changes_are_saved_and_only_they(redis_backend):
    counter = IgCounter(items=[1], note="x")
    await counter.asave()
    mine = await IgCounter.aget(counter.key)
    other = await IgCounter.aget(counter.key)
    mine.items.append(2)  # local, in place
    mine.inner.hits = 3  # a nested model, in place
    await other.n.aincrease(7)
    await other.aupdate(note="theirs")
    await mine.asave()
    stored = doc(redis_backend, counter.key)
    assert stored["items"] == [1, 2] and stored["inner"]["hits"] == 3
    assert stored["n"] == 7 and stored["note"] == "theirs"
    assert await IgCounter.aget(counter.key) == IgCounter(
        n=7, items=[1, 2], note="theirs", inner={"hits": 3}
    )


async def test_a_field_operation_is_not_written_back_by_a_later_save(redis_backend):
    counter = IgCounter()
    await counter.asave()
    await counter.n.aincrease(1)
    other = await IgCounter.aget(counter.key)
    await other.n.aincrease(10)
    counter.a = 2
    await counter.asave()
    assert doc(redis_backend, counter.key)["n"] == 11


@pytest.mark.parametrize("change", ["append", "pop", "replace"])
async def test_an_unsaved_change_before_a_field_operation_on_that_field_is_still_saved(
    redis_backend, change
):
    """A local change the server never saw, then an atomic operation on the same field: the
    next save writes the field as it is locally (the local change is not lost)."""
    counter = IgCounter(items=[1, 2])
    await counter.asave()
    if change == "append":
        counter.items.append(3)  # local only
    elif change == "pop":
        counter.items.pop(0)  # local only
    else:
        counter.items[0] = 9  # local only
    await counter.items.aappend(4)
    local = list(counter.items)
    await counter.asave()
    assert doc(redis_backend, counter.key)["items"] == local
    assert (await IgCounter.aget(counter.key)).items == local


async def test_a_deleted_document_is_written_whole(redis_backend):
    counter = IgCounter(n=3, note="keep")
    await counter.asave()
    loaded = await IgCounter.aget(counter.key)
    await IgCounter.adelete_by_key(counter.key)
    loaded.a = 4
    await loaded.asave()
    assert doc(redis_backend, counter.key) == json.loads(loaded.redis_dump_json())
    await IgCounter.adelete_by_key(counter.key)
    await loaded.asave()  # unchanged since the last save, and missing: written whole again
    assert doc(redis_backend, counter.key)["note"] == "keep"


async def test_pipeline_and_lock_saves_write_only_what_changed(redis_backend):
    counter = IgCounter()
    await counter.asave()
    other = await IgCounter.aget(counter.key)
    async with counter.apipeline() as piped:
        piped.note = "piped"
        await other.n.aincrease(2)  # runs at once, before the pipeline's EXEC
        await piped.asave()
    assert doc(redis_backend, counter.key)["n"] == 2
    async with IgCounter.alock_from_key(counter.key, save_at_end=True) as locked:
        await other.n.aincrease(3)
        locked.a = 9
    stored = doc(redis_backend, counter.key)
    assert stored["n"] == 5 and stored["a"] == 9 and stored["note"] == "piped"
    async with apipeline():
        other.note = "x"
        await other.asave()
    assert doc(redis_backend, counter.key)["n"] == 5


async def test_set_fields_are_saved_with_the_document(redis_backend):
    user = IgUser(email="s", roles={"a"})
    await user.asave()
    loaded = await IgUser.aget("s")
    loaded.roles.add("b")
    await loaded.asave()
    assert (await IgUser.aget("s")).roles == {"a", "b"}


async def locked_saver(key: str) -> None:
    for _ in range(ROUNDS):
        async with IgCounter.alock_from_key(key, "save", save_at_end=True) as model:
            model.a += 1


async def incrementer(key: str) -> None:
    model = await IgCounter.aget(key)
    for _ in range(ROUNDS):
        await model.n.aincrease(1)


async def test_lock_save_at_end_loses_no_concurrent_increment(backend, capsys):
    counter = IgCounter()
    await counter.asave()
    calls = [lambda: locked_saver(counter.key) for _ in range(WORKERS // 2)]
    calls += [lambda: incrementer(counter.key) for _ in range(WORKERS // 2)]
    await io.gather_calls(*calls)
    stored = doc(backend, counter.key)
    expected = WORKERS // 2 * ROUNDS
    with capsys.disabled():
        print(f"\nlock+save_at_end vs increments: lost n={expected - stored['n']}")
    assert stored["n"] == expected and stored["a"] == expected


async def updater(key: str, field: str) -> None:
    model = await IgCounter.aget(key)
    for i in range(1, ROUNDS + 1):
        await model.aupdate(**{field: i})


async def saver(key: str) -> None:
    for i in range(1, ROUNDS + 1):
        model = await IgCounter.aget(key)
        model.items = [i]
        await model.asave()


async def test_concurrent_updates_and_saves_of_different_fields_lose_nothing(backend):
    counter = IgCounter()
    await counter.asave()
    await io.gather_calls(
        lambda: updater(counter.key, "a"),
        lambda: updater(counter.key, "n"),
        lambda: saver(counter.key),
        lambda: incrementer_inner(counter.key),
    )
    stored = doc(backend, counter.key)
    assert stored["a"] == ROUNDS and stored["n"] == ROUNDS and stored["items"] == [ROUNDS]
    assert stored["inner"]["hits"] == ROUNDS


async def incrementer_inner(key: str) -> None:
    model = await IgCounter.aget(key)
    for _ in range(ROUNDS):
        await model.inner.hits.aincrease(1)


@pytest.mark.parametrize("fields", [{"a": 1}, {"note": "n"}, {}])
async def test_unchanged_or_changed_models_round_trip(redis_backend, fields):
    counter = IgCounter(n=1)
    await counter.asave()
    loaded = await IgCounter.aget(counter.key)
    for name, value in fields.items():
        setattr(loaded, name, value)
    await loaded.asave()
    assert await IgCounter.aget(counter.key) == loaded
