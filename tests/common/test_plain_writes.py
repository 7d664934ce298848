"""The fast path of saving a root model of a plain class (``_commands.plain_save_plan``)
agrees with the general path (``_commands.save_plan``): the same commands and stored text, or
the same error, or ``None`` (the general path runs), and only for classes whose save is the
document write alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapyer import AtomicRedisModel, RedisConfig, _changes, _codec, _commands
from tests.common.test_codec import generated_models, texts
from tests.document_commands import NOT_DOCUMENT_COMMANDS
from tests.models import (
    Account,
    Aliased,
    Derived,
    Everything,
    Person,
    Pinned,
    Product,
    Session,
    Stash,
    User,
    WithPlainBase,
)


class OwnDump(AtomicRedisModel):
    """A class with its own ``model_dump_json`` (the general path calls it)."""

    Meta = RedisConfig(init_with_rapyer=False)
    name: str = ""

    def model_dump_json(self, **kwargs: Any) -> str:
        return super().model_dump_json(**kwargs)


def _outcome(plan: Any, model: AtomicRedisModel) -> tuple[str, Any]:
    try:
        return "ok", plan(model)
    except Exception as exc:  # the refusal, compared by type and message
        return "raised", (type(exc), str(exc))


pks = st.one_of(
    st.none(),  # the generated uuid
    st.text(max_size=10),
    st.text(max_size=6).map(lambda pk: pk + ":lock"),
    st.text(max_size=6).map(lambda pk: pk + "/pay:lock"),
    st.sampled_from(["{x}", "User:x", ":", ""]),
)

# What Redis held for the model, as ``_rapyer_stored`` keeps it: nothing, the model's own text,
# a parsed document with some fields changed or missing, or text that is no JSON object.
stored_states = st.sampled_from(["none", "same", "changed", "partial", "garbage", "list"])


def _with_state(model: AtomicRedisModel, pk: str | None, state: str, other: Any) -> None:
    if pk is not None:
        model.pk = pk
    try:
        text = _codec.dump_json(model)
    except Exception:
        return  # cannot be stored: both paths must refuse it the same way
    if state == "same":
        _changes.saved(model, text)
    elif state in ("changed", "partial"):
        data = json.loads(text)
        for name in list(data)[:: 2 if state == "changed" else 3]:
            if state == "changed":
                data[name] = other
            else:
                del data[name]
        model.__pydantic_private__["_rapyer_stored"] = data  # type: ignore[index]
    elif state == "garbage":
        _changes.saved(model, "not json")
    elif state == "list":
        _changes.saved(model, "[" + text + "]")


def _agree(model: AtomicRedisModel, pk: str | None, state: str, other: Any) -> None:
    _with_state(model, pk, state, other)
    twin = model.model_copy(deep=True)
    fast = _outcome(_commands.plain_save_plan, model)
    if fast == ("ok", None):
        return  # the general path runs
    if twin.__pydantic_private__["_rapyer_pk"] is None:  # type: ignore[index]
        twin.pk = model.pk  # the pk both paths generate for a new model (a uuid4)
    assert fast == _outcome(_commands.save_plan, twin)
    for name in ("_rapyer_pk", "_rapyer_stored"):  # what a plan may read and remember
        assert model.__pydantic_private__[name] == twin.__pydantic_private__[name]  # type: ignore[index]


@given(generated_models(), pks, stored_states, st.none() | st.integers() | texts)
def test_plain_save_plan_is_save_plan_for_generated_models(
    model: AtomicRedisModel, pk: str | None, state: str, other: Any
) -> None:
    _agree(model, pk, state, other)


models_of_the_suite = st.one_of(
    st.builds(User, name=texts, age=st.integers(), tags=st.lists(texts, max_size=3)),
    st.builds(Product, name=texts, price=st.floats()),
    st.builds(Everything, s=texts, i=st.integers(), f=st.floats(), raw=st.binary()),
    st.builds(Derived, name=texts, level=st.integers()),
    st.builds(WithPlainBase, title=texts, created_by=texts),
    st.builds(Aliased, secret=texts),
    st.builds(OwnDump, name=texts),
    st.builds(Account, account_id=st.text(min_size=1, max_size=6)),
    st.builds(Session, token=texts, hits=st.integers()),
    st.builds(Stash, n=st.integers(), s=texts, tags=st.sets(texts, max_size=2)),
    st.builds(Pinned, city=texts),
)


@given(models_of_the_suite, pks, stored_states, st.none() | st.integers() | texts)
def test_plain_save_plan_is_save_plan_for_the_suites_models(
    model: AtomicRedisModel, pk: str | None, state: str, other: Any
) -> None:
    _agree(model, pk, state, other)


def test_the_usual_save_takes_the_fast_path() -> None:
    user = User(name="a")
    fast = _commands.plain_save_plan(user)
    assert fast is not None and fast == _commands.save_plan(user)
    _changes.saved(user, fast[1])
    user.age = 3
    fast = _commands.plain_save_plan(user)
    assert fast is not None and fast == _commands.save_plan(user)
    assert [c[2] for c in fast[0]] == ["$", "$.age"]  # the document with NX, then the change


@pytest.mark.parametrize(
    "cls",
    # a set field, a nested model, a Key field, the cluster layout, own model_dump_json
    [Stash, Person, Account, Pinned, OwnDump],
)
def test_other_classes_take_the_general_path(cls: type[Any]) -> None:
    if cls is not OwnDump:
        assert _commands.plain_write(cls) is None
    model = cls.model_construct()
    model.pk = "x"
    assert _commands.plain_save_plan(model) is None


def test_nested_models_take_the_general_path() -> None:
    person = Person(name="p", address={"city": "c"})
    assert _commands.plain_save_plan(person.address) is None
    assert _commands.plain_save_plan(person) is None


def test_a_ttl_assigned_later_reaches_the_fast_plan() -> None:
    class LateTtlSave(AtomicRedisModel):
        class Meta:
            init_with_rapyer = False

        name: str = ""

    model = LateTtlSave(name="x")
    assert [c[0] for c in _commands.plain_save_plan(model)[0]] == ["JSON.SET"]  # type: ignore[index]
    LateTtlSave.Meta.ttl = 30  # type: ignore[attr-defined]
    try:
        fast = _commands.plain_save_plan(model)
        assert fast is not None and fast == _commands.save_plan(model)
        assert fast[0][-1] == ("EXPIRE", model.key, 30)
    finally:
        LateTtlSave.Meta.ttl = None  # type: ignore[attr-defined]
    assert [c[0] for c in _commands.plain_save_plan(model)[0]] == ["JSON.SET"]  # type: ignore[index]


@pytest.mark.parametrize(
    "commands, expected",
    [
        ([("JSON.SET", "k", "$", "{}")], ("k", ["", "", "{}"])),
        ([("JSON.SET", "k", "$", "{}", "NX")], ("k", ["", "", "{}", "NX"])),
        (
            [("JSON.SET", "k", "$", "{}", "NX"), ("JSON.SET", "k", "$.a", "1")],
            ("k", ["", "", "{}", "NX", "$.a", "1"]),
        ),
        ([("JSON.SET", "k", "$", "{}"), ("EXPIRE", "k", 5)], ("k", [5, "", "{}"])),
        (
            [
                ("JSON.SET", "k", "$", "{}", "NX"),
                ("JSON.SET", "k", "$.a", "1"),
                ("EXPIRE", "k", 5, "NX"),
            ],
            ("k", [5, "NX", "{}", "NX", "$.a", "1"]),
        ),
    ],
)
def test_document_commands_take_the_save_script(commands: Any, expected: Any) -> None:
    assert _commands.document_script_args(commands) == expected


@pytest.mark.parametrize(
    "commands",
    [
        *NOT_DOCUMENT_COMMANDS,
        [("JSON.SET", "k", "$", "{}"), ("EXPIRE", "other", 5)],
        [("JSON.SET", "k", "$", "{}"), ("EXPIRE", "k", 5, "XX")],
        [("JSON.SET", "k", "$", "{}"), ("EXPIRE", "k", 5), ("EXPIRE", "k", 5)],
        [("JSON.SET", "k", "$", "{}"), ("EXPIRE", "k", 5), ("JSON.SET", "k", "$.a", "1")],
    ],
)
def test_other_commands_take_the_transaction(commands: Any) -> None:
    assert _commands.document_script_args(commands) is None


@pytest.mark.parametrize(
    "commands, expected",
    [
        ([("JSON.GET", "k", "."), ("EXPIRE", "k", 5)], ("k", 5)),
        ([("JSON.GET", "k", "."), ("EXPIRE", "k", "5")], ("k", "5")),
    ],
)
def test_a_read_and_its_refresh_take_the_read_script(commands: Any, expected: Any) -> None:
    assert _commands.document_read_args(commands) == expected


@pytest.mark.parametrize(
    "commands",
    [
        [],
        [("JSON.GET", "k", ".")],
        [("JSON.GET", "k", "$"), ("EXPIRE", "k", 5)],
        [("JSON.GET", "k", "."), ("EXPIRE", "other", 5)],
        [("JSON.GET", "k", "."), ("EXPIRE", "k", 5, "NX")],
        [("JSON.GET", "k", "."), ("SMEMBERS", "s")],
        [("JSON.GET", "k", "."), ("EXPIRE", "k", 5), ("EXPIRE", "s", 5)],
        [("JSON.GET", "k", ".", "x"), ("EXPIRE", "k", 5)],
        [("EXPIRE", "k", 5), ("JSON.GET", "k", ".")],
    ],
)
def test_other_reads_take_the_transaction(commands: Any) -> None:
    assert _commands.document_read_args(commands) is None
