"""Trusted reads (``rapyer/_trusted.py``) build the same models as the regular load.

The fast path (no re-validation) and the general path (pydantic's validation in
``_codec.load_model``) must agree for every value the models accept: same field values, same
types (plain builtins where the model keeps them plain, Redis containers, nested models linked
to their parent), same pk and stored text. Models the fast path does not take must have no
plan, and documents it does not take must be left to the regular load.
"""

from __future__ import annotations

import json
import typing
from typing import Annotated, Any, Optional

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import AfterValidator, Field, ValidationError, field_validator

import tests.models as suite_models
from rapyer import AtomicRedisModel, Key, _bulk, _codec, _trusted
from rapyer._links import RedisValue
from rapyer._model import BaseRedisModel
from rapyer._pydantic_internals import shared_fields_set


class Leaf(AtomicRedisModel):
    label: str = ""
    weights: list[float] = Field(default_factory=list)


class Branch(AtomicRedisModel):
    leaf: Leaf = Field(default_factory=Leaf)
    count: Optional[int] = None


class Tree(AtomicRedisModel):
    """Every kind of field the trusted plan takes."""

    name: str
    size: int = 0
    ratio: float = 0.0
    flag: bool = False
    note: Optional[str] = None
    share: Optional[float] = None
    tags: list[str] = Field(default_factory=list)
    numbers: list[int] = Field(default_factory=list)
    floats: list[float] = Field(default_factory=list)
    flags: list[bool] = Field(default_factory=list)
    meta: dict[str, str] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict)
    branch: Branch = Field(default_factory=Branch)
    bounded: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0


class Keyed(AtomicRedisModel):
    code: Key[str]
    amount: float = 0.0


class Validated(AtomicRedisModel):
    name: str = ""

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class WithAfter(AtomicRedisModel):
    name: Annotated[str, AfterValidator(str.upper)] = ""


texts = st.text(max_size=8)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
floats = st.floats(allow_nan=False, allow_infinity=False) | ints.map(float)


def strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of a (rewritten) field annotation the trusted plan takes, as JSON data."""
    builtin = getattr(annotation, "_rapyer_builtin", None)
    if annotation is str or builtin is str:
        return texts
    if annotation is bool:
        return st.booleans()
    if annotation is int or builtin is int:
        return ints
    if annotation is float or builtin is float:
        return floats | ints  # ints too: a float field takes 1 as 1.0
    if isinstance(annotation, type) and issubclass(annotation, BaseRedisModel):
        return st.fixed_dictionaries(
            {name: strategy_for(info.annotation) for name, info in annotation.model_fields.items()}
        )
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Union:
        inner = next(a for a in args if a is not type(None))
        return st.none() | strategy_for(inner)
    origin = typing.get_origin(annotation)
    if issubclass(origin, list):
        return st.lists(strategy_for(args[0]), max_size=4)
    if issubclass(origin, dict):
        return st.dictionaries(texts, strategy_for(args[1]), max_size=4)
    raise AssertionError(f"no strategy for {annotation!r}")


def trusted_classes() -> list[type[BaseRedisModel]]:
    """The suite's models (``tests/models.py``) the trusted plan takes, and this module's."""
    found = [
        value
        for value in vars(suite_models).values()
        if isinstance(value, type)
        and issubclass(value, BaseRedisModel)
        and value is not AtomicRedisModel
        and value.__pydantic_complete__
        and not value.__pydantic_generic_metadata__.get("parameters")
        and _trusted.plan_of(value) is not None
    ]
    return [*found, Tree, Branch, Leaf, Keyed]


def same_structure(a: Any, b: Any, path: str = "") -> None:
    """Equal values of the same types, containers and nested models included."""
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, BaseRedisModel):
        assert a.__dict__.keys() == b.__dict__.keys(), path
        for name in a.__dict__:
            same_structure(a.__dict__[name], b.__dict__[name], f"{path}.{name}")
        assert a.__pydantic_fields_set__ == b.__pydantic_fields_set__, path
        assert a.__pydantic_extra__ == b.__pydantic_extra__, path
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(list.__iter__(a), list.__iter__(b), strict=True)):
            same_structure(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same_structure(dict.__getitem__(a, k), dict.__getitem__(b, k), f"{path}[{k!r}]")
    else:
        assert a == b, path
    if isinstance(a, RedisValue):
        assert (a._rapyer_link is None) == (b._rapyer_link is None), path


@pytest.mark.parametrize("cls", trusted_classes(), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_trusted_build_agrees_with_the_regular_load(
    cls: type[BaseRedisModel], data: st.DataObject
) -> None:
    values = data.draw(
        st.fixed_dictionaries(
            {name: strategy_for(info.annotation) for name, info in cls.model_fields.items()}
        )
    )
    try:
        model = cls.model_validate(values)
    except ValidationError:
        assume(False)  # only values the model accepts
        return
    pk = data.draw(st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12))
    if cls.__rapyer_key_field__ is not None:
        pk = str(getattr(model, cls.__rapyer_key_field__))
        assume(pk and ":" not in pk)
    key = f"{cls.class_key_initials()}:{pk}"
    text = model.redis_dump_json()
    regular = _codec.load_model(cls, text, key)
    plan = _trusted.plan_of(cls)
    assert plan is not None
    trusted = _trusted.build(plan, json.loads(text), key, text)
    assert trusted is not None, text
    assert trusted == regular
    same_structure(trusted, regular)
    assert trusted.__pydantic_private__ == regular.__pydantic_private__
    assert trusted.key == regular.key == key
    assert trusted.redis_dump_json() == regular.redis_dump_json() == text
    for name in cls.__rapyer_nested_fields__:  # nested models are linked to their parent
        nested = trusted.__dict__[name]
        assert nested._rapyer_parent is trusted and nested._rapyer_path == (name,)
        assert nested.root_model() is trusted
    # the same through the per-document entry point (search hits)
    assert _trusted.load(cls, text, key) == regular


@pytest.mark.parametrize("cls", [Validated, WithAfter, suite_models.Everything])
def test_classes_the_plan_does_not_take(cls: type[BaseRedisModel]) -> None:
    # validators, Annotated validators, values whose JSON form is not the Python value
    assert _trusted.plan_of(cls) is None


def test_documents_the_plan_does_not_take_are_left_to_the_regular_load() -> None:
    plan = _trusted.plan_of(Tree)
    assert plan is not None
    good = json.loads(Tree(name="x").redis_dump_json())
    assert _trusted.build(plan, dict(good), "Tree:1", "") is not None
    missing = {k: v for k, v in good.items() if k != "size"}  # an older version of the class
    assert _trusted.build(plan, missing, "Tree:1", "") is None
    assert _trusted.build(plan, {**good, "gone": 1}, "Tree:1", "") is None  # a removed field
    assert _trusted.build(plan, {**good, "size": "3"}, "Tree:1", "") is None  # another type
    assert _trusted.build(plan, {**good, "size": 1.0}, "Tree:1", "") is None
    assert _trusted.build(plan, {**good, "tags": {}}, "Tree:1", "") is None
    assert _trusted.build(plan, {**good, "branch": []}, "Tree:1", "") is None
    assert _trusted.build(plan, [good], "Tree:1", "") is None
    # the entry point of single documents falls back to the regular load
    text = json.dumps(missing)
    assert _trusted.load(Tree, text, "Tree:1") == _codec.load_model(Tree, text, "Tree:1")
    assert _trusted.load(Tree, text, "Tree:1").size == 0


def test_float_fields_written_as_ints_become_floats() -> None:
    plan = _trusted.plan_of(Tree)
    assert plan is not None
    doc = json.loads(Tree(name="x").redis_dump_json())
    doc.update(ratio=2, share=3, floats=[1, 2.5], scores={"a": 4})
    model = _trusted.build(plan, doc, "Tree:1", json.dumps(doc))
    assert model is not None
    assert type(model.ratio) is float or float in type(model.ratio).__mro__
    assert [type(x) for x in list.__iter__(model.floats)] == [float, float]
    assert [type(x) for x in dict.values(model.scores)] == [float]
    assert model == _codec.load_model(Tree, json.dumps(doc), "Tree:1")


# ---- one fields-set shared by bulk-loaded models (_pydantic_internals.shared_fields_set) ----


@pytest.mark.parametrize(
    "cls",
    [cls for cls in trusted_classes() if cls.__rapyer_key_field__ is None],
    ids=lambda cls: cls.__name__,
)
@given(data=st.data())
def test_bulk_loads_share_a_fields_set_that_behaves_as_their_own(
    cls: type[BaseRedisModel], data: st.DataObject
) -> None:
    documents = []
    for _ in range(data.draw(st.integers(1, 3))):
        values = data.draw(
            st.fixed_dictionaries(
                {name: strategy_for(info.annotation) for name, info in cls.model_fields.items()}
            )
        )
        try:
            documents.append(cls.model_validate(values).redis_dump_json())
        except ValidationError:
            assume(False)
    # a document of an older version of the class (a field missing) keeps its own set
    if data.draw(st.booleans()) and any(not i.is_required() for i in cls.model_fields.values()):
        name = next(n for n, i in cls.model_fields.items() if not i.is_required())
        doc = json.loads(documents[0])
        del doc[name]
        documents.append(json.dumps(doc))
    keys = [f"{cls.class_key_initials()}:k{i}" for i in range(len(documents))]
    models, missing = _bulk.ReadPlan(keys, cls).models([documents])
    assert missing is None
    regular = [_codec.load_model(cls, text, key) for key, text in zip(keys, documents, strict=True)]
    assert models == regular
    for model, alone in zip(models, regular, strict=True):
        assert model.model_fields_set == alone.model_fields_set
    # assigning a field leaves the others' sets as a model with its own set has them
    name = data.draw(st.sampled_from(sorted(cls.model_fields)))
    setattr(models[0], name, getattr(models[0], name))
    setattr(regular[0], name, getattr(regular[0], name))
    for model, alone in zip(models, regular, strict=True):
        assert model.model_fields_set == alone.model_fields_set
        assert model.model_dump(exclude_unset=True) == alone.model_dump(exclude_unset=True)


def test_a_changed_shared_fields_set_is_not_shared_again() -> None:
    shared = shared_fields_set(Tree)
    assert shared == set(Tree.model_fields)
    assert shared_fields_set(Tree) is shared
    shared.discard("name")  # someone changed it in place
    fresh = shared_fields_set(Tree)
    assert fresh is not shared and fresh == set(Tree.model_fields)
