"""Private state of models is initialised per instance, whichever way they are built (no I/O).

rapyer replaces pydantic's initialisation of private attributes with a faster equivalent when a
class has only rapyer's private attributes and no ``model_post_init`` of its own; these tests
pin the behaviour both ways.
"""

from __future__ import annotations

from pydantic import PrivateAttr

from rapyer import AtomicRedisModel, RedisConfig
from rapyer._codec import LOAD_CONTEXT, load_model
from rapyer._pydantic_internals import _fast_post_init, is_fast_post_init

# Not registered: these classes only exist for this module.
UNREGISTERED = RedisConfig(init_with_rapyer=False)


class PiPlain(AtomicRedisModel):
    Meta = UNREGISTERED
    name: str = "x"


class PiInner(AtomicRedisModel):
    Meta = UNREGISTERED
    n: int = 0


class PiOuter(AtomicRedisModel):
    Meta = UNREGISTERED
    inner: PiInner = PiInner()
    items: list[PiInner] = []


class PiOwn(AtomicRedisModel):
    Meta = UNREGISTERED
    x: int = 0

    def model_post_init(self, context: object, /) -> None:
        super().model_post_init(context)
        self.__dict__["x"] = 5


class PiChild(PiOwn):
    Meta = UNREGISTERED


class PiExtra(AtomicRedisModel):
    Meta = UNREGISTERED
    _cache: list[int] = PrivateAttr(default_factory=list)


def _private_state(model: AtomicRedisModel) -> dict:
    return dict(model.__pydantic_private__)


def test_private_defaults_for_every_construction_path() -> None:
    expected = {
        "_rapyer_pk": None,
        "_rapyer_parent": None,
        "_rapyer_path": (),
        "_rapyer_failed": None,
        "_rapyer_stored": None,
    }
    built = [
        PiPlain(),
        PiPlain(name="a"),
        PiPlain.model_validate({"name": "b"}),
        PiPlain.model_validate_json('{"name": "c"}', context=LOAD_CONTEXT),
        PiPlain.model_construct(name="d"),
    ]
    for model in built:
        assert _private_state(model) == expected
    assert len({id(model.__pydantic_private__) for model in built}) == len(built)


def test_loaded_model_keeps_its_pk_and_links_nested_models() -> None:
    plain = load_model(PiPlain, '{"name": "a"}', "PiPlain:42")
    assert plain.pk == "42" and plain.key == "PiPlain:42"
    outer = load_model(PiOuter, '{"inner": {"n": 1}, "items": [{"n": 2}]}', "PiOuter:7")
    assert outer.inner.root_model() is outer and outer.inner.key == "PiOuter:7"
    assert outer.items[0].json_path == "$.items[0]"
    assert not outer.is_inner_model() and outer.inner.is_inner_model()


def test_user_model_post_init_still_runs() -> None:
    assert PiOwn().x == 5
    assert PiChild().x == 5
    assert PiChild.model_validate({"x": 1}).x == 5
    assert _private_state(PiChild())["_rapyer_path"] == ()


def test_extra_private_attributes_get_their_own_defaults() -> None:
    first, second = PiExtra(), PiExtra()
    first._cache.append(1)
    assert second._cache == []
    assert _private_state(second)["_rapyer_pk"] is None


class PiLate(AtomicRedisModel):
    """Completed later: its nested field's class is defined below."""

    Meta = UNREGISTERED
    child: PiLateChild | None = None


def test_each_class_gets_the_post_init_its_fields_need() -> None:
    # A class that links nothing when built gets one of its own (it only copies the defaults);
    # a class with nested models keeps the general one, which links them.
    assert is_fast_post_init(PiPlain) and is_fast_post_init(PiOuter)
    assert PiPlain.model_post_init is not _fast_post_init
    assert PiPlain.model_post_init is not PiInner.model_post_init
    assert PiOuter.model_post_init is _fast_post_init
    assert not is_fast_post_init(PiOwn) and not is_fast_post_init(PiExtra)
    # the class-specific one gives the state the general one gives
    own = PiPlain.model_validate_json('{"name": "c"}', context=LOAD_CONTEXT)
    general = PiPlain.model_construct(name="c")
    object.__setattr__(general, "__pydantic_private__", None)
    _fast_post_init(general, None)
    assert _private_state(own) == _private_state(general)


class PiLateChild(AtomicRedisModel):
    Meta = UNREGISTERED
    n: int = 0


def test_a_class_completed_late_links_its_nested_models() -> None:
    PiLate.model_rebuild()
    assert PiLate.model_post_init is _fast_post_init  # it has a nested field now
    late = load_model(PiLate, '{"child": {"n": 3}}', "PiLate:1")
    assert late.child is not None and late.child.root_model() is late
    assert late.child.key == "PiLate:1"
