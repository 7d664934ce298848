"""The fast path of the stored document (``rapyer._stored_edits``) against the general path.

After each direct field operation the stored document a model remembers is edited like the
server's (the fast path). A stateful machine runs random operations of every kind on a loaded
model (hostile item texts and dict keys, nested models, list items) and checks after each step
that the remembered document is the one the general path gives (the whole document dumped
from the local values and parsed), that it equals what the server holds, and that a save of
a local change writes the same commands from either document. Both the real server and
fakeredis. The blocking API is used; the async operations build the same edits (generated twins).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pydantic import Field

from rapyer import AtomicRedisModel, _changes, _codec, _stored_edits

TEXT = st.text(max_size=6)  # quotes, backslashes, control characters, any unicode
KEYS = TEXT.filter(lambda k: not (k.startswith(" ") or "\\" in k or ('"' in k and "'" in k)))
INTS = st.integers(-1000, 1000)
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


class SeInner(AtomicRedisModel):
    words: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


class SeDoc(AtomicRedisModel):
    name: str = "doc"
    items: list[str] = Field(default_factory=lambda: ["a", 'q"t', "b\\s"])
    nums: list[int] = Field(default_factory=lambda: [1, 2, 3])
    scores: dict[str, int] = Field(default_factory=lambda: {"keep": 1, "": 2})
    n: int = 0
    x: float = 0.5
    inner: SeInner = Field(default_factory=SeInner)


def general_document(model: SeDoc) -> dict[str, Any]:
    """What the general path remembers: every field dumped from the local values, parsed."""
    return {
        name: json.loads(_codec.dump_field_json(model, name)) for name in type(model).model_fields
    }


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True)


class StoredEditsMachine(RuleBasedStateMachine):
    client: Any = None  # the test's client of the server

    @initialize()
    def create(self) -> None:
        model = SeDoc()
        model.save()
        self.model = SeDoc.get(model.key)  # loaded: the remembered document is the read text
        self.fallbacks = 0

    # ---- lists ----------------------------------------------------------------------------

    @rule(item=TEXT)
    def append(self, item: str) -> None:
        self.model.items.append_now(item)

    @rule(items=st.lists(TEXT, max_size=3))
    def extend(self, items: list[str]) -> None:
        self.model.items.extend_now(items)

    @rule(index=st.integers(-6, 6), item=TEXT)
    def insert(self, index: int, item: str) -> None:
        self.model.items.insert_now(index, item)

    @rule(data=st.data())
    def pop(self, data: st.DataObject) -> None:
        size = len(self.model.items)
        index = data.draw(st.integers(-size, size - 1)) if size else -1
        self.model.items.pop_now(index)

    @rule(start=st.integers(-5, 5), end=st.integers(-5, 5))
    def remove_range(self, start: int, end: int) -> None:
        self.model.nums.remove_range_now(start, end)

    @rule(numbers=st.lists(INTS, max_size=3))
    def extend_numbers(self, numbers: list[int]) -> None:
        self.model.nums.extend_now(numbers)

    @precondition(lambda self: bool(getattr(self, "model", None) and self.model.nums))
    @rule(data=st.data(), amount=INTS)
    def increase_list_item(self, data: st.DataObject, amount: int) -> None:
        index = data.draw(st.integers(0, len(self.model.nums) - 1))
        self.model.nums[index].increase_now(amount)

    @rule()
    def clear_list(self) -> None:
        self.model.items.clear_now()

    @rule(items=st.lists(TEXT, max_size=3))
    def save_value(self, items: list[str]) -> None:
        self.model.items = items  # local assignment, then the value's own save
        self.model.items.save_now()

    # ---- dicts ----------------------------------------------------------------------------

    @rule(key=KEYS, value=INTS)
    def set_item(self, key: str, value: int) -> None:
        self.model.scores.set_item_now(key, value)

    @rule(mapping=st.dictionaries(KEYS, INTS, max_size=3))
    def update(self, mapping: dict[str, int]) -> None:
        self.model.scores.update_now(mapping)

    @rule(data=st.data())
    def delete_item(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from([*self.model.scores, "absent"]))
        self.model.scores.del_item_now(key)

    @rule(data=st.data())
    def pop_item(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from([*self.model.scores, "absent"]))
        self.model.scores.pop_now(key)

    @precondition(lambda self: bool(getattr(self, "model", None) and self.model.scores))
    @rule()
    def popitem(self) -> None:
        self.model.scores.popitem_now()

    @precondition(lambda self: bool(getattr(self, "model", None) and self.model.scores))
    @rule(data=st.data(), amount=INTS)
    def increase_dict_item(self, data: st.DataObject, amount: int) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.scores)))
        self.model.scores[key].increase_now(amount)

    @rule()
    def clear_dict(self) -> None:
        self.model.scores.clear_now()

    # ---- numbers and nested models ----------------------------------------------------------

    @rule(amount=INTS)
    def increase_int(self, amount: int) -> None:
        self.model.n.increase_now(amount)

    @rule(amount=FLOATS)
    def increase_float(self, amount: float) -> None:
        self.model.x.increase_now(amount)

    @rule(item=TEXT, key=KEYS, value=INTS)
    def nested(self, item: str, key: str, value: int) -> None:
        self.model.inner.words.append_now(item)
        self.model.inner.counts.set_item_now(key, value)
        self.model.inner.counts[key].increase_now(1)

    # ---- saves ----------------------------------------------------------------------------

    @rule(name=TEXT, item=TEXT)
    def save_of_a_local_change(self, name: str, item: str) -> None:
        """A local change, then a save: the same commands from either document."""
        remembered = _changes.stored_document(self.model)
        assert remembered is not None
        renamed = name != remembered["name"]
        self.model.name = name
        list.append(self.model.items, item)  # an in-place change, local only
        general = general_document(_without_local_changes(self.model, remembered))
        fast_plan, _ = _changes.root_save(self.model, self.model.key)
        self.model.__pydantic_private__["_rapyer_stored"] = general
        general_plan, _ = _changes.root_save(self.model, self.model.key)
        self.model.__pydantic_private__["_rapyer_stored"] = remembered
        assert fast_plan == general_plan
        assert [c[2] for c in fast_plan] == ["$", *(["$.name"] if renamed else []), "$.items"]
        self.model.save()

    @invariant()
    def remembered_is_the_general_document_and_the_servers(self) -> None:
        if not hasattr(self, "model"):
            return
        remembered = _changes.stored_document(self.model)
        assert remembered is not None
        assert canonical(remembered) == canonical(general_document(self.model))
        server = json.loads(self.client.execute_command("JSON.GET", self.model.key, "$"))[0]
        assert _changes._same(server, remembered)


def _without_local_changes(model: SeDoc, remembered: dict[str, Any]) -> SeDoc:
    """A copy of ``model`` holding, in the fields changed locally, the remembered values."""
    unchanged = model.model_copy(deep=True)
    unchanged.name = remembered["name"]
    unchanged.items = copy.deepcopy(remembered["items"])
    return unchanged


def test_fast_path_gives_the_general_document_and_the_same_saves(redis_backend) -> None:
    StoredEditsMachine.client = redis_backend
    run_state_machine_as_test(
        StoredEditsMachine, settings=settings(settings.default, stateful_step_count=25)
    )


def test_edits_that_are_not_exact_fall_back() -> None:
    """Where the remembered document does not match the operation, the fast path declines
    (the caller then re-dumps the field)."""
    document = {"items": ["a"], "scores": {"k": 1}, "n": 1.5}
    local_items: list[str] = ["a", "b", "c"]  # a local change the server never saw
    assert not _stored_edits.apply(document, ("items",), ("append", ('"c"',), local_items))
    assert not _stored_edits.apply(document, ("missing",), ("set", "1"))
    assert not _stored_edits.apply(document, ("items", 5), ("number", 2))
    assert not _stored_edits.apply(document, ("scores",), ("append", ('"x"',), ["x"]))
    assert not _stored_edits.apply(document, ("scores",), ("del_key", 1.5, {}))
    assert not _stored_edits.apply(document, ("n",), ("number", "2"))
    assert _stored_edits.apply(document, ("n",), ("number", 2.5))
    assert document["n"] == 2.5
