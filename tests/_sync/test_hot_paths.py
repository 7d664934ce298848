# GENERATED from tests/_async/test_hot_paths.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The fast paths of ``rapyer._types.hot`` (int increase, list append) against the general path.

Two twin documents get the same random steps: one model with the fast paths, the other with
them switched off (``hot.ENABLED``). Steps include what the fast path must notice or hand
over: local changes not saved, saves, a new pk, reloads and copies, values held from before,
and changes by another client (the field deleted, a number with a fraction or a string stored
there, the document deleted). After each step both give the same reply or error, the same
model, the same remembered stored document and the same server document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import _changes
from rapyer._types import hot
from rapyer.errors import CantSerializeRedisValueError, RapyerError
from tests.models import Hot, HotKeyed

AMOUNTS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([2**53, -(2**53), 2**53 + 1, 2**62, True]),
    st.floats(-3, 3, allow_nan=False).map(lambda f: round(f, 1)),
)
TEXTS = st.text(max_size=4)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("inc"), AMOUNTS),
        st.tuples(st.just("inc_held"), AMOUNTS),
        st.tuples(st.just("append"), TEXTS),
        st.tuples(st.just("append_held"), TEXTS),
        st.tuples(st.just("local_n"), st.integers(-3, 3)),
        st.tuples(st.just("local_tags"), st.lists(TEXTS, max_size=2)),
        st.tuples(
            st.just("server_n"),
            st.sampled_from(["7", "2.0", "1.5", '"s"', "null", "[7]", '{"n": 7}']),
        ),
        st.tuples(st.just("server_tags"), st.sampled_from(['["a"]', "[]", "1", '"s"'])),
        st.tuples(
            st.sampled_from(
                ["hold", "save", "reload", "copy", "rekey", "drop_n", "drop_tags", "delete"]
            ),
            st.none(),
        ),
    ),
    max_size=14,
)


def remembered(model: Any) -> Any:
    """The remembered stored document, parsed without changing what the model keeps."""
    stored = model.__pydantic_private__.get("_rapyer_stored")
    if isinstance(stored, str):
        data = json.loads(stored)
        return data[0] if isinstance(data, list) else data
    return stored


class Twin:
    def __init__(self, model: Any, client: Any, tag: str):
        self.model = model
        self.client = client
        self.tag = tag
        self.held_n = model.n
        self.held_tags = model.tags
        self.rekeys = 0

    def step(self, kind: str, arg: Any) -> Any:
        model = self.model
        if kind == "inc":
            return model.n.increase_now(arg)
        if kind == "inc_held":
            return self.held_n.increase_now(arg)
        if kind == "append":
            return model.tags.append_now(arg)
        if kind == "append_held":
            return self.held_tags.append_now(arg)
        if kind == "hold":
            self.held_n, self.held_tags = model.n, model.tags
        elif kind == "local_n":
            model.n = arg
        elif kind == "local_tags":
            model.tags = arg
        elif kind == "server_n":
            self.client.execute_command("JSON.SET", model.key, "$.n", arg)
        elif kind == "server_tags":
            self.client.execute_command("JSON.SET", model.key, "$.tags", arg)
        elif kind == "drop_n":
            self.client.execute_command("JSON.DEL", model.key, "$.n")
        elif kind == "drop_tags":
            self.client.execute_command("JSON.DEL", model.key, "$.tags")
        elif kind == "save":
            model.save()
        elif kind == "reload":
            self.model = type(model).get(model.key)
        elif kind == "copy":
            self.model = model.model_copy(deep=True)
        elif kind == "rekey":
            self.rekeys += 1
            if isinstance(model, HotKeyed):
                self.model = HotKeyed(name=self.new_pk(), n=model.n, tags=model.tags)
            else:
                model.pk = self.new_pk()
            self.model.save()
        elif kind == "delete":
            model.delete()
        return None

    def new_pk(self) -> str:
        # every other pk is not ASCII: its commands carry the key as text, not bytes
        return f"{self.tag}-{'ñ' if self.rekeys % 2 else ''}{self.rekeys}"

    def state(self) -> Any:
        model = self.model
        raw = self.client.execute_command("JSON.GET", model.key, "$")
        server = json.loads(raw)[0] if raw else None
        document = remembered(model)
        for data in (server, document):
            if isinstance(data, dict):
                data.pop("name", None)  # the Key field differs between the twins
        dumped = model.model_dump(exclude={"name"})
        return dumped, document, server, int(self.held_n), list(self.held_tags)


def outcome(twin: Twin, kind: str, arg: Any) -> Any:
    try:
        return ("ok", twin.step(kind, arg))
    except Exception as exc:  # noqa: BLE001 - both paths must raise the same
        return ("error", type(exc))


def general(twin: Twin, kind: str, arg: Any) -> Any:
    hot.ENABLED = False
    try:
        return outcome(twin, kind, arg)
    finally:
        hot.ENABLED = True


def run_twins(model_cls: Any, client: Any, steps: list[tuple[str, Any]]) -> None:
    if model_cls is HotKeyed:
        fast_model, general_model = HotKeyed(name="f"), HotKeyed(name="g")
    else:
        fast_model, general_model = Hot(), Hot()
    for model in (fast_model, general_model):
        model.tags = ["x"]
        model.save()
    fast = Twin(model_cls.get(fast_model.key), client, "f")
    slow = Twin(model_cls.get(general_model.key), client, "g")
    for kind, arg in steps:
        assert outcome(fast, kind, arg) == general(slow, kind, arg), (kind, arg)
        assert fast.state() == slow.state(), (kind, arg)
    outcome(fast, "save", None)
    general(slow, "save", None)
    assert fast.state() == slow.state()


@pytest.mark.parametrize("model_cls", [Hot, HotKeyed])
@given(steps=STEPS)
def test_fast_paths_agree_with_the_general_path(redis_backend, model_cls, steps):
    run_twins(model_cls, redis_backend, steps)


def test_the_fast_paths_are_taken(real_redis, monkeypatch):
    calls = {"increased": 0, "appended": 0}
    for name in calls:
        original = getattr(hot, name)

        def counted(*args: Any, _original: Any = original, _name: str = name) -> Any:
            done = _original(*args)
            calls[_name] += done is not None and done is not False  # the fast path finished
            return done

        monkeypatch.setattr(hot, name, counted)
    model = Hot()
    model.save()
    model = Hot.get(model.key)
    for _ in range(3):
        model.n.increase_now(2)
        model.tags.append_now("t")
    assert calls == {"increased": 3, "appended": 3}
    assert model.n.__dict__["_rapyer_spot"].checked is False  # no constraints: no check
    assert (Hot.get(model.key)).model_dump() == model.model_dump()
    model.pk = "moved"  # a new pk: the kept location is not used again
    model.save()
    model.n.increase_now(1)
    model.tags.append_now("u")
    stored = json.loads(real_redis.execute_command("JSON.GET", model.key, "$"))[0]
    assert model.key.endswith(":moved") and stored["n"] == 7 and stored["tags"][-1] == "u"
    assert calls == {"increased": 4, "appended": 4}
    assert _changes.stored_document(model) == stored
    # Another client changes the number: the increase filtered to the local value applies
    # nothing, the script runs next; the next ones run the script directly.
    real_redis.execute_command("JSON.SET", model.key, "$.n", "100")
    assert model.n.__dict__["_rapyer_spot"].contended is False
    assert model.n.increase_now(1) == 101
    assert calls["increased"] == 5 and model.n.__dict__["_rapyer_spot"].contended is True
    real_redis.execute_command("JSON.SET", model.key, "$.n", "200")
    assert model.n.increase_now(1) == 201
    assert calls["increased"] == 6
    real_redis.execute_command("JSON.SET", model.key, "$.n", "2.5")
    with pytest.raises(CantSerializeRedisValueError):
        model.n.increase_now(1)
    assert json.loads(real_redis.execute_command("JSON.GET", model.key, "$.n")) == [2.5]


@pytest.mark.parametrize("stored", ["[7]", "[7, 7]", '{"n": 7}', '{"a": [7]}'])
def test_an_increase_never_reaches_inside_a_container_holding_the_int(real_redis, stored):
    # The filtered increase names the field from the root: an array or object stored where
    # the model holds 7 (written by another program) is refused as on the general path, and
    # nothing inside it changes.
    model = Hot()
    model.n = 7
    model.save()
    model = Hot.get(model.key)
    real_redis.execute_command("JSON.SET", model.key, "$.n", stored)
    with pytest.raises(RapyerError):
        model.n.increase_now(1)
    assert json.loads(real_redis.execute_command("JSON.GET", model.key, "$.n")) == [
        json.loads(stored)
    ]
