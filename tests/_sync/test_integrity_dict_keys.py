# GENERATED from tests/_async/test_integrity_dict_keys.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Dict keys are addressed exactly, whatever they contain, or the operation raises
UnaddressableKeyError before anything is sent (issue 12, item 1)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rapyer
from rapyer.errors import RapyerError, UnaddressableKeyError
from tests.integrity_models import IgPlaces, IgScores

HOSTILE = [
    " keep", "keep ", " ", "", "  k", "\t", "\tk", "k\n", "a b", "a.b", "$", "]", "[", "a]b",
    "'", '"', "a'b", 'a"b', "a\"]b", "\\", "a\\b", "\x00", "é", "\u00a0k", "*", "?", "..", ":",
    "-1", "0", "true", "null", "keep", " \"'", "$.keep", "keep]", "['keep']", '["keep"]',
]  # fmt: skip
START = {"keep": 1, "": 2, "k": 3, "other": 4}


def addressable(key: str) -> bool:
    """The documented rule: a JSON path cannot name a key starting with a space (the
    server strips it), holding a backslash, or holding both quote characters."""
    return not (key.startswith(" ") or "\\" in key or ('"' in key and "'" in key))


def stored(client, key: str, field: str = "scores") -> dict:
    return json.loads(client.execute_command("JSON.GET", key, "$"))[0][field]


def fresh_scores() -> IgScores:
    model = IgScores(scores=dict(START), deep={"in": dict(START)})
    model.save()
    return model


def apply_or_refuse(client, model, field, operation, expected, key):
    """Run ``operation``; the stored dict must become ``expected``, or (for a key no path can
    name) the operation raised UnaddressableKeyError and the stored dict is unchanged."""
    before = stored(client, model.key, field)
    if not addressable(key):
        with pytest.raises(UnaddressableKeyError):
            operation()
        assert stored(client, model.key, field) == before
        return False
    operation()
    assert stored(client, model.key, field) == expected
    return True


@pytest.mark.parametrize("key", HOSTILE)
def test_every_dict_operation_reaches_exactly_its_key(redis_backend, key):
    model = fresh_scores()
    expected = {**START, key: 7}
    apply_or_refuse(
        redis_backend, model, "scores", lambda: model.scores.set_item_now(key, 7), expected, key
    )
    model = fresh_scores()
    apply_or_refuse(
        redis_backend,
        model,
        "scores",
        lambda: model.scores.update_now({key: 8}),
        {**START, key: 8},
        key,
    )
    model = fresh_scores()
    without = {k: v for k, v in START.items() if k != key}
    apply_or_refuse(
        redis_backend, model, "scores", lambda: model.scores.del_item_now(key), without, key
    )
    model = fresh_scores()
    apply_or_refuse(
        redis_backend, model, "scores", lambda: model.scores.pop_now(key), without, key
    )


@pytest.mark.parametrize("key", HOSTILE)
def test_nested_dicts_and_pipelines_reach_exactly_their_key(redis_backend, key):
    model = fresh_scores()

    def nested():
        model.deep["in"].set_item_now(key, 9)

    apply_or_refuse(redis_backend, model, "deep", nested, {"in": {**START, key: 9}}, key)

    model = fresh_scores()

    def piped():
        with model.pipeline() as fresh:
            fresh.scores[key] = 5

    apply_or_refuse(redis_backend, model, "scores", piped, {**START, key: 5}, key)


@pytest.mark.parametrize("key", [" keep", " ", "  k", "keep"])
def test_increase_of_an_item_reaches_exactly_its_key(redis_backend, key):
    model = IgScores(scores={**START, key: 10})
    model.save()
    expected = {**START, key: 11}
    apply_or_refuse(
        redis_backend, model, "scores", lambda: model.scores[key].increase_now(1), expected, key
    )


@pytest.mark.parametrize("key", [" x", "a.b", "q'q", ""])
def test_nested_model_in_dict_writes_exactly_its_entry(redis_backend, key):
    places = IgPlaces(by_name={"x": {"label": "x"}, key: {"label": "k"}})
    places.save()
    spot = places.by_name[key]
    before = stored(redis_backend, places.key, "by_name")
    if not addressable(key):
        with pytest.raises(UnaddressableKeyError):
            spot.hits.increase_now(3)
        assert stored(redis_backend, places.key, "by_name") == before
        return
    spot.hits.increase_now(3)
    after = stored(redis_backend, places.key, "by_name")
    assert after == {"x": {"label": "x", "hits": 0}, key: {"label": "k", "hits": 3}}


def test_unaddressable_key_error_is_public():
    assert issubclass(UnaddressableKeyError, RapyerError)
    assert issubclass(UnaddressableKeyError, ValueError)
    assert rapyer.errors.UnaddressableKeyError is UnaddressableKeyError


@given(key=st.text(max_size=6), value=st.integers(-100, 100))
def test_any_text_key_is_set_read_and_deleted_exactly(redis_backend, key, value):
    redis_backend.flushdb()
    model = IgScores(scores=dict(START))
    model.save()
    if apply_or_refuse(
        redis_backend, model, "scores", lambda: model.scores.set_item_now(key, value),
        {**START, key: value}, key,
    ):  # fmt: skip
        loaded = IgScores.get(model.key)
        assert loaded.scores == {**START, key: value}
        without = {k: v for k, v in START.items() if k != key}
        assert apply_or_refuse(
            redis_backend, model, "scores", lambda: model.scores.del_item_now(key), without, key
        )
