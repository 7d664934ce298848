"""Top-level lists and dicts of scalar items are validated as a plain ``list``/``dict`` at load
and become their Redis type on first read (``_annotations.PlainOnLoad``, ``_lazy_links``).

The fast path must agree with the general one: validating the field with its Redis type
(``RedisList[RedisStr]`` ...) accepts and refuses the same values with the same errors, and
the value read from the model is what that validation builds (no I/O).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Annotated, Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from rapyer import AtomicRedisModel, _codec
from rapyer._annotations import plain_on_load_of
from rapyer.types import RedisDict, RedisList


class PlainHolder(AtomicRedisModel):
    words: list[str] = Field(default_factory=list)
    counts: list[int] = Field(default_factory=list)
    ratios: list[float] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict)
    short: Annotated[list[int], Field(max_length=2)] = Field(default_factory=list)
    when: list[dt.datetime] = Field(default_factory=list)


class EagerHolder(AtomicRedisModel):
    """Fields that stay their Redis type at load: items that are no plain scalars."""

    grid: list[list[str]] = Field(default_factory=list)
    maybe: Optional[list[str]] = None
    anything: list = Field(default_factory=list)  # type: ignore[type-arg]
    members: set[str] = Field(default_factory=set)


PLAIN = ("words", "counts", "ratios", "labels", "scores", "short", "when")
# a constraint on the container itself: checked by the list schema before its items when plain,
# after them by the Redis type; both refuse the same values (the errors may differ)
CONSTRAINED = ("short",)

# JSON values of every kind: valid for some fields, refused by others
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
)
values = st.recursive(
    scalars | st.just("2020-01-02T03:04:05"),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@functools.cache
def redis_type_adapter(name: str) -> TypeAdapter[Any]:
    """The field's Redis type with its constraints, without the ``PlainOnLoad`` marker."""
    annotation = PlainHolder.model_fields[name].annotation
    metadata = [m for m in PlainHolder.model_fields[name].metadata if plain_on_load_of([m]) is None]
    return TypeAdapter(Annotated[(annotation, *metadata)] if metadata else annotation)


def general(name: str, value: Any) -> tuple[Any, Any]:
    """What the field's Redis type gives for ``value``: ``(result, None)`` or ``(None, errors)``."""
    try:
        return redis_type_adapter(name).validate_json(json.dumps(value)), None
    except ValidationError as exc:
        return None, _errors(exc)


def _errors(exc: ValidationError, drop: int = 0) -> list[tuple[Any, ...]]:
    """Location (without its first ``drop`` parts), type and message of each error."""
    return [(e["loc"][drop:], e["type"], e["msg"]) for e in exc.errors()]


@pytest.mark.parametrize("name", PLAIN)
@given(value=values)
def test_a_plain_container_accepts_and_refuses_what_its_redis_type_does(
    name: str, value: Any
) -> None:
    expected, errors = general(name, value)
    text = json.dumps({name: value})
    try:
        model = PlainHolder.model_validate_json(text)
    except ValidationError as exc:
        assert errors is not None, (name, value, exc)
        if name not in CONSTRAINED:
            assert _errors(exc, drop=1) == errors  # the model's errors start at the field
        return
    assert errors is None, (name, value)
    stored = model.__dict__[name]
    assert type(stored) is (list if isinstance(expected, list) else dict)
    read = getattr(model, name)
    assert type(read) is type(expected) and read == expected
    if isinstance(read, list):
        assert [type(item) for item in list.__iter__(read)] == [
            type(item) for item in list.__iter__(expected)
        ]
    else:
        assert [(type(k), type(v)) for k, v in dict.items(read)] == [
            (type(k), type(v)) for k, v in dict.items(expected)
        ]
    assert model.__dict__[name] is read and getattr(model, name) is read  # wrapped once
    assert read._rapyer_link is not None and read.json_path == f"$.{name}"


@given(data=st.data())
def test_a_loaded_model_dumps_and_compares_as_one_built_from_redis_types(data: Any) -> None:
    document = {
        "words": data.draw(st.lists(st.text(max_size=3), max_size=3)),
        "counts": data.draw(st.lists(st.integers(-5, 5), max_size=3)),
        "labels": data.draw(st.dictionaries(st.text(max_size=2), st.text(max_size=2), max_size=3)),
        "short": data.draw(st.lists(st.integers(0, 9), max_size=2)),
    }
    loaded = _codec.load_model(PlainHolder, json.dumps(document), "PlainHolder:1")
    built = PlainHolder(**document)  # assigned values, then read: every field wrapped
    for name in document:
        getattr(built, name)
    assert loaded == built and loaded.model_dump() == built.model_dump() == {
        **PlainHolder().model_dump(),
        **document,
    }
    assert loaded.model_dump_json() == built.model_dump_json()
    for name in document:
        assert type(getattr(loaded, name)) is type(getattr(built, name))


def test_only_containers_of_plain_items_are_kept_plain() -> None:
    plain = [
        name for name, info in PlainHolder.model_fields.items() if plain_on_load_of(info.metadata)
    ]
    assert plain == list(PLAIN)
    assert not any(plain_on_load_of(info.metadata) for info in EagerHolder.model_fields.values())
    model = EagerHolder.model_validate_json('{"grid": [["a"]], "maybe": ["x"], "anything": [1]}')
    assert isinstance(model.__dict__["grid"], RedisList) and isinstance(
        model.__dict__["maybe"], RedisList
    )
    assert isinstance(model.__dict__["anything"], RedisList)


def test_assignment_keeps_the_constraints_and_wraps_on_read() -> None:
    model = PlainHolder()
    model.labels = {"a": "b"}
    assert type(model.__dict__["labels"]) is dict  # validated plain, wrapped on read
    assert isinstance(model.labels, RedisDict) and model.__dict__["labels"] is model.labels
    assert model.labels.json_path == "$.labels"
    with pytest.raises(ValidationError):
        model.short = [1, 2, 3]
    with pytest.raises(ValidationError):
        PlainHolder.model_validate_json('{"counts": ["x"]}')
    assert model.short == [] and isinstance(model.short, RedisList)
