"""Bulk loads (``_bulk.ReadPlan.models``, the fast path of ``find``) give the models of the
regular load (``_codec.load_model``), including one ``__pydantic_fields_set__`` shared by the
models with every field set (``_pydantic_internals.shared_fields_set``), which must behave as
each model's own set.
"""

from __future__ import annotations

import contextlib
import json
import typing
from typing import Annotated, Any, Optional
from unittest import mock

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import Field, ValidationError, model_validator

import tests.models as suite_models
from rapyer import AtomicRedisModel, _bulk, _codec
from rapyer._links import RedisValue
from rapyer._model import BaseRedisModel
from rapyer._nesting import iter_models
from rapyer._pydantic_internals import is_fast_post_init, list_validator, shared_fields_set


class Leaf(AtomicRedisModel):
    label: str = ""
    weights: list[float] = Field(default_factory=list)


class Branch(AtomicRedisModel):
    leaf: Leaf = Field(default_factory=Leaf)
    count: Optional[int] = None


class Tree(AtomicRedisModel):
    """Lists, dicts, optional and nested fields (floats written as ints too)."""

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


def _strategy_or_none(cls: type[BaseRedisModel]) -> Any:
    try:
        return st.fixed_dictionaries(
            {name: strategy_for(info.annotation) for name, info in cls.model_fields.items()}
        )
    except (AssertionError, TypeError, StopIteration):
        return None


def loadable_classes() -> list[type[BaseRedisModel]]:
    """The suite's models (``tests/models.py``) whose fields take JSON values, with a pk of
    their own (the bulk fast path), and this module's."""
    found = [
        value
        for value in vars(suite_models).values()
        if isinstance(value, type)
        and issubclass(value, BaseRedisModel)
        and value is not AtomicRedisModel
        and value.__pydantic_complete__
        and not value.__pydantic_generic_metadata__.get("parameters")
        and value.__rapyer_key_field__ is None
        and not value.__rapyer_special_fields__
        and value.model_config.get("extra") != "allow"
        and _strategy_or_none(value) is not None
    ]
    return [*found, Tree, Branch, Leaf]


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


# ---- one fields-set shared by bulk-loaded models (_pydantic_internals.shared_fields_set) ----


def documents_of(cls: type[BaseRedisModel], data: st.DataObject) -> list[str]:
    """Stored documents of ``cls``: one to four, maybe one of an older version of the class."""
    documents = []
    for _ in range(data.draw(st.integers(1, 4))):
        values = data.draw(
            st.fixed_dictionaries(
                {name: strategy_for(info.annotation) for name, info in cls.model_fields.items()}
            )
        )
        # values the class refuses (constraints) make no stored document
        with contextlib.suppress(ValidationError):
            documents.append(cls.model_validate(values).redis_dump_json())
    assume(documents)
    # a document of an older version of the class (a field missing) keeps its own set
    if data.draw(st.booleans()) and any(not i.is_required() for i in cls.model_fields.values()):
        name = next(n for n, i in cls.model_fields.items() if not i.is_required())
        doc = json.loads(documents[0])
        del doc[name]
        documents.append(json.dumps(doc))
    return documents


@pytest.mark.parametrize("cls", loadable_classes(), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_bulk_loads_share_a_fields_set_that_behaves_as_their_own(
    cls: type[BaseRedisModel], data: st.DataObject
) -> None:
    documents = documents_of(cls, data)
    keys = [f"{cls.class_key_initials()}:k{i}" for i in range(len(documents))]
    models, missing = _bulk.ReadPlan(keys, cls).models([documents])
    assert missing is None
    regular = [_codec.load_model(cls, text, key) for key, text in zip(keys, documents, strict=True)]
    assert models == regular
    for model, alone in zip(models, regular, strict=True):
        same_structure(model, alone)
        assert model.__pydantic_private__ == alone.__pydantic_private__
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


def _invalid(cls: type[BaseRedisModel], key: str, raw: Any) -> Any:
    return ("invalid", key, raw)


def usual_read(cls: type[BaseRedisModel], documents: list[Any]) -> tuple[list[str], set[str], int]:
    """The keys of the usual read of ``documents`` (the class's prefix), the class's shared
    fields-set and where the pk starts in a key."""
    keys = [f"{cls.class_key_initials()}:k{i}" for i in range(len(documents))]
    shared = shared_fields_set(cls)
    assert shared is not None
    return keys, shared, len(cls.class_key_initials()) + 1


@pytest.mark.parametrize("cls", loadable_classes(), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_the_loop_of_the_usual_read_gives_what_the_general_loop_gives(
    cls: type[BaseRedisModel], data: st.DataObject
) -> None:
    # _bulk._load_own_pks (keys of the class's prefix) against _bulk._load_any, with missing
    # documents (null, "[]" or kept as a document) and documents that fail validation
    documents: list[Any] = documents_of(cls, data)
    extras = data.draw(st.lists(st.sampled_from([None, "[]", '{"not": "valid', "[1]"]), max_size=3))
    for extra in extras:
        documents.insert(data.draw(st.integers(0, len(documents))), extra)
    keys, shared, cut = usual_read(cls, documents)
    empty_is_missing = data.draw(st.booleans())
    args = (cls, keys, documents, _invalid, empty_is_missing, cut, shared)
    fast, fast_missing = _bulk._load_own_pks(*args)
    general, general_missing = _bulk._load_any(*args)
    assert fast_missing == general_missing
    assert_same_loads(fast, general, shared)
    # the usual read takes the loop of the usual read
    assert _bulk.load_documents(cls, keys, documents, _invalid, empty_is_missing)[0] == fast


def assert_same_loads(fast: list[Any], general: list[Any], shared: set[str]) -> None:
    """The models of a fast loop are those of ``_bulk._load_any``, private attributes and
    fields-sets included (``_invalid``'s tuples for the documents that failed)."""
    assert len(fast) == len(general)
    for model, other in zip(fast, general, strict=True):
        if isinstance(other, tuple):
            assert model == other
            continue
        same_structure(model, other)
        assert model.__pydantic_private__ == other.__pydantic_private__
        for nested, alone in zip(iter_models(model), iter_models(other), strict=True):
            assert nested.__pydantic_private__ == alone.__pydantic_private__
            assert nested.__pydantic_private__ is not None
        assert model.__pydantic_fields_set__ is other.__pydantic_fields_set__ or (
            model.__pydantic_fields_set__ == other.__pydantic_fields_set__
            and other.__pydantic_fields_set__ is not shared
        )


def batch_classes() -> list[type[BaseRedisModel]]:
    """The loadable classes whose post-init does nothing in the bulk loop."""
    return [
        cls
        for cls in loadable_classes()
        if _bulk._bulk_context(cls) is _codec.BULK_LOAD_CONTEXT and is_fast_post_init(cls)
    ]


@pytest.mark.parametrize("cls", batch_classes(), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_the_batch_of_the_usual_read_gives_what_the_general_loop_gives(
    cls: type[BaseRedisModel], data: st.DataObject
) -> None:
    # _bulk._load_batch (one JSON array, no post-init) against _bulk._load_any; a missing
    # (None, or fakeredis's "[]"), invalid or doubled document leaves the batch to the loop
    # (None), which tells them apart
    documents: list[Any] = documents_of(cls, data)
    keys, shared, cut = usual_read(cls, documents)
    # arrays of one document up to all of them
    size = data.draw(st.integers(1, len(documents)))
    with mock.patch.object(_bulk, "_ARRAY_SIZE", size):
        batch = _bulk._load_batch(cls, keys, documents, cut, shared)
    general, missing = _bulk._load_any(cls, keys, documents, _invalid, True, cut, shared)
    assert missing is None and batch is not None
    assert_same_loads(batch, general, shared)
    for model in batch:
        assert model.__pydantic_private__ is not None
    spoiled = list(documents)
    at = data.draw(st.integers(0, len(spoiled) - 1))
    spoiled[at] = data.draw(
        st.sampled_from(
            [None, "[]", '{"not": "valid', "[1]", "1,2", f"{documents[0]},{documents[-1]}", b"{}"]
        )
    )
    with mock.patch.object(_bulk, "_ARRAY_SIZE", size):
        assert _bulk._load_batch(cls, keys, spoiled, cut, shared) is None


def test_the_batch_validator_calls_no_post_init_and_follows_a_rebuild() -> None:
    validator = list_validator(Leaf)
    assert validator is not None and list_validator(Leaf) is validator
    assert Leaf.__pydantic_complete__ is True
    # with LOAD_CONTEXT the class's own validator runs the post-init, which sets the private dict
    (model,) = validator.validate_json('[{"label": "a"}]', context=_codec.LOAD_CONTEXT)
    assert model.__pydantic_private__ is None and model.label == "a"
    alone = Leaf.__pydantic_validator__.validate_json('{"label": "a"}', context=_codec.LOAD_CONTEXT)
    assert alone.__pydantic_private__ is not None
    Leaf.model_rebuild(force=True)
    rebuilt = list_validator(Leaf)
    assert rebuilt is not None and rebuilt is not validator


class Checked(AtomicRedisModel):
    """A model validator reads the model before the bulk loop finished it."""

    name: str = ""

    @model_validator(mode="after")
    def _seen(self) -> Checked:
        SEEN.append((self.pk, self.__pydantic_private__ is not None))
        return self


SEEN: list[tuple[Any, bool]] = []


def test_a_model_validator_sees_a_model_with_its_private_attributes() -> None:
    SEEN.clear()
    keys = ["Checked:a", "Checked:b"]
    models, missing = _bulk.load_documents(
        Checked, keys, ['{"name":"x"}', '{"name":"y"}'], _invalid
    )
    assert missing is None and [m.pk for m in models] == ["a", "b"]
    assert [seen for _, seen in SEEN] == [True, True]
    assert _bulk._bulk_context(Checked) is _codec.LOAD_CONTEXT
    assert _bulk._bulk_context(Leaf) is _codec.BULK_LOAD_CONTEXT
    assert _bulk._bulk_context(Branch) is _codec.LOAD_CONTEXT  # holds a Leaf
