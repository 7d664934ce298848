# GENERATED from tests/_async/test_integrity_saves.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Saves write only what changed (issue 12, item 6): a save never undoes a concurrent atomic
operation on another field; a missing document is written whole."""

from __future__ import annotations

import json

import pytest

from rapyer import pipeline
from tests import _io_sync as io
from tests.integrity_models import IgCounter, IgUser

WORKERS = 8
ROUNDS = 12


def doc(client, key):
    raw = client.execute_command("JSON.GET", key, "$")
    return None if raw is None else json.loads(raw)[0]


def test_save_keeps_a_concurrent_increment_of_another_field(redis_backend):
    counter = IgCounter()
    counter.save()
    mine = IgCounter.get(counter.key)
    other = IgCounter.get(counter.key)
    other.n.increase_now(5)
    mine.a = 1
    mine.save()
    assert doc(redis_backend, counter.key)["n"] == 5
    assert doc(redis_backend, counter.key)["a"] == 1


def test_in_place_changes_are_saved_and_only_they(redis_backend):
    counter = IgCounter(items=[1], note="x")
    counter.save()
    mine = IgCounter.get(counter.key)
    other = IgCounter.get(counter.key)
    mine.items.append(2)  # local, in place
    mine.inner.hits = 3  # a nested model, in place
    other.n.increase_now(7)
    other.update(note="theirs")
    mine.save()
    stored = doc(redis_backend, counter.key)
    assert stored["items"] == [1, 2] and stored["inner"]["hits"] == 3
    assert stored["n"] == 7 and stored["note"] == "theirs"
    assert IgCounter.get(counter.key) == IgCounter(
        n=7, items=[1, 2], note="theirs", inner={"hits": 3}
    )


def test_a_field_operation_is_not_written_back_by_a_later_save(redis_backend):
    counter = IgCounter()
    counter.save()
    counter.n.increase_now(1)
    other = IgCounter.get(counter.key)
    other.n.increase_now(10)
    counter.a = 2
    counter.save()
    assert doc(redis_backend, counter.key)["n"] == 11


@pytest.mark.parametrize("change", ["append", "pop", "replace"])
def test_an_unsaved_change_before_a_field_operation_on_that_field_is_still_saved(
    redis_backend, change
):
    """A local change the server never saw, then an atomic operation on the same field: the
    next save writes the field as it is locally (the local change is not lost)."""
    counter = IgCounter(items=[1, 2])
    counter.save()
    if change == "append":
        counter.items.append(3)  # local only
    elif change == "pop":
        counter.items.pop(0)  # local only
    else:
        counter.items[0] = 9  # local only
    counter.items.append_now(4)
    local = list(counter.items)
    counter.save()
    assert doc(redis_backend, counter.key)["items"] == local
    assert (IgCounter.get(counter.key)).items == local


def test_a_deleted_document_is_written_whole(redis_backend):
    counter = IgCounter(n=3, note="keep")
    counter.save()
    loaded = IgCounter.get(counter.key)
    IgCounter.delete_by_key(counter.key)
    loaded.a = 4
    loaded.save()
    assert doc(redis_backend, counter.key) == json.loads(loaded.redis_dump_json())
    IgCounter.delete_by_key(counter.key)
    loaded.save()  # unchanged since the last save, and missing: written whole again
    assert doc(redis_backend, counter.key)["note"] == "keep"


def test_pipeline_and_lock_saves_write_only_what_changed(redis_backend):
    counter = IgCounter()
    counter.save()
    other = IgCounter.get(counter.key)
    with counter.pipeline() as piped:
        piped.note = "piped"
        other.n.increase_now(2)  # runs at once, before the pipeline's EXEC
        piped.save()
    assert doc(redis_backend, counter.key)["n"] == 2
    with IgCounter.lock_from_key(counter.key, save_at_end=True) as locked:
        other.n.increase_now(3)
        locked.a = 9
    stored = doc(redis_backend, counter.key)
    assert stored["n"] == 5 and stored["a"] == 9 and stored["note"] == "piped"
    with pipeline():
        other.note = "x"
        other.save()
    assert doc(redis_backend, counter.key)["n"] == 5


def test_set_fields_are_saved_with_the_document(redis_backend):
    user = IgUser(email="s", roles={"a"})
    user.save()
    loaded = IgUser.get("s")
    loaded.roles.add("b")
    loaded.save()
    assert (IgUser.get("s")).roles == {"a", "b"}


def locked_saver(key: str) -> None:
    for _ in range(ROUNDS):
        with IgCounter.lock_from_key(key, "save", save_at_end=True) as model:
            model.a += 1


def incrementer(key: str) -> None:
    model = IgCounter.get(key)
    for _ in range(ROUNDS):
        model.n.increase_now(1)


def test_lock_save_at_end_loses_no_concurrent_increment(backend, capsys):
    counter = IgCounter()
    counter.save()
    calls = [lambda: locked_saver(counter.key) for _ in range(WORKERS // 2)]
    calls += [lambda: incrementer(counter.key) for _ in range(WORKERS // 2)]
    io.gather_calls(*calls)
    stored = doc(backend, counter.key)
    expected = WORKERS // 2 * ROUNDS
    with capsys.disabled():
        print(f"\nlock+save_at_end vs increments: lost n={expected - stored['n']}")
    assert stored["n"] == expected and stored["a"] == expected


def updater(key: str, field: str) -> None:
    model = IgCounter.get(key)
    for i in range(1, ROUNDS + 1):
        model.update(**{field: i})


def saver(key: str) -> None:
    for i in range(1, ROUNDS + 1):
        model = IgCounter.get(key)
        model.items = [i]
        model.save()


def test_concurrent_updates_and_saves_of_different_fields_lose_nothing(backend):
    counter = IgCounter()
    counter.save()
    io.gather_calls(
        lambda: updater(counter.key, "a"),
        lambda: updater(counter.key, "n"),
        lambda: saver(counter.key),
        lambda: incrementer_inner(counter.key),
    )
    stored = doc(backend, counter.key)
    assert stored["a"] == ROUNDS and stored["n"] == ROUNDS and stored["items"] == [ROUNDS]
    assert stored["inner"]["hits"] == ROUNDS


def incrementer_inner(key: str) -> None:
    model = IgCounter.get(key)
    for _ in range(ROUNDS):
        model.inner.hits.increase_now(1)


@pytest.mark.parametrize("fields", [{"a": 1}, {"note": "n"}, {}])
def test_unchanged_or_changed_models_round_trip(redis_backend, fields):
    counter = IgCounter(n=1)
    counter.save()
    loaded = IgCounter.get(counter.key)
    for name, value in fields.items():
        setattr(loaded, name, value)
    loaded.save()
    assert IgCounter.get(counter.key) == loaded
