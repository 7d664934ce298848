"""Trusted reads: models built from documents rapyer wrote itself, without re-validation.

A regular read validates every document with pydantic. A trusted read (``Meta.trusted_reads``
or ``trusted=True`` of ``find``/``iterator``) takes the values of the parsed document as they
are, as ``model_construct`` does, and only wires what rapyer needs: list and dict fields become
their Redis types, ``Optional`` scalars their Redis scalar, nested models are built the same way
and linked to their parent, the pk and the stored text are kept (so a later save writes only the
changed fields).

Fast path, contained here (tested against the regular load in
``tests/common/test_trusted_reads.py``): together with the joined reply of
``rapyer/_lua/read_docs.lua`` (one bulk string per batch instead of one per document, parsed
with one ``json.loads``) it saves the per-document reply parsing of redis-py and pydantic's
validation of each value.

What it skips, per document: type checks of list and dict items and of nested values,
coercion (a float field written as ``1`` still becomes ``1.0``), constraints (``Field(ge=0)``,
``max_length`` ...), ``Annotated`` validators, and the model's own validators (classes with
field or model validators, or their own ``model_post_init``, are loaded regularly). What it
still checks: the document has exactly the model's fields (else: regular load, which fills
defaults of fields added later) and every top-level scalar has its JSON type (else: regular
load). A class whose fields are not all JSON-native (``str``, ``int``, ``float``, ``bool``,
``None``, lists and ``str``-keyed dicts of those, nested models of such fields) is loaded
regularly, as are classes with set or queue fields and SafeLoad fields.
"""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic import BaseModel

from rapyer import _codec, _keys
from rapyer import config as _config
from rapyer._annotations import PlainScalar, plain_scalar_of
from rapyer._model import BaseRedisModel
from rapyer._pydantic_internals import is_fast_post_init, shared_fields_set
from rapyer.errors import CorruptedModelError
from rapyer.fields import Index, Key

__all__ = ["Plan", "build", "load", "plan_of"]

_BAD: Any = object()  # a value the plan does not take: the regular load decides
_JSON_SCALARS = (str, int, float, bool)
_NEW = object.__new__
_SET = object.__setattr__
_BASE_VALIDATE_JSON = BaseModel.model_validate_json.__func__  # type: ignore[attr-defined]
_computing: set[type] = set()  # classes whose plan is being computed (recursive models)


def _scalar_step(builtin: type, wrap: Any) -> Any:
    """A top-level scalar: ``builtin`` as is (or ``wrap(value)``); ints for floats."""
    if builtin is float:

        def step(value: Any) -> Any:
            kind = type(value)
            if kind is float:
                return value if wrap is None else wrap(value)
            if kind is int:
                return float(value) if wrap is None else wrap(float(value))
            return _BAD

        return step

    def step_exact(value: Any) -> Any:
        if type(value) is builtin:
            return value if wrap is None else wrap(value)
        return _BAD

    return step_exact


def _optional(step: Any) -> Any:
    def optional(value: Any) -> Any:
        return None if value is None else step(value)

    return optional


def _item_builtin(item_type: Any) -> type | None:
    """The builtin JSON type that container items of ``item_type`` are kept as, else None."""
    if item_type in _JSON_SCALARS:
        return item_type  # type: ignore[no-any-return]
    builtin = getattr(item_type, "_rapyer_builtin", None)
    if (
        builtin in _JSON_SCALARS
        and getattr(item_type, "_rapyer_plain_in_containers", False)
        and getattr(item_type, "_rapyer_identity", False)
    ):
        return builtin  # type: ignore[no-any-return]
    return None


def _container_step(annotation: Any) -> Any:
    """``RedisList[X]`` / ``RedisDict[str, X]`` of JSON scalars: the concrete class."""
    origin = typing.get_origin(annotation)
    concrete_of = getattr(origin, "_rapyer_concrete", None)
    if concrete_of is None:
        return None
    args = typing.get_args(annotation)
    concrete = concrete_of(annotation)
    if issubclass(concrete, list) and len(args) == 1:
        builtin = _item_builtin(args[0])
        if builtin is None:
            return None
        if builtin is float:

            def float_list(value: Any) -> Any:
                if type(value) is not list:
                    return _BAD
                return concrete([float(x) if type(x) is int else x for x in value])

            return float_list

        def plain_list(value: Any) -> Any:
            return concrete(value) if type(value) is list else _BAD

        return plain_list
    if issubclass(concrete, dict) and len(args) == 2 and args[0] is str:
        builtin = _item_builtin(args[1])
        if builtin is None:
            return None
        if builtin is float:

            def float_dict(value: Any) -> Any:
                if type(value) is not dict:
                    return _BAD
                return concrete({k: float(x) if type(x) is int else x for k, x in value.items()})

            return float_dict

        def plain_dict(value: Any) -> Any:
            return concrete(value) if type(value) is dict else _BAD

        return plain_dict
    return None


def _nested_step(model_cls: type[BaseRedisModel]) -> Any:
    if model_cls in _computing or plan_of(model_cls) is None:
        return None

    def nested(value: Any) -> Any:
        plan = plan_of(model_cls)
        if plan is None or type(value) is not dict:
            return _BAD
        model = _construct(plan, value)
        return _BAD if model is None else model

    return nested


def _field_step(cls: type[BaseRedisModel], name: str, info: Any) -> Any:
    """The step that builds field ``name`` from its JSON value; ``None``: not trusted-safe."""
    annotation = info.annotation
    metadata = info.metadata
    if not all(map(_is_harmless, metadata)):
        return None  # validators or other metadata whose effect trusted reads would skip
    wrap = plain_scalar_of(metadata)
    if wrap is not None:  # kept plain by the model, wrapped on first read (PlainScalar)
        builtin = _item_builtin(wrap)
        return None if builtin is None else _scalar_step(builtin, None)
    if annotation in _JSON_SCALARS:
        return _scalar_step(annotation, None)
    if isinstance(annotation, type) and issubclass(annotation, BaseRedisModel):
        return _nested_step(annotation) if annotation is not cls else None
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Union and len(args) == 2 and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        builtin = _item_builtin(inner)
        if builtin is None:
            return None
        return _optional(_scalar_step(builtin, None if inner is builtin else inner))
    return _container_step(annotation)


def _is_harmless(meta: Any) -> bool:
    """Metadata that changes nothing in a model built from a document rapyer wrote: rapyer's
    ``Key`` and ``Index`` markers, ``PlainScalar``, and the constraints of ``annotated_types``
    (``Field(ge=0)``, ``max_length`` ...: checked when the value was written)."""
    return isinstance(meta, (Key, Index, PlainScalar)) or type(meta).__module__ == "annotated_types"


class Plan:
    """How to build one class from its parsed document (computed once per class)."""

    __slots__ = ("cls", "names", "steps", "defaults", "link", "key_field")

    def __init__(self, cls: type[BaseRedisModel], steps: list[tuple[str, Any]]):
        self.cls = cls
        self.names = frozenset(name for name, _ in steps)
        self.steps = steps
        self.defaults = cls.__rapyer_private_defaults__
        self.link = bool(cls.__rapyer_eager_fields__ or cls.__rapyer_nested_fields__)
        self.key_field = cls.__rapyer_key_field__


def _compute(cls: type[BaseRedisModel]) -> Plan | None:
    decorators = cls.__pydantic_decorators__
    if (
        decorators.validators
        or decorators.field_validators
        or decorators.root_validators
        or decorators.model_validators
        or cls.__rapyer_special_fields__
        or cls.__rapyer_safe_fields__
        or _config.resolve(cls, "safe_load_all")  # type: ignore[arg-type]
        or not is_fast_post_init(cls)
        or getattr(cls.model_validate_json, "__func__", None) is not _BASE_VALIDATE_JSON
        or cls.model_config.get("extra") == "allow"
        or getattr(cls, "__pydantic_root_model__", False)
    ):
        return None
    steps: list[tuple[str, Any]] = []
    _computing.add(cls)
    try:
        for name, info in cls.model_fields.items():
            step = None if info.exclude else _field_step(cls, name, info)
            if step is None:
                return None
            steps.append((name, step))
    finally:
        _computing.discard(cls)
    return Plan(cls, steps)


def plan_of(cls: type[BaseRedisModel]) -> Plan | None:
    """The build plan of ``cls``, or ``None`` when it must be loaded regularly (cached per
    class, renewed when a class or a Meta changes)."""
    cached = cls.__dict__.get("__rapyer_trusted_plan__")
    generation = _config.generation()
    if cached is not None and cached[0] == generation:
        return cached[1]  # type: ignore[no-any-return]
    plan = _compute(cls)
    if generation == _config.generation():
        type.__setattr__(cls, "__rapyer_trusted_plan__", (generation, plan))
    return plan


def _construct(plan: Plan, data: dict[str, Any]) -> Any:
    """The model of ``data`` (a parsed document), or ``None`` when the plan does not take it."""
    if data.keys() != plan.names:
        return None
    values: dict[str, Any] = {}
    for name, step in plan.steps:
        value = step(data[name])
        if value is _BAD:
            return None
        values[name] = value
    model = _NEW(plan.cls)
    _SET(model, "__dict__", values)
    shared = shared_fields_set(plan.cls)  # every field is set (plan.names)
    _SET(model, "__pydantic_fields_set__", set(plan.names) if shared is None else shared)
    _SET(model, "__pydantic_extra__", None)
    _SET(model, "__pydantic_private__", dict(plan.defaults))
    if plan.link:
        model._rapyer_link_eager()
    return model


def build(plan: Plan, data: Any, key: str, text: Any) -> Any:
    """The root model at ``key`` from its parsed document ``data`` (``text``: as stored), or
    ``None`` when the regular load must decide."""
    if type(data) is not dict:
        return None
    model = _construct(plan, data)
    if model is None:
        return None
    private = model.__pydantic_private__
    if plan.key_field is None:
        private["_rapyer_pk"] = _keys.pk_of(key)
    else:
        try:
            _codec.keep_key_of_document(model, key)
        except CorruptedModelError:
            return None
    private["_rapyer_stored"] = text
    return model


def load(cls: type[BaseRedisModel], raw: Any, key: str) -> Any:
    """The model of one stored document (JSON text) at ``key``: trusted when ``cls`` has a
    plan and the document fits it, else the regular load (which may raise as it does)."""
    plan = plan_of(cls)
    if plan is not None:
        data = raw
        if isinstance(raw, (str, bytes, bytearray)):
            try:
                data = json.loads(raw)
            except ValueError:
                data = None  # the regular load tells what is wrong with it
        model = build(plan, data, key, raw)
        if model is not None:
            return model
    return _codec.load_model(cls, raw, key)
