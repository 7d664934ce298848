"""Class definition: registry, Meta, Key fields, storable types (no I/O)."""

from __future__ import annotations

import logging
from typing import Annotated, Generic, TypeVar

import pytest

import rapyer
from rapyer import AtomicRedisModel, Key, Pickle, RedisConfig, _registry
from rapyer.actions import ActionGroup
from rapyer.config import reset_init_defaults, set_init_defaults
from rapyer.errors import DuplicateModelNameError, InvalidRefreshTtlError, ModelDefinitionError
from tests.models import Account, Box, Derived, User, Widget

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _no_init_defaults():
    reset_init_defaults()
    yield
    reset_init_defaults()


def _define(name: str, module: str, **namespace):
    namespace.setdefault("__annotations__", {"x": int})
    namespace["__module__"] = module
    return type(name, (AtomicRedisModel,), namespace)


def test_registered_models_include_the_test_models() -> None:
    box_int = Box[int]  # a parametrisation registers when it is first created
    models = rapyer.find_redis_models()
    assert box_int in models
    assert User in models and Account in models and Derived in models and Box[int] in models
    assert Box not in models  # an unparametrised generic origin is not registered
    models.clear()  # a snapshot: the registry is unchanged
    assert User in rapyer.find_redis_models()


def test_duplicate_prefix_from_another_class_is_an_error() -> None:
    first = _define("DupModel", "mod_one")
    try:
        with pytest.raises(DuplicateModelNameError) as info:
            _define("DupModel", "mod_two")
        assert info.value.model_name == "DupModel"
    finally:
        _registry.unregister(first)


def test_redefining_the_same_class_replaces_it_with_a_warning(caplog) -> None:
    first = _define("Redefined", "notebook_cell")
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        second = _define("Redefined", "notebook_cell")
    try:
        assert _registry.by_prefix("Redefined") is second is not first
        assert "redefined" in caplog.text
    finally:
        _registry.unregister(second)


def test_init_with_rapyer_false_is_not_registered_and_not_inherited() -> None:
    base = _define("AbstractBase", __name__, Meta=RedisConfig(init_with_rapyer=False))
    child = type("ConcreteChild", (base,), {"__module__": __name__})
    try:
        assert _registry.by_prefix("AbstractBase") is None
        assert _registry.by_prefix("ConcreteChild") is child
    finally:
        _registry.unregister(child)


@pytest.mark.parametrize("prefix", ["", "a:b"])
def test_bad_prefix_is_a_definition_error(prefix: str) -> None:
    with pytest.raises(ModelDefinitionError):
        _define("BadPrefix", __name__, Meta=RedisConfig(key_prefix=prefix))


def test_two_key_fields_are_a_definition_error() -> None:
    with pytest.raises(ModelDefinitionError):
        _define("TwoKeys", __name__, __annotations__={"a": Key[str], "b": Annotated[int, Key()]})


def test_unstorable_type_is_a_definition_error_unless_pickled() -> None:
    with pytest.raises(ModelDefinitionError):
        _define("NoPickle", __name__, __annotations__={"w": Widget})
    cls = _define(
        "AllowPickle",
        __name__,
        __annotations__={"w": Widget, "n": int},
        Meta=RedisConfig(allow_pickle=True, init_with_rapyer=False),
    )
    model = cls(w=Widget(3), n=1)
    dumped = model.redis_dump()
    assert isinstance(dumped["w"], str) and dumped["n"] == 1
    from rapyer import _codec

    assert _codec.load_model(cls, model.redis_dump_json(), "AllowPickle:1").w == Widget(3)


def test_pickle_is_only_undone_for_stored_documents() -> None:
    cls = _define(
        "PickledStr",
        __name__,
        __annotations__={"s": Pickle[str]},
        Meta=RedisConfig(init_with_rapyer=False),
    )
    text = cls(s="hello").redis_dump_json()
    from rapyer import _codec

    assert _codec.load_model(cls, text, "PickledStr:1").s == "hello"
    # a string from user code is taken as it is, never unpickled
    stored = cls.model_validate_json(text).s
    assert stored != "hello" and isinstance(stored, str)


def test_unknown_meta_option_is_a_definition_error() -> None:
    with pytest.raises(ModelDefinitionError):
        _define("BadMeta", __name__, Meta=type("Meta", (), {"ttl": 3, "nope": 1}))


def test_nested_meta_class_form() -> None:
    cls = _define(
        "NestedMetaForm",
        __name__,
        Meta=type("Meta", (), {"ttl": 30, "key_prefix": "nm", "init_with_rapyer": False}),
    )
    assert cls.resolved_config().ttl == 30
    assert cls(x=1).key.startswith("nm:")


def test_meta_is_resolved_at_call_time_per_class() -> None:
    assert User.resolved_config().ttl is None
    set_init_defaults({"ttl": 100})
    assert User.resolved_config().ttl == 100
    User.Meta.ttl = 5
    try:
        assert User.resolved_config().ttl == 5
        assert Derived.resolved_config().ttl == 5  # inherits the explicit parent value
        Derived.Meta.ttl = 7
        assert Derived.resolved_config().ttl == 7 and User.resolved_config().ttl == 5
    finally:
        User.Meta.__pydantic_fields_set__.discard("ttl")
        Derived.Meta.__pydantic_fields_set__.discard("ttl")
    assert User.resolved_config().ttl == 100


def test_key_prefix_is_not_inherited() -> None:
    child = type("AccountChild", (Account,), {"__module__": __name__})
    try:
        assert child.class_key_initials() == "AccountChild"
    finally:
        _registry.unregister(child)


def test_refresh_ttl_cannot_contain_delete() -> None:
    with pytest.raises(InvalidRefreshTtlError):
        RedisConfig(refresh_ttl=ActionGroup.DELETE | ActionGroup.READ)
    with pytest.raises(TypeError):
        rapyer.init_rapyer_sync(no_such_option=1)


def test_keys_and_pks() -> None:
    account = Account(account_id="42")
    assert account.pk == "42" and account.key == "acct:42"
    account.key = "acct:43"
    assert account.account_id == "43"
    user = User(name="x")
    assert user.pk == user.pk  # generated once
    user.pk = "abc"
    assert user.key == "User:abc"


def test_generic_models_register_each_parametrisation() -> None:
    class Pair(AtomicRedisModel, Generic[T]):
        left: T
        right: T

    try:
        assert Pair[str].class_key_initials() == "Pair[str]"
        assert _registry.by_prefix("Pair[str]") is Pair[str]
        assert _registry.by_prefix("Pair") is None
    finally:
        _registry.unregister(Pair[str])
